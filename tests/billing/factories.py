"""Billing test data, made the way the app makes it: through ``billing.services``."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Sequence
from decimal import Decimal

from accounts.models import User
from billing import services
from billing.models import Contract, Invoice, Product
from billing.money import VatRate
from billing.services import LineInput
from organizations.models import BankAccount, Membership, Organization
from tests.organizations.factories import BankAccountFactory

ISSUE_DATE = datetime.date(2026, 3, 2)
DUE_DATE = datetime.date(2026, 3, 16)

__all__ = [
    "DUE_DATE",
    "ISSUE_DATE",
    "LineInput",
    "bank_account",
    "contract_for",
    "invoice_for",
    "line",
    "product",
]


def bank_account(organization: Organization, **fields) -> BankAccount:
    """The organization's primary account, created (FI21 1234 5600 0007 85) if missing."""
    account = organization.bank_accounts.filter(is_primary=True).first()
    if account is None:
        account = BankAccountFactory(organization=organization, is_primary=True, **fields)
    return account


_product_numbers = itertools.count(1)


def product(organization: Organization, **fields) -> Product:
    """A product on sale: "Jäsenmaksu N", 100.00 € excluding VAT at 25.5 % unless told."""
    data = {
        "name": f"Jäsenmaksu {next(_product_numbers)}",
        "unit": Product.Unit.YEAR,
        "unit_price": Decimal("100.00"),
        "vat_rate": VatRate.STANDARD,
        **fields,
    }
    return Product.objects.create(organization=organization, **data)


def line(
    description: str = "Jäsenmaksu 2026",
    quantity: Decimal | int | str = 1,
    unit_price: Decimal | int | str = "100.00",
    vat_rate: Decimal | str = VatRate.STANDARD,
    product: Product | None = None,
) -> LineInput:
    """One invoice line; numbers may be given as strings or ints for brevity."""
    return LineInput(
        description=description,
        quantity=Decimal(str(quantity)),
        unit_price=Decimal(str(unit_price)),
        vat_rate=Decimal(str(vat_rate)),
        product=product,
    )


def invoice_for(
    membership: Membership,
    lines: Sequence[LineInput] | None = None,
    *,
    send: bool = False,
    issue_date: datetime.date = ISSUE_DATE,
    due_date: datetime.date = DUE_DATE,
    notes: str = "",
    actor: User | None = None,
) -> Invoice:
    """An invoice to ``membership`` (a draft unless ``send``), one 100 € + 25.5 % line default.

    ``send=True`` goes through ``services.invoice_send``, which mails the invoice on commit:
    inside a test transaction that happens only under
    ``django_capture_on_commit_callbacks(execute=True)``.
    """
    organization = membership.organization
    bank_account(organization)
    invoice = services.invoice_create(
        organization=organization,
        membership=membership,
        lines=list(lines) if lines is not None else [line()],
        issue_date=issue_date,
        due_date=due_date,
        notes=notes,
        actor=actor,
    )
    if send:
        invoice = services.invoice_send(invoice=invoice, actor=actor)
    return invoice


def contract_for(
    membership: Membership,
    product_: Product | None = None,
    *,
    opened_on: datetime.date = datetime.date(2026, 1, 1),
    quantity: Decimal | int = 1,
    actor: User | None = None,
) -> Contract:
    """An open contract of an active member for ``product_`` (a new product if not given)."""
    return services.contract_open(
        membership=membership,
        product=product_ or product(membership.organization),
        opened_on=opened_on,
        quantity=Decimal(quantity),
        actor=actor,
    )
