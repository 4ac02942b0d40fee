"""What a person may ask to correct on invoices and in their e-invoice addresses (GDPR
Art. 16), declared to gdpr.

An issued invoice is an accounting voucher and is never rewritten; the correction goes to
the member record that future invoices copy their recipient from. The organization that
invoiced decides it (or the controller). An e-invoice address is corrected in place,
checked as the admin's form checks it; its organization decides.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.sources import DataSource
from gdpr.api import RectifiableField, RectifiableSource, ValueKind, register_source
from organizations.services import membership_rectify

from .einvoice import einvoice_address_save
from .models import EInvoiceAddress, Invoice

if TYPE_CHECKING:
    from accounts.models import User

# The member-record field each invoice field is copied from.
MEMBER_FIELD = {"recipient_name": "name", "recipient_email": "email"}


def _invoice_rows(user: User) -> QuerySet[Invoice]:
    # The latest issued invoice of each of the person's memberships: its recipient details
    # are what the next invoice would repeat.
    latest = (
        Invoice.objects.filter(membership=OuterRef("membership"))
        .exclude(status=Invoice.Status.DRAFT)
        .order_by("-issue_date", "-pk")
        .values("pk")[:1]
    )
    return (
        Invoice.objects.filter(membership__user=user, pk=Subquery(latest))
        .select_related("organization")
        .order_by("organization__name", "pk")
    )


def _invoice_apply(invoice: Invoice, field: str, value: Any, *, actor: User, reason: str) -> None:
    """Never rewrite an issued invoice: it is an accounting voucher (Accounting Act 2:10)
    and must show what was sent. The correction goes to the member record that future
    invoices copy their recipient from; the request's trail records it with the reason."""
    membership_rectify(
        membership=invoice.membership,
        field=MEMBER_FIELD[field],
        value=value,
        actor=actor,
        source=DataSource.SUBJECT,
    )


INVOICE_SOURCE = register_source(
    RectifiableSource(
        model=Invoice,
        noun=gettext_lazy("Invoices"),
        fields=(
            RectifiableField("recipient_name", gettext_lazy("Recipient's name on invoices")),
            RectifiableField(
                "recipient_email",
                gettext_lazy("Recipient's email address on invoices"),
                ValueKind.EMAIL,
            ),
        ),
        rows=_invoice_rows,
        describe=lambda i: (
            _("Invoices of %(organization)s (latest: no. %(number)s)")
            % {"organization": i.organization, "number": i.number_display}
        ),
        holder=lambda i: i.organization,
        apply=_invoice_apply,
        how=gettext_lazy(
            "Invoices already issued are accounting vouchers: the law requires them to be"
            " kept as they were sent, so they are not changed. The correction and its reason"
            " are recorded, and future invoices use the corrected details. The address on"
            " invoices comes from your profile, which you can edit yourself."
        ),
        order=30,
    )
)


def _einvoice_rows(user: User) -> QuerySet[EInvoiceAddress]:
    return (
        EInvoiceAddress.objects.filter(membership__user=user)
        .select_related("membership__organization")
        .order_by("membership__organization__name", "pk")
    )


def _einvoice_apply(
    address: EInvoiceAddress, field: str, value: Any, *, actor: User, reason: str
) -> None:
    """Through the service, which checks the corrected address as the admin's form does
    (a ValidationError is shown to whoever decides)."""
    data = {
        "kind": address.kind,
        "address": address.address,
        "intermediator": address.intermediator,
    }
    data[field] = value
    einvoice_address_save(membership=address.membership, actor=actor, **data)


EINVOICE_SOURCE = register_source(
    RectifiableSource(
        model=EInvoiceAddress,
        noun=gettext_lazy("E-invoice addresses"),
        fields=(
            RectifiableField(
                "kind",
                gettext_lazy("Type of the e-invoice address"),
                ValueKind.CHOICE,
                choices=tuple(EInvoiceAddress.Kind.choices),
            ),
            RectifiableField("address", gettext_lazy("E-invoice address")),
            RectifiableField("intermediator", gettext_lazy("Intermediator")),
        ),
        rows=_einvoice_rows,
        describe=lambda a: (
            _("E-invoice address at %(organization)s") % {"organization": a.membership.organization}
        ),
        holder=lambda a: a.membership.organization,
        apply=_einvoice_apply,
        how=gettext_lazy(
            "The organization's admins correct the e-invoice address; the correction and"
            " its reason are recorded, and the next e-invoices go to the corrected address."
        ),
        order=50,
    )
)
