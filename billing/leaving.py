"""Billing's part of a membership ending (``organizations.leaving``).

- The member's open contracts end on the day the membership does. A contract that cannot
  be ended then (it opens later, or its termination was already agreed for a later day)
  is left to the organization's admins, who get one email listing them.
- What stays visible after leaving: the invoices with the recipient's name, address and
  email, kept as accounting vouchers until their retain-until date (they and their
  payments point at the member record and keep its entry in the member list that long:
  ``holds_record``), and the contracts with their history until the membership's settling
  period has passed (``billing.retention``).
- What stays payable: an invoice sent and not paid is still owed after leaving; the member
  is told which (``due``).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from gdpr.api import log_mail
from organizations.leaving import (
    Commitment,
    Due,
    Kept,
    Leaving,
    RecordHold,
    member_record_until,
    register_leaving,
)
from organizations.models import Membership
from organizations.selectors import active_admins
from registry.outbox.services import enqueue_on_commit

from .models import SETTLED_STATUSES, Contract, Invoice
from .money import format_eur
from .services import contract_terminate
from .states import UNPAID_STATUSES
from .tasks import request_contract_ends

if TYPE_CHECKING:
    from accounts.models import User


def _open_after(membership: Membership, left_on: datetime.date) -> QuerySet[Contract]:
    """The membership's contracts that go on after ``left_on``."""
    return (
        Contract.objects.filter(membership=membership)
        .filter(Q(terminated_on__isnull=True) | Q(terminated_on__gt=left_on))
        .select_related("product")
        .order_by("opened_on", "pk")
    )


def _can_end(contract: Contract, left_on: datetime.date) -> bool:
    # A later opening or an already agreed end date is the admins' to change, not ours.
    return contract.terminated_on is None and contract.opened_on <= left_on


def _label(contract: Contract) -> str:
    return _("Contract: %(product)s (opened %(date)s)") % {
        "product": contract.product.name,
        "date": date_format(contract.opened_on),
    }


def commitments(membership: Membership, left_on: datetime.date) -> list[Commitment]:
    return [
        Commitment(what=_label(contract), ended=_can_end(contract, left_on))
        for contract in _open_after(membership, left_on)
    ]


def settle(membership: Membership, left_on: datetime.date, actor: User | None) -> list[Commitment]:
    """End the membership's open contracts on ``left_on``; the rest go to the admins."""
    settled = []
    for contract in _open_after(membership, left_on):
        if _can_end(contract, left_on):
            contract_terminate(
                contract=contract,
                terminated_on=left_on,
                reason=_("The membership ended."),
                actor=actor,
            )
        settled.append(Commitment(what=_label(contract), ended=_can_end(contract, left_on)))
    if any(not item.ended for item in settled):
        enqueue_on_commit(request_contract_ends, membership.pk)
    return settled


class _Vouchers(NamedTuple):
    count: int
    until: datetime.date
    # Not settled yet (sent and unpaid, or a draft): kept past ``until`` until it is.
    unsettled: bool


def _vouchers(memberships: Sequence[Membership]) -> dict[int, _Vouchers]:
    """Each membership's invoices (drafts too: a draft is a voucher in the making) in one
    query: how many, the last day any of them or their payments is kept (the payments
    point at the invoice and the invoice at the membership, so the record stays as long as
    the last of them), and whether one is not settled, which the retention of vouchers
    keeps until it is (``billing.retention``)."""
    rows = (
        Invoice.objects.filter(membership__in=[m.pk for m in memberships])
        .values("membership_id")
        .annotate(
            count=Count("pk", distinct=True),
            invoices=Max("retain_until"),
            payments=Max("payments__retain_until"),
            unsettled=Count(
                "pk",
                distinct=True,
                filter=~Q(status__in=SETTLED_STATUSES) & Q(credit_note_for__isnull=True),
            ),
        )
    )
    return {
        row["membership_id"]: _Vouchers(
            count=row["count"],
            until=max(day for day in (row["invoices"], row["payments"]) if day is not None),
            unsettled=row["unsettled"] > 0,
        )
        for row in rows
    }


def _unsettled_why() -> str:
    return _("an invoice not yet settled is kept until it is, if that is later")


def holds_record(memberships: Sequence[Membership]) -> dict[int, RecordHold]:
    holds = {}
    for pk, vouchers in _vouchers(memberships).items():
        why = _(
            "it stays as long as the organization's bookkeeping vouchers that name the "
            "membership (invoices and their payments, kept under the Accounting Act)"
        )
        if vouchers.unsettled:
            why = f"{why}; {_unsettled_why()}"
        holds[pk] = RecordHold(until=vouchers.until, why=why)
    return holds


def kept(membership: Membership, left_on: datetime.date) -> list[Kept]:
    items = []
    vouchers = _vouchers([membership]).get(membership.pk)
    if vouchers is not None:
        count = vouchers.count
        items.append(
            Kept(
                what=ngettext(
                    "Your name, address and email address on %(count)s invoice and its "
                    "payments, kept for bookkeeping (Accounting Act)",
                    "Your name, address and email address on %(count)s invoices and their "
                    "payments, kept for bookkeeping (Accounting Act)",
                    count,
                )
                % {"count": count},
                seen_by=gettext_lazy("the organization's admins and its auditors"),
                until=vouchers.until,
                why=capfirst(_unsettled_why()) + "." if vouchers.unsettled else "",
            )
        )
    if Contract.objects.filter(membership=membership).exists():
        items.append(
            Kept(
                what=gettext_lazy("Your contracts with the organization and their history"),
                seen_by=gettext_lazy("the organization's admins"),
                until=member_record_until(left_on),
            )
        )
    return items


# Sent and not paid in full, or handed over to collection: still to be paid after leaving.
_PAYABLE = UNPAID_STATUSES | {Invoice.Status.IN_COLLECTION}


def due(membership: Membership) -> list[Due]:
    """The membership's invoices still to be paid: leaving does not cancel them."""
    invoices = Invoice.objects.filter(
        membership=membership, status__in=_PAYABLE, credit_note_for__isnull=True
    ).order_by("due_date", "number")
    return [
        Due(
            what=_("Invoice %(number)s") % {"number": invoice.number},
            amount=format_eur(invoice.amount_due),
            due_on=invoice.due_date,
        )
        for invoice in invoices
        if invoice.amount_due > 0
    ]


register_leaving(
    Leaving(
        name="billing",
        kept=kept,
        commitments=commitments,
        settle=settle,
        holds_record=holds_record,
        due=due,
    )
)


# --- The request to the admins ----------------------------------------------------------


def _language(user: User) -> str:
    language = getattr(user, "preferred_language", "")
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


@transaction.atomic
def contract_end_requests_send(*, membership_id: int) -> int:
    """Ask the organization's admins, once, to end the contracts of a member who left that
    could not be ended then. Returns how many contracts the mail listed (0: none left).

    The contracts stay locked while mailing and are stamped, so a task delivered twice
    finds nothing left to ask about.
    """
    membership = (
        Membership.objects.select_related("organization")
        .filter(pk=membership_id, status=Membership.Status.ENDED)
        .first()
    )
    if membership is None:
        return 0
    contracts = list(
        _open_after(membership, membership.ended_on)
        .filter(end_request_sent_at__isnull=True)
        .select_for_update(of=("self",))
    )
    if not contracts:
        return 0
    organization = membership.organization
    admins = [
        m.user
        for m in active_admins(organization=organization)
        .filter(user__isnull=False)
        .select_related("user")
        if m.user.email
    ]
    base = settings.SITE_URL.rstrip("/")
    for admin in admins:
        with translation.override(_language(admin)):
            subject = _("[%(site)s] Contracts to end: a member left %(organization)s") % {
                "site": _("Aviation registry"),
                "organization": organization.name,
            }
            body = render_to_string(
                "billing/email/contracts_to_end.txt",
                {
                    "organization": organization,
                    "member": membership.name or membership.email,
                    "ended_on": membership.ended_on,
                    "contracts": [
                        {
                            "label": _label(contract),
                            "terminated_on": contract.terminated_on,
                            "url": base
                            + reverse(
                                "billing:contract",
                                kwargs={"pk": organization.pk, "contract_pk": contract.pk},
                            ),
                        }
                        for contract in contracts
                    ],
                },
            )
        EmailMessage(subject=subject, body=body, to=[admin.email]).send()
        log_mail(
            organization=organization,
            subject=admin,
            counterpart=admin.email,
            subject_line=subject,
            related=membership,
        )
    Contract.objects.filter(pk__in=[c.pk for c in contracts]).update(
        end_request_sent_at=timezone.now()
    )
    return len(contracts)
