"""Billing's part of a membership ending (``organizations.leaving``).

- The member's open contracts end on the day the membership does. A contract that cannot
  be ended then (it opens later, or its termination was already agreed for a later day)
  is left to the organization's admins, who get one email listing them.
- What stays visible after leaving: the invoices with the recipient's name, address and
  email, kept as accounting vouchers until their retain-until date (they keep the member
  record in the member list that long), and the contracts with their history until the
  membership's settling period has passed (``billing.retention``).
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from gdpr.api import log_mail
from organizations.leaving import (
    Commitment,
    Kept,
    Leaving,
    member_record_until,
    register_leaving,
)
from organizations.models import Membership
from organizations.selectors import active_admins

from .models import Contract, Invoice, Payment
from .services import contract_terminate

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
        "date": dateformat.format(contract.opened_on, "j.n.Y"),
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
        membership_id = membership.pk
        transaction.on_commit(lambda: _enqueue_end_requests(membership_id))
    return settled


def _enqueue_end_requests(membership_id: int) -> None:
    from .tasks import request_contract_ends

    request_contract_ends.delay(membership_id)


def kept(membership: Membership, left_on: datetime.date) -> list[Kept]:
    items = []
    # Drafts too: a draft is a voucher in the making, kept and shown like the rest.
    summary = Invoice.objects.filter(membership=membership).aggregate(
        count=Count("pk"), until=Max("retain_until")
    )
    count = summary["count"]
    if count:
        paid_until = Payment.objects.filter(invoice__membership=membership).aggregate(
            until=Max("retain_until")
        )["until"]
        until = max(day for day in (summary["until"], paid_until) if day is not None)
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
                until=until,
                keeps_member_record=True,
            )
        )
    if Contract.objects.filter(membership=membership).exists():
        items.append(
            Kept(
                what=gettext_lazy("Your contracts with the organization and their history"),
                seen_by=gettext_lazy("the organization's admins"),
                until=member_record_until(left_on),
                keeps_member_record=True,
            )
        )
    return items


register_leaving(Leaving(name="billing", kept=kept, commitments=commitments, settle=settle))


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
