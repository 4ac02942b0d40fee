"""What ``gdpr`` itself holds about people — see gdpr.declarations.

Requests, their steps, consents and suppression entries prove that the controller did what
the law asks (Art. 5(2), 7(1), 21(3)); after erasure they keep only a keyed hash.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.selectors import addressed_to, verified_addresses
from accounts.sources import DataSource
from gdpr.declarations import (
    Category,
    Erasure,
    Identifier,
    LegalBasis,
    ModelEntry,
    Purpose,
    Recipient,
    Retention,
    RetentionKind,
    register_category,
    register_model,
)
from gdpr.keys import email_key, phone_key
from gdpr.models import (
    AttachedRecord,
    AuditEntry,
    ClaimHold,
    Consent,
    ControllerDetails,
    DataExport,
    DataSubjectRequest,
    Disclosure,
    DisclosureSubject,
    ErasureLedgerEntry,
    ExportDownload,
    MarketingBan,
    NoticeAcknowledgement,
    NoticeVersion,
    ProcessingRestriction,
    RecipientNotice,
    RequestEvent,
    RetentionRun,
    Suppression,
)

CONTROLLER_ONLY = (Recipient.CONTROLLER_STAFF,)

register_category(
    Category(
        key="privacy_requests",
        label=_("Requests to exercise data-protection rights and how they were handled"),
        purposes=(Purpose.ACCOUNTABILITY,),
        legal_basis=LegalBasis.LEGAL_OBLIGATION,
        retention=Retention(
            RetentionKind.WHILE_ACCOUNT_EXISTS,
            _(
                "While the account exists; after erasure the record of the request is kept"
                " without readable personal data, to show the request was handled. A"
                " request from someone without an account keeps who asked for {years}"
                " years after it was closed. A copy of the data made for the person is"
                " deleted {export_days} days after it is ready."
            ),
            numbers=(
                ("years", "PRIVACY_REQUEST_RETENTION_YEARS"),
                ("export_days", "DATA_EXPORT_VALID_DAYS"),
            ),
        ),
        sources=(DataSource.SUBJECT, DataSource.CONTROLLER, DataSource.SERVICE),
        recipients=CONTROLLER_ONLY,
        description=_("GDPR Art. 5(2), 12 and 15 to 22."),
    )
)
register_category(
    Category(
        key="marketing_choices",
        label=_("Consents and direct-marketing bans"),
        purposes=(Purpose.MARKETING, Purpose.ACCOUNTABILITY),
        legal_basis=LegalBasis.LEGAL_OBLIGATION,
        retention=Retention(
            RetentionKind.WHILE_ACCOUNT_EXISTS,
            _(
                "While the account exists. After erasure a ban is kept as a keyed hash that"
                " names nobody, so it stays in force; a consent is kept as proof for the"
                " limitation period of {years} years."
            ),
            numbers=(("years", "CONSENT_PROOF_YEARS"),),
        ),
        sources=(DataSource.SUBJECT, DataSource.CONTROLLER),
        recipients=CONTROLLER_ONLY,
        description=_("GDPR Art. 7(1) and 21(3)."),
    )
)
register_category(
    Category(
        key="disclosures",
        label=_("Disclosures of the person's data to partners and authorities"),
        purposes=(Purpose.ACCOUNTABILITY,),
        legal_basis=LegalBasis.LEGAL_OBLIGATION,
        retention=Retention(
            RetentionKind.WHILE_ACCOUNT_EXISTS, _("While the user account exists.")
        ),
        sources=(DataSource.CONTROLLER,),
        recipients=CONTROLLER_ONLY,
        description=_("GDPR Art. 15(1)(c) and 19."),
    )
)
register_category(
    Category(
        key="change_history",
        label=_("History of changes to the person's data"),
        purposes=(Purpose.ACCOUNTABILITY, Purpose.SECURITY),
        legal_basis=LegalBasis.LEGAL_OBLIGATION,
        retention=Retention(
            RetentionKind.WHILE_ACCOUNT_EXISTS,
            _("While the account exists; erasure removes the values and keeps the fact."),
        ),
        sources=(DataSource.SERVICE,),
        recipients=CONTROLLER_ONLY,
        description=_("GDPR Art. 5(2): who changed what and when."),
    )
)


def _requests_of(user):
    # A request by letter or phone entered before it was linked to the account is theirs.
    return DataSubjectRequest.objects.filter(
        Q(subject=user) | (Q(subject__isnull=True) & addressed_to(user=user, field="subject_email"))
    )


register_model(
    ModelEntry(
        model=DataSubjectRequest,
        # A request by letter or phone entered before it was linked to the account.
        person=_requests_of,
        personal={
            "subject": "privacy_requests",
            "subject_name": "privacy_requests",
            "subject_email": "privacy_requests",
            "subject_key": "privacy_requests",
            "details": "privacy_requests",
            "rectification_target": "privacy_requests",
            "rectification_value": "privacy_requests",
            "marketing_channels": "privacy_requests",
            # Kept after erasure like the kind: one of four letters, it names nobody once
            # the subject is blanked, and shows why the data was restricted from receipt.
            "restriction_ground": "privacy_requests",
            "identity_note": "privacy_requests",
            "letter": "privacy_requests",
            "response": "privacy_requests",
            "refusal_reason": "privacy_requests",
            # Free text: the reason may speak of the person ("asked for all his flight logs").
            "extension_reason": "privacy_requests",
            "handler": "actor_trail",
            "identity_verified_by": "actor_trail",
            "created_by": "actor_trail",
        },
        not_personal=frozenset(
            {
                "id",
                "public_id",
                "kind",
                "status",
                "channel",
                "received_at",
                "due_on",
                "extended_due_on",
                "extension_notified_at",
                "identity_method",
                "identity_verified_at",
                "holder_type",
                "holder_id",
                "responded_at",
                "closed_at",
                "outcome",
                "created_at",
            }
        ),
        actors={"handler": (), "identity_verified_by": (), "created_by": ()},
        # The request stays as proof it was handled; what it says about the person goes.
        erasure=Erasure.anonymise(
            "subject",
            "subject_name",
            "subject_email",
            "details",
            "rectification_target",
            "rectification_value",
            "marketing_channels",
            "identity_note",
            "letter",
            "response",
            "refusal_reason",
            "extension_reason",
        ),
        identifying={"subject_name": Identifier.NAME, "subject_email": Identifier.EMAIL},
        free_text=frozenset(
            {
                "details",
                "rectification_value",
                "identity_note",
                "response",
                "refusal_reason",
                "extension_reason",
            }
        ),
    )
)
register_model(
    ModelEntry(
        model=RequestEvent,
        person=lambda user: RequestEvent.objects.filter(request__in=_requests_of(user)),
        personal={
            "note": "privacy_requests",
            # A phrase's values may quote the person (a value to correct, an error).
            "params": "privacy_requests",
            "actor": "actor_trail",
            "assignee": "actor_trail",
        },
        not_personal=frozenset({"id", "request", "at", "action", "phrase", "internal"}),
        actors={"actor": (), "assignee": ()},
        erasure=Erasure.anonymise("note", "params"),
        free_text=frozenset({"note", "params"}),
        # Itself the record of who did what and when: not recorded again in the audit trail.
        audited=False,
    )
)
register_model(
    ModelEntry(
        model=AttachedRecord,
        # Rows no key pointed at, found under the person's details and attached by the
        # handler to one of their requests.
        person=lambda user: AttachedRecord.objects.filter(request__in=_requests_of(user)),
        personal={
            "content_type": "privacy_requests",
            "object_id": "privacy_requests",
            "attached_at": "privacy_requests",
            "attached_by": "actor_trail",
        },
        not_personal=frozenset({"id", "request"}),
        actors={"attached_by": ()},
        # The rows themselves are erased or kept by their own entries; the link goes.
        erasure=Erasure.delete(),
        # Itself the record of who did what and when: not recorded again in the audit trail.
        audited=False,
    )
)
register_model(
    ModelEntry(
        model=DataExport,
        person="subject",
        personal={
            "subject": "privacy_requests",
            "file": "privacy_requests",
            "language": "privacy_requests",
        },
        not_personal=frozenset(
            {
                "id",
                "request",
                "status",
                "progress",
                "size",
                "sha256",
                "attempts",
                "error",
                "created_at",
                "started_at",
                "ready_at",
                "expires_at",
                "deleted_at",
            }
        ),
        erasure=Erasure.delete(),
    )
)
register_model(
    ModelEntry(
        model=ExportDownload,
        person="export__subject",
        personal={
            "at": "privacy_requests",
            "ip_address": "privacy_requests",
            "downloaded_by": "actor_trail",
        },
        not_personal=frozenset({"id", "export"}),
        actors={"downloaded_by": ()},
        erasure=Erasure.delete(),
        # Itself the record of who did what and when: not recorded again in the audit trail.
        audited=False,
    )
)
register_model(
    ModelEntry(
        model=MarketingBan,
        person="user",
        personal={
            "user": "marketing_choices",
            "channel": "marketing_choices",
            "banned_at": "marketing_choices",
            "source": "marketing_choices",
            "lifted_at": "marketing_choices",
        },
        not_personal=frozenset({"id"}),
        # Replaced by a Suppression entry first, so the ban outlives the row.
        erasure=Erasure.delete(),
    )
)


def _suppressions_of(user):
    keys = [email_key(address) for address in verified_addresses(user=user)]
    if user.phone:
        keys.append(phone_key(str(user.phone)))
    # Not the street address: a housemate's or an earlier resident's ban is theirs.
    return Suppression.objects.filter(key__in=keys)


register_model(
    ModelEntry(
        model=Suppression,
        person=_suppressions_of,
        personal={"key": "marketing_choices"},
        not_personal=frozenset({"id", "channel", "created_at"}),
        erasure=Erasure.keep(
            _(
                "GDPR Art. 21(3): a direct-marketing ban must stay in force; the keyed hash"
                " names nobody."
            )
        ),
        # A keyed hash: nothing readable to record.
        audited=False,
    )
)
register_model(
    ModelEntry(
        model=Consent,
        person="user",
        personal={
            "user": "marketing_choices",
            "subject_key": "marketing_choices",
            "purpose": "marketing_choices",
            "given_at": "marketing_choices",
            "withdrawn_at": "marketing_choices",
            "source": "marketing_choices",
            "language": "marketing_choices",
        },
        not_personal=frozenset(
            {"id", "text_version", "text_shown", "notice_version", "keep_until"}
        ),
        erasure=Erasure.keep_until(
            "keep_until",
            _(
                "GDPR Art. 7(1) and 17(3)(e): the controller must be able to prove consent;"
                " kept, without the person's name or address, for the three-year limitation"
                " period."
            ),
        ),
    )
)
register_model(
    ModelEntry(
        model=ProcessingRestriction,
        person="user",
        personal={
            "user": "privacy_requests",
            "reason": "privacy_requests",
            "started_at": "privacy_requests",
            "lifted_at": "privacy_requests",
        },
        not_personal=frozenset({"id", "request"}),
        erasure=Erasure.delete(),
        free_text=frozenset({"reason"}),
    )
)
register_model(
    ModelEntry(
        model=Disclosure,
        person=None,
        personal={"recorded_by": "actor_trail"},
        not_personal=frozenset(
            {
                "id",
                "kind",
                "recipient_name",
                "recipient_email",
                "purpose",
                "legal_basis",
                "categories",
                "identifiers",
                "outside_eea",
                "destination_country",
                "transfer_safeguards",
                "starts_on",
                "ends_on",
                "recorded_at",
                # Classified on DisclosureSubject, the through table.
                "subjects",
            }
        ),
        actors={"recorded_by": ()},
        erasure=Erasure.none(),
    )
)
register_model(
    ModelEntry(
        model=DisclosureSubject,
        person="user",
        personal={"user": "disclosures"},
        not_personal=frozenset({"id", "disclosure"}),
        erasure=Erasure.delete(),
        labels={"user": _("person")},
    )
)
register_model(
    ModelEntry(
        model=RecipientNotice,
        person=lambda user: RecipientNotice.objects.filter(request__in=_requests_of(user)),
        personal={},
        # Recipients are organizations, partners and authorities, not the person.
        not_personal=frozenset(
            {
                "id",
                "request",
                "recipient_name",
                "recipient_email",
                "holder_type",
                "holder_id",
                "disclosure",
                "sent_at",
                "error",
            }
        ),
        erasure=Erasure.none(),
    )
)
register_model(
    ModelEntry(
        model=AuditEntry,
        person="subject",
        personal={
            "subject": "change_history",
            "changes": "change_history",
            "actor": "actor_trail",
        },
        not_personal=frozenset({"id", "at", "action", "model", "object_id", "erased"}),
        actors={"actor": ()},
        # Rows about the person's records are found by (model, object_id) as well; the
        # erasure service blanks their values and marks them erased.
        erasure=Erasure.anonymise("subject", "changes"),
        # What changed in anyone's record may hold the person's values.
        free_text=frozenset({"changes"}),
        audited=False,  # the trail itself
    )
)


register_category(
    Category(
        key="notice_shown",
        label=_("Which version of this privacy notice the person was shown, and when"),
        purposes=(Purpose.ACCOUNTABILITY,),
        legal_basis=LegalBasis.LEGAL_OBLIGATION,
        retention=Retention(
            RetentionKind.WHILE_ACCOUNT_EXISTS, _("While the user account exists.")
        ),
        sources=(DataSource.SERVICE,),
        recipients=CONTROLLER_ONLY,
        description=_("GDPR Art. 5(2), 7(1) and 13."),
    )
)
register_model(
    ModelEntry(
        model=NoticeAcknowledgement,
        person="user",
        personal={
            "user": "notice_shown",
            "version": "notice_shown",
            "context": "notice_shown",
            "at": "notice_shown",
        },
        not_personal=frozenset({"id"}),
        erasure=Erasure.delete(),
        # Itself the record of who did what and when: not recorded again in the audit trail.
        audited=False,
    )
)
register_model(
    ModelEntry(
        model=ControllerDetails,
        person=None,
        personal={},
        # The controller's published contact details; the privacy contact and the data
        # protection officer are named in their role, as Art. 13(1)(a)-(b) requires.
        not_personal=frozenset(
            {
                "id",
                "name",
                "business_id",
                "street_address",
                "postal_code",
                "city",
                "phone",
                "email",
                "website",
                "register_name_fi",
                "register_name_sv",
                "register_name_en",
                "privacy_contact_name",
                "privacy_contact_email",
                "privacy_contact_phone",
                "dpo_name",
                "dpo_email",
                "dpo_phone",
                "updated_at",
            }
        ),
        erasure=Erasure.none(),
    )
)
register_model(
    ModelEntry(
        model=NoticeVersion,
        person=None,
        personal={},
        not_personal=frozenset({"id", "number", "published_at", "content_hash", "content"}),
        erasure=Erasure.none(),
    )
)
register_model(
    ModelEntry(
        # Row ids, field and file names, keyed hashes: what the erasure did, with nothing
        # a person can be read from (gdpr.ledger).
        model=ErasureLedgerEntry,
        person=None,
        personal={},
        not_personal=frozenset(
            {"id", "recorded_at", "kind", "request_id", "subject_id", "payload", "mirrored_at"}
        ),
        erasure=Erasure.none(),
    )
)
register_model(
    ModelEntry(
        model=RetentionRun,
        person=None,
        personal={"started_by": "actor_trail"},
        not_personal=frozenset(
            {"id", "job", "started_at", "finished_at", "status", "counts", "error"}
        ),
        actors={"started_by": ()},
        erasure=Erasure.none(),
    )
)
register_model(
    ModelEntry(
        model=ClaimHold,
        # Written by the erasure, once the account is gone: it names a kept row and the
        # claim (an invoice number, an organization), not the person.
        person=None,
        personal={},
        not_personal=frozenset(
            {
                "id",
                "request",
                "source",
                "claim_key",
                "content_type",
                "object_id",
                "reason",
                "held_since",
                "released_at",
            }
        ),
        erasure=Erasure.none(),
    )
)
