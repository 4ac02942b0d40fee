"""What ``billing`` holds about people — see gdpr.declarations."""

from __future__ import annotations

from django.utils.formats import date_format
from django.utils.translation import gettext as _text
from django.utils.translation import gettext_lazy as _

from accounts.sources import DataSource
from gdpr.api import (
    Category,
    Erasure,
    Identifier,
    LegalBasis,
    ModelEntry,
    Purpose,
    Recipient,
    Retention,
    RetentionKind,
    Searchable,
    SearchableField,
    register_category,
    register_model,
    register_searchable,
)

from .models import (
    BillingSettings,
    CollectionClaim,
    CollectionPartner,
    Contract,
    ContractEvent,
    EInvoiceAddress,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentEvent,
    PaymentTally,
    Product,
    ReferenceRate,
    Reminder,
)

ACCOUNTING_ACT = _(
    "Accounting Act (1336/1997) ch. 2 §10: vouchers are kept at least 6 years from the end"
    " of the year the financial period ended (GDPR Art. 17(3)(b))."
)
VOUCHER = Retention(
    RetentionKind.RETAIN_UNTIL,
    _("Accounting voucher: kept until its retain-until date, then erased."),
)
ADMINS_STAFF_AUTHORITIES = (
    Recipient.ORGANIZATION_ADMINS,
    Recipient.CONTROLLER_STAFF,
    Recipient.AUTHORITIES,
)

register_category(
    Category(
        key="contract",
        label=_("Products and services, their opening and termination dates"),
        purposes=(Purpose.SERVICE, Purpose.CUSTOMER_RELATIONSHIP, Purpose.INVOICING),
        legal_basis=LegalBasis.CONTRACT,
        retention=Retention(
            RetentionKind.UNTIL_MEMBERSHIP_ENDS,
            _(
                "Until {days} days after the membership ends; what accounting needs is kept"
                " with the invoices."
            ),
            days_setting="ENDED_MEMBERSHIP_RETENTION_DAYS",
        ),
        sources=(DataSource.SUBJECT, DataSource.ORGANIZATION_ADMIN),
        recipients=(Recipient.ORGANIZATION_ADMINS, Recipient.CONTROLLER_STAFF),
    )
)
register_category(
    Category(
        key="invoicing",
        label=_("Invoicing data (invoices, their recipient and lines)"),
        purposes=(Purpose.INVOICING, Purpose.ACCOUNTING, Purpose.VERIFY_TRANSACTIONS),
        legal_basis=LegalBasis.LEGAL_OBLIGATION,
        retention=Retention(
            RetentionKind.RETAIN_UNTIL,
            _(
                "Accounting voucher: kept until its retain-until date, then erased. A draft"
                " never sent is deleted {draft_days} days after it was written."
            ),
            numbers=(("draft_days", "DRAFT_INVOICE_RETENTION_DAYS"),),
        ),
        sources=(DataSource.ORGANIZATION_ADMIN, DataSource.SERVICE),
        recipients=ADMINS_STAFF_AUTHORITIES,
    )
)
register_category(
    Category(
        key="payments",
        label=_("Payments (amount, date, payer)"),
        purposes=(Purpose.INVOICING, Purpose.ACCOUNTING, Purpose.VERIFY_TRANSACTIONS),
        legal_basis=LegalBasis.LEGAL_OBLIGATION,
        retention=VOUCHER,
        sources=(DataSource.SUBJECT, DataSource.ORGANIZATION_ADMIN, DataSource.SERVICE),
        recipients=ADMINS_STAFF_AUTHORITIES,
    )
)
register_category(
    Category(
        key="debt_collection",
        label=_("Reminders and debt collection"),
        purposes=(Purpose.INVOICING, Purpose.ACCOUNTING),
        # Art. 17(3)(e) as well: a debt in collection is a legal claim.
        legal_basis=LegalBasis.LEGITIMATE_INTERESTS,
        retention=VOUCHER,
        sources=(DataSource.ORGANIZATION_ADMIN, DataSource.SERVICE),
        recipients=(*ADMINS_STAFF_AUTHORITIES, Recipient.COLLECTION_AGENCY),
    )
)

register_category(
    Category(
        key="einvoice_address",
        label=_("E-invoice address (address and intermediator)"),
        purposes=(Purpose.INVOICING,),
        legal_basis=LegalBasis.CONTRACT,
        retention=Retention(
            RetentionKind.UNTIL_MEMBERSHIP_ENDS,
            _("Until {days} days after the membership ends."),
            days_setting="ENDED_MEMBERSHIP_RETENTION_DAYS",
        ),
        sources=(DataSource.SUBJECT, DataSource.ORGANIZATION_ADMIN),
        recipients=(Recipient.ORGANIZATION_ADMINS, Recipient.CONTROLLER_STAFF),
    )
)

register_model(
    ModelEntry(
        model=Product,
        person=None,
        personal={},
        not_personal=frozenset(
            {
                "id",
                "organization",
                "name",
                "description",
                "unit",
                "unit_price",
                "vat_rate",
                "is_active",
            }
        ),
        erasure=Erasure.none(),
    )
)
# The organization's reminder choices and the published reference rates: nobody's data.
register_model(
    ModelEntry(
        model=BillingSettings,
        person=None,
        personal={},
        not_personal=frozenset(
            {"id", "organization", "reminder_fee", "charges_interest", "updated_at"}
        ),
        erasure=Erasure.none(),
    )
)
register_model(
    ModelEntry(
        model=ReferenceRate,
        person=None,
        personal={},
        not_personal=frozenset({"id", "valid_from", "rate"}),
        erasure=Erasure.none(),
    )
)
register_model(
    ModelEntry(
        model=Contract,
        person="membership__user",
        personal={
            "quantity": "contract",
            "opened_on": "contract",
            "terminated_on": "contract",
            "termination_reason": "contract",
            "terminated_by": "actor_trail",
        },
        not_personal=frozenset(
            {"id", "organization", "membership", "product", "created_at", "end_request_sent_at"}
        ),
        actors={"terminated_by": ()},
        erasure=Erasure.delete(),
        free_text=frozenset({"termination_reason"}),
    )
)
register_model(
    ModelEntry(
        model=ContractEvent,
        person="contract__membership__user",
        personal={
            "kind": "contract",
            "note": "contract",
            "occurred_at": "contract",
            "actor": "actor_trail",
        },
        not_personal=frozenset({"id", "contract"}),
        actors={"actor": ()},
        erasure=Erasure.delete(),
        free_text=frozenset({"note"}),
        # Itself the record of who did what and when: not recorded again in the audit trail.
        audited=False,
    )
)
register_model(
    ModelEntry(
        model=Invoice,
        person="membership__user",
        personal={
            # The recipient as it was on the invoice: a snapshot the law says to keep.
            "recipient_name": "invoicing",
            "recipient_address": "invoicing",
            "recipient_email": "invoicing",
            "issue_date": "invoicing",
            "due_date": "invoicing",
            "total_net": "invoicing",
            "total_vat": "invoicing",
            "total": "invoicing",
            "paid_amount": "invoicing",
            "notes": "invoicing",
            "sent_at": "invoicing",
            "collection_on": "debt_collection",
            "collection_agency": "debt_collection",
            "fees_charged": "debt_collection",
            "interest_charged": "debt_collection",
            "interest_until": "debt_collection",
            "fees_paid": "debt_collection",
            "interest_paid": "debt_collection",
            "created_by": "actor_trail",
        },
        # iban/bic are the issuing organization's account, not the person's.
        not_personal=frozenset(
            {
                "id",
                "organization",
                "membership",
                "number",
                "credit_note_for",
                "status",
                "reference",
                "iban",
                "bic",
                "retain_until",
                "created_at",
            }
        ),
        actors={"created_by": ()},
        erasure=Erasure.keep_until("retain_until", ACCOUNTING_ACT),
        identifying={"recipient_name": Identifier.NAME, "recipient_email": Identifier.EMAIL},
        # The notes are printed on the invoice: a voucher is kept as it was issued, so
        # they are not free text an erasure rewrites (what the person is told is kept).
    )
)
register_model(
    ModelEntry(
        model=InvoiceLine,
        person="invoice__membership__user",
        personal={
            "description": "invoicing",
            "quantity": "invoicing",
            "unit_price": "invoicing",
            "net": "invoicing",
            "vat": "invoicing",
            "gross": "invoicing",
        },
        not_personal=frozenset({"id", "invoice", "position", "product", "vat_rate"}),
        erasure=Erasure.keep_until("invoice__retain_until", ACCOUNTING_ACT),
    )
)
register_model(
    ModelEntry(
        model=Payment,
        person="invoice__membership__user",
        personal={
            "payer_name": "payments",
            "payer_iban": "payments",
            "amount": "payments",
            "paid_on": "payments",
            "bank_entry_reference": "payments",
            "message": "payments",
            "recorded_by": "actor_trail",
        },
        not_personal=frozenset(
            {
                "id",
                "organization",
                "invoice",
                "reference",
                "source",
                "matched_at",
                "retain_until",
                "created_at",
            }
        ),
        actors={"recorded_by": ()},
        erasure=Erasure.keep_until("retain_until", ACCOUNTING_ACT),
        # The account the person paid from names them in a handler's note too.
        identifying={"payer_iban": Identifier.IBAN},
        # Whatever the payer wrote: kept with the voucher, but another person named in it
        # is redacted after their erasure.
        free_text=frozenset({"message"}),
        labels={"bank_entry_reference": _("bank entry reference")},
    )
)
register_model(
    ModelEntry(
        model=Reminder,
        person="invoice__membership__user",
        personal={
            "sent_on": "debt_collection",
            "fee": "debt_collection",
            "due_date": "debt_collection",
            "capital": "debt_collection",
            "interest": "debt_collection",
            "fees": "debt_collection",
            "total": "debt_collection",
            "interest_basis": "debt_collection",
            "sent_at": "debt_collection",
            "recorded_by": "actor_trail",
        },
        not_personal=frozenset({"id", "invoice", "reference"}),
        # Business correspondence about a voucher is kept as long as the voucher.
        actors={"recorded_by": ()},
        erasure=Erasure.keep_until("invoice__retain_until", ACCOUNTING_ACT),
    )
)

register_model(
    ModelEntry(
        model=EInvoiceAddress,
        person="membership__user",
        personal={
            "kind": "einvoice_address",
            "address": "einvoice_address",
            "intermediator": "einvoice_address",
            "updated_at": "einvoice_address",
            "updated_by": "actor_trail",
        },
        not_personal=frozenset({"id", "membership"}),
        actors={"updated_by": ()},
        # Not a voucher: the invoices keep what was sent; the address goes with the person.
        erasure=Erasure.delete(),
    )
)
register_model(
    ModelEntry(
        model=PaymentEvent,
        person="invoice__membership__user",
        personal={
            "kind": "payments",
            "amount": "payments",
            "occurred_at": "payments",
            "actor": "actor_trail",
        },
        not_personal=frozenset({"id", "payment", "invoice"}),
        actors={"actor": ()},
        erasure=Erasure.keep_until("invoice__retain_until", ACCOUNTING_ACT),
        # Itself the record of who matched what and when.
        audited=False,
    )
)
register_model(
    ModelEntry(
        model=CollectionPartner,
        person=None,
        personal={},
        not_personal=frozenset(
            {"id", "organization", "name", "business_id", "email", "is_active", "created_at"}
        ),
        erasure=Erasure.none(),
    )
)
register_model(
    ModelEntry(
        model=CollectionClaim,
        person="invoice__membership__user",
        personal={
            # The debtor's name, address and email and the claim, as handed over.
            "data": "debt_collection",
            "handed_over_on": "debt_collection",
            "handed_over_by": "actor_trail",
        },
        not_personal=frozenset({"id", "invoice", "partner", "disclosure_id", "created_at"}),
        actors={"handed_over_by": ()},
        # What was handed over is business correspondence about a voucher.
        erasure=Erasure.keep_until("invoice__retain_until", ACCOUNTING_ACT),
    )
)


# A payment that matched no invoice names its payer and their account, and nobody's key.
def _describe_payment(payment: Payment) -> str:
    return _text("Payment %(date)s, %(amount)s €, %(organization)s: %(payer)s %(iban)s") % {
        "date": date_format(payment.paid_on, "SHORT_DATE_FORMAT"),
        "amount": payment.amount,
        "organization": payment.organization.name,
        "payer": payment.payer_name,
        "iban": payment.payer_iban,
    }


register_searchable(
    Searchable(
        model=Payment,
        fields=(
            SearchableField("payer_name", Identifier.NAME),
            SearchableField("payer_iban", Identifier.IBAN),
        ),
        describe=_describe_payment,
        select_related=("organization",),
    )
)
register_model(
    ModelEntry(
        model=PaymentTally,
        person=None,
        personal={},
        # A number per organization, kept by the database: nobody's data.
        not_personal=frozenset({"organization", "payments"}),
        erasure=Erasure.none(),
    )
)
