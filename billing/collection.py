"""Debt collection: an organization's collection partners, and an overdue invoice handed
over to one of them with exactly the claim data the partner needs.

The hand-over is a disclosure of the debtor's data to the partner (GDPR Art. 15(1)(c),
19): it is recorded through ``gdpr.api``, so the person sees it in "My data" and in their
access export. The claim data is kept as handed over (``CollectionClaim.data``), and the
CSV and JSON files are made from it: a download later gives what the partner got.
"""

from __future__ import annotations

import datetime
import io
import json
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fi import ytunnus

from gdpr.api import disclosure_to_partner, restriction_in_force
from organizations.services import RuleError
from registry.csv_download import SafeWriter

from . import states
from .models import CollectionClaim, CollectionPartner, Invoice, Reminder
from .services import as_actor, invoice_hand_over_to_collection, recipient_address

if TYPE_CHECKING:
    from accounts.models import User
    from organizations.models import Organization

# Exactly what a collection partner needs to collect the claim, and nothing else: no
# phone, no birth date, no notes. The tests hold the files to this list.
CLAIM_FIELDS = (
    "debtor_name",
    "debtor_address",
    "debtor_email",
    "invoice_number",
    "reference",
    "issue_date",
    "due_date",
    "original_amount",
    "paid_amount",
    "amount_outstanding",
    "reminders",
)
REMINDER_FIELDS = ("sent_on", "fee")
# The data the file carries, as gdpr's categories, and the identifiers that name the
# person to the partner (Art. 19 notices name them by these only).
DISCLOSED_CATEGORIES = ("identity", "contact_details", "invoicing", "debt_collection")
DISCLOSED_IDENTIFIERS = ("name", "email")
# Act on the Limitation of Debts (728/2003) §4: a debt's general limitation period is three
# years; the partner holds the data for that long unless the claim is settled sooner.
DISCLOSURE_YEARS = 3


def _years_later(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28)


# --- Partners ---------------------------------------------------------------------------------


def business_id_format(value: str) -> str:
    """The Y-tunnus in its printed form (``1234567-8``), or ``ValueError``."""
    try:
        return ytunnus.format(ytunnus.validate(value))
    except StdnumError as error:
        raise ValueError(str(error)) from error


@as_actor
@transaction.atomic
def collection_partner_save(
    *,
    organization: Organization,
    partner: CollectionPartner | None,
    name: str,
    business_id: str,
    email: str,
    is_active: bool,
    actor: User | None,
) -> CollectionPartner:
    """Add a collection partner to the organization or change one."""
    partner = partner or CollectionPartner(organization=organization)
    if partner.organization_id != organization.pk:
        raise RuleError(_("The collection partner belongs to another organization."))
    try:
        partner.business_id = business_id_format(business_id)
    except ValueError as error:
        raise RuleError(_("The business ID is not valid.")) from error
    partner.name = name.strip()
    partner.email = email.strip()
    partner.is_active = is_active
    try:
        with transaction.atomic():
            partner.save()
    except IntegrityError as error:
        raise RuleError(
            _("The organization already has a collection partner with this business ID.")
        ) from error
    return partner


# --- The claim ----------------------------------------------------------------------------------


def claim_data(invoice: Invoice, reminders: list[Reminder]) -> dict[str, Any]:
    """The claim as the partner gets it: the debtor as the register knows them now (the
    partner writes to where they live today), the invoice, its amounts and its reminders."""
    membership = invoice.membership
    return {
        "debtor_name": membership.name or invoice.recipient_name,
        "debtor_address": recipient_address(membership) or invoice.recipient_address,
        "debtor_email": membership.email or invoice.recipient_email,
        "invoice_number": invoice.number,
        "reference": invoice.reference,
        "issue_date": invoice.issue_date.isoformat(),
        "due_date": invoice.due_date.isoformat(),
        "original_amount": str(invoice.total),
        "paid_amount": str(invoice.paid_amount),
        "amount_outstanding": str(invoice.amount_due),
        "reminders": [
            {"sent_on": reminder.sent_on.isoformat(), "fee": str(reminder.fee)}
            for reminder in reminders
        ],
    }


def claim_json(claim: CollectionClaim) -> bytes:
    return json.dumps(claim.data, ensure_ascii=False, indent=2).encode()


def claim_csv(claim: CollectionClaim) -> bytes:
    """One header row and one claim row, semicolon-separated for Finnish spreadsheets; the
    reminders in one cell ("2026-03-20 5.00, 2026-04-03 5.00")."""
    stream = io.StringIO()
    writer = SafeWriter(stream, delimiter=";")
    writer.writerow(CLAIM_FIELDS)
    reminders = ", ".join(f"{r['sent_on']} {r['fee']}" for r in claim.data["reminders"])
    writer.writerow([*(claim.data[key] for key in CLAIM_FIELDS[:-1]), reminders])
    return ("\ufeff" + stream.getvalue()).encode()


def claim_filename(claim: CollectionClaim, extension: str) -> str:
    return f"collection-claim-{claim.data['invoice_number']}.{extension}"


def _refusal(invoice: Invoice, partner: CollectionPartner, handed_over_on: datetime.date) -> str:
    if partner.organization_id != invoice.organization_id or not partner.is_active:
        return _("Choose one of the organization's collection partners in use.")
    refusal = states.refusal(invoice, states.Action.COLLECT, on=handed_over_on)
    if refusal is not None:
        return str(refusal)
    if not invoice.reminders.filter(sent_on__lte=handed_over_on).exists():
        return _("Remind the member of the invoice before handing it over to collection.")
    if restriction_in_force(invoice.membership.user):
        return _(
            "The processing of the member's data is restricted: their data cannot be handed "
            "over to a collection partner now. Contact the controller."
        )
    return ""


@as_actor
@transaction.atomic
def invoice_hand_over(
    *,
    invoice: Invoice,
    partner: CollectionPartner,
    handed_over_on: datetime.date,
    actor: User | None,
) -> CollectionClaim:
    """Hand an overdue, reminded invoice over to a collection partner: the claim data is
    kept as handed over and recorded as a disclosure of the debtor's data to the partner."""
    invoice = (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("membership__user")
        .get(pk=invoice.pk)
    )
    if refusal := _refusal(invoice, partner, handed_over_on):
        raise RuleError(refusal)
    reminders = list(invoice.reminders.order_by("sent_on", "id"))
    data = claim_data(invoice, reminders)
    invoice = invoice_hand_over_to_collection(
        invoice=invoice, handed_over_on=handed_over_on, agency=partner.name, actor=actor
    )
    user = invoice.membership.user
    try:
        disclosure_id = disclosure_to_partner(
            recipient_name=f"{partner.name} ({partner.business_id})",
            recipient_email=partner.email,
            purpose=_("Collection of invoice %(number)s of %(organization)s")
            % {"number": invoice.number, "organization": invoice.organization.name},
            legal_basis=_(
                "GDPR Art. 6(1)(f): the creditor's legitimate interest in collecting its "
                "receivable (Act on the Collection of Receivables 513/1999)"
            ),
            categories=DISCLOSED_CATEGORIES,
            identifiers=DISCLOSED_IDENTIFIERS,
            starts_on=handed_over_on,
            ends_on=_years_later(handed_over_on, DISCLOSURE_YEARS),
            people=[user] if user is not None else [],
            actor=actor,
        )
    except ValidationError as error:
        raise RuleError(error.messages) from error
    return CollectionClaim.objects.create(
        invoice=invoice,
        partner=partner,
        handed_over_on=handed_over_on,
        data=data,
        disclosure_id=disclosure_id,
        handed_over_by=actor,
    )
