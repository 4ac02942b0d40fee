"""Writes for payment reminders and the organization's reminder settings.

A reminder adds up what the member owes: the capital still unpaid, the late-payment interest
to the reminder's date (``billing.interest``, if the organization charges it) and the
reminder fees, within the limits the Receivables Collection Act (laki saatavien perinnästä
513/1999) sets for consumer claims:

- 10 a § 1 mom. 1 kohta: at most 5 euros for a payment reminder (``MAX_REMINDER_FEE``), and
  a fee for at most three reminders of the same claim (``MAX_FEE_REMINDERS``);
- 10 b §: no fee for a reminder sent before 14 days have passed since the due date, or
  since the previous reminder (``FEE_FREE_DAYS``).

A reminder that may carry no fee is still sent, without one.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gdpr.api import acting_as
from organizations.services import RuleError
from registry.outbox.services import enqueue_on_commit

from . import interest, selectors, states
from .models import MAX_REMINDER_FEE, BillingSettings, Invoice, Reminder
from .tasks import email_reminder

if TYPE_CHECKING:
    from accounts.models import User
    from organizations.models import Organization

FEE_FREE_DAYS = 14
MAX_FEE_REMINDERS = 3
# The reminder's own due date: two weeks to pay, as the fee rules count.
REMINDER_PAYMENT_DAYS = 14


@transaction.atomic
def billing_settings_save(
    *,
    organization: Organization,
    reminder_fee: Decimal,
    charges_interest: bool,
    actor: User | None,
) -> BillingSettings:
    """Set the organization's reminder fee (0 to 5 €) and whether it charges interest."""
    if not Decimal(0) <= reminder_fee <= MAX_REMINDER_FEE:
        raise RuleError(_("The reminder fee must be between 0 and 5.00 euros."))
    with acting_as(actor):
        found, _created = BillingSettings.objects.select_for_update().get_or_create(
            organization=organization
        )
        found.reminder_fee = reminder_fee
        found.charges_interest = charges_interest
        found.save()
    return found


def _fee_allowed(
    *, invoice: Invoice, sent_on: datetime.date, fee: Decimal, earlier: list[Reminder]
) -> Decimal:
    """``fee``, or nothing where the Act allows no fee for this reminder (module docstring)."""
    if sent_on < invoice.due_date + datetime.timedelta(days=FEE_FREE_DAYS):
        return Decimal("0.00")
    if earlier and sent_on < earlier[-1].sent_on + datetime.timedelta(days=FEE_FREE_DAYS):
        return Decimal("0.00")
    if sum(1 for reminder in earlier if reminder.fee > 0) >= MAX_FEE_REMINDERS:
        return Decimal("0.00")
    return fee


def _charge_interest(invoice: Invoice, sent_on: datetime.date) -> str:
    """Add the interest from where it was last counted to ``sent_on``; the rates used.

    Counted on the capital unpaid now: a part paid since the last reminder lowers the
    interest of the whole stretch, never raises it.
    """
    since = max(invoice.interest_until or invoice.due_date, invoice.due_date)
    if sent_on <= since:
        return ""
    counted = interest.late_interest(
        capital=invoice.capital_due,
        since=since,
        until=sent_on,
        rates=interest.rates_between(since, sent_on),
    )
    invoice.interest_charged += counted.amount
    invoice.interest_until = sent_on
    return interest.describe(counted.periods)


def _check(invoice: Invoice, sent_on: datetime.date, fee: Decimal | None) -> None:
    states.require(invoice, states.Action.REMIND)
    if fee is not None and fee < 0:
        raise RuleError(_("The reminder fee cannot be negative."))
    if fee is not None and fee > MAX_REMINDER_FEE:
        raise RuleError(_("The reminder fee can be at most 5.00 euros."))
    if sent_on > timezone.localdate():
        # Interest is counted to the reminder's date: never to a day still to come.
        raise RuleError(_("A reminder cannot be dated in the future."))
    last = invoice.reminders.order_by("-sent_on").values_list("sent_on", flat=True).first()
    if last is not None and sent_on < last:
        raise RuleError(_("A reminder cannot be dated before the previous one."))


@transaction.atomic
def reminder_record(
    *,
    invoice: Invoice,
    sent_on: datetime.date,
    actor: User | None,
    fee: Decimal | None = None,
    mail: bool = True,
) -> Reminder:
    """Remind the member of an unpaid invoice, adding the fee and interest due by law.

    ``fee`` overrides the organization's fee (still within the Act). The reminder is
    mailed once after commit (``mail=False``: handed over some other way). A missing
    reference rate raises ``interest.MissingReferenceRate`` (a ``RuleError``).
    """
    with acting_as(actor):
        invoice = (
            Invoice.objects.select_for_update(of=("self",))
            .select_related("organization")
            .get(pk=invoice.pk)
        )
        _check(invoice, sent_on, fee)
        chosen = selectors.billing_settings(organization=invoice.organization)
        earlier = list(invoice.reminders.order_by("sent_on", "id"))
        fee = _fee_allowed(
            invoice=invoice,
            sent_on=sent_on,
            fee=chosen.reminder_fee if fee is None else fee,
            earlier=earlier,
        )
        basis = _charge_interest(invoice, sent_on) if chosen.charges_interest else ""
        invoice.fees_charged += fee
        invoice.save(update_fields=["fees_charged", "interest_charged", "interest_until"])
        reminder = Reminder.objects.create(
            invoice=invoice,
            sent_on=sent_on,
            fee=fee,
            due_date=sent_on + datetime.timedelta(days=REMINDER_PAYMENT_DAYS),
            capital=invoice.capital_due,
            interest=invoice.interest_charged - invoice.interest_paid,
            fees=invoice.fees_charged - invoice.fees_paid,
            total=invoice.amount_due,
            reference=invoice.reference,
            interest_basis=basis,
            recorded_by=actor,
        )
    if mail:
        enqueue_on_commit(email_reminder, reminder.pk)
    return reminder
