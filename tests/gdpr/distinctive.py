"""A person with a distinctive value in every personal field of every registered model.

The export completeness test looks for each value in the person's export; the erasure
test looks for each value in every table (and private file) after the erasure. Every value
is a token no other person (or fixture) can contain by accident: ``Zq<tag><n>x`` for text,
and addresses, numbers and dates derived from the tag.

``values`` are what the person's own records hold (all of them belong in an export);
``secrets`` are personal but never exported (keys, session keys, TOTP secrets) and must
still be gone after erasure; ``unregistered`` are copies outside the registry (the Django
admin's log) that erasure must reach too; ``written`` are the person's values as people
write them in free text (a phone number as 050-123 4567, a birth date as 7.5.1985), put
in the handlers' notes, answers, audit changes and admin log, and in other people's
records. ``kept`` names the values expected to survive erasure, in accounting vouchers
kept until their retention date.

Some rows no key of the person's points at (a payment that matched no invoice, a call
logged by hand) hold their name, number and account; the handler finds them under the
person's details and attaches them to the person's request, as on the desk.
"""

from __future__ import annotations

import datetime
import zlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from allauth.account.models import EmailAddress, EmailConfirmation
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.backends.db import SessionStore
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.utils import timezone
from stdnum.fi import ytunnus

from accounts.models import LoginEvent, User
from accounts.services import profile_sources_record
from accounts.sources import DataSource
from billing import collection as billing_collection
from billing import matching as billing_matching
from billing import services as billing
from billing.einvoice import einvoice_address_save
from billing.models import CollectionPartner, EInvoiceAddress
from communications.models import CommunicationRecord
from communications.services import communication_record
from gdpr import declarations as registry
from gdpr.keys import phone_key
from gdpr.models import (
    AuditEntry,
    Consent,
    DataExport,
    DataSubjectRequest,
    Disclosure,
    DisclosureSubject,
    ExportDownload,
    MarketingBan,
    MarketingChannel,
    NoticeAcknowledgement,
    NoticeVersion,
    ProcessingRestriction,
    RequestChannel,
    RequestEvent,
    RequestKind,
    Suppression,
)
from gdpr.models.request_phrases import EXPORT_FAILED
from gdpr.requests.services import request_event_log, request_file
from gdpr.unlinked.search import unlinked_candidates
from gdpr.unlinked.services import records_attach
from organizations import services as organizations
from tests.billing.factories import bank_account, line, product
from tests.factories import UserFactory
from tests.flightlog.models import FlightLogEntry
from tests.organizations.factories import organization_with_admin

if TYPE_CHECKING:
    from pathlib import Path

    from organizations.models import Membership, Organization


@dataclass
class DistinctivePerson:
    user: User
    # "app.Model.field" → a distinctive string stored in the person's records.
    values: dict[str, str] = field(default_factory=dict)
    # Personal but never exported: "app.Model.field" → the stored secret.
    secrets: dict[str, str] = field(default_factory=dict)
    # Copies outside the registry (admin log) that erasure must remove as well.
    unregistered: dict[str, str] = field(default_factory=dict)
    # The person's values in the forms people write them in free text.
    written: dict[str, str] = field(default_factory=dict)
    # Labels (keys of ``values``) expected to survive erasure in kept vouchers.
    kept: set[str] = field(default_factory=set)
    organization: Organization | None = None
    membership: Membership | None = None
    # The organization's other admin, who views, invoices and records things about them.
    admin: User | None = None

    def all_values(self) -> dict[str, str]:
        return {**self.values, **self.secrets, **self.unregistered, **self.written}

    def free_text(self) -> str:
        """A handler's note naming the person by every value the registry holds of them,
        each phone and date in the forms people write them."""
        v, w = self.values, self.written
        return (
            f"{v['organizations.Membership.name']} ({v['accounts.User.email']},"
            f" {w['written.phone_national']}, {w['written.phone_dashed']},"
            f" {w['written.phone_compact']}) is member"
            f" {v['organizations.Membership.member_number']} in {v['accounts.User.city']},"
            f" {v['accounts.User.street_address']},"
            f" {v['accounts.User.postal_code']} {v['accounts.User.city']}; born"
            f" {w['written.birth_date_fi']} ({v['accounts.User.date_of_birth']}); second"
            f" address {v['account.EmailAddress.email#2']}; known at"
            f" {v['organizations.Membership.name#2']} as member"
            f" {v['organizations.Membership.member_number#2']}."
        )

    def distinctive_text(self) -> str:
        """What names the person and no one else, as a note in someone else's record."""
        v, w = self.values, self.written
        return (
            f"Asked {v['organizations.Membership.name']} to call back:"
            f" {w['written.phone_dashed']} or {v['accounts.User.email']}."
        )

    def erased_values(self) -> dict[str, str]:
        """Values that must not survive erasure anywhere outside the kept records."""
        return {k: v for k, v in self.all_values().items() if k not in self.kept}


class _Tokens:
    def __init__(self, tag: str) -> None:
        if not tag.isalnum():
            raise ValueError("the tag must be letters and digits")
        self.tag = tag
        self.n = 0
        self.seed = zlib.crc32(tag.encode())

    def text(self) -> str:
        self.n += 1
        return f"Zq{self.tag}{self.n:02d}x"

    def email(self) -> str:
        self.n += 1
        return f"zq{self.tag.lower()}{self.n:02d}x@example.fi"

    def ip(self) -> str:
        # Three-digit octets: no value is a prefix of another person's.
        self.n += 1
        return f"198.51.{100 + self.seed % 150}.{100 + self.n}"

    def phone(self) -> str:
        return f"+35850{self.seed % 10_000_000:07d}"

    def date(self) -> datetime.date:
        return datetime.date(1920 + self.seed % 60, 1 + self.seed % 12, 1 + self.seed % 28)

    def iban(self) -> str:
        # Not a real account: a distinctive string in the shape of a Finnish IBAN.
        return f"FI77{self.seed % 10**14:014d}"

    def business_id(self) -> str:
        # Some bases have no valid check digit (remainder 1): the next base has one.
        return next(
            f"{base:07d}-{digit}"
            for base in range(1_000_000 + self.seed % 8_000_000, 10_000_000)
            for digit in range(10)
            if ytunnus.is_valid(f"{base:07d}-{digit}")
        )


def build_person(tag: str) -> DistinctivePerson:
    """Create a person (``tag`` letters/digits, e.g. "X") with rows in every registered
    model that holds data about them, each personal text field holding a unique token."""
    t = _Tokens(tag)
    v: dict[str, str] = {}

    def put(label: str, value: str) -> str:
        v[label] = value
        return value

    # --- accounts -------------------------------------------------------------------------
    user = UserFactory(
        email=put("accounts.User.email", t.email()),
        first_name=put("accounts.User.first_name", t.text()),
        last_name=put("accounts.User.last_name", t.text()),
        street_address=put("accounts.User.street_address", f"{t.text()} 7 B"),
        postal_code=put("accounts.User.postal_code", t.text()),
        city=put("accounts.User.city", t.text()),
        phone=put("accounts.User.phone", t.phone()),
        date_of_birth=t.date(),
        preferred_language="sv",
        country="SE",
    )
    v["accounts.User.date_of_birth"] = user.date_of_birth.isoformat()
    person = DistinctivePerson(user=user)
    v["account.EmailAddress.email"] = user.email
    second = EmailAddress.objects.create(
        user=user, email=put("account.EmailAddress.email#2", t.email()), verified=False
    )
    confirmation = EmailConfirmation.create(second)
    confirmation.sent = timezone.now()
    confirmation.save()
    person.secrets["account.EmailConfirmation.key"] = confirmation.key
    totp_secret = f"ZQ{tag.upper()}TOTPSECRET{t.seed % 1000:03d}"
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": totp_secret}
    )
    person.secrets["mfa.Authenticator.data"] = totp_secret
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    UserSession.objects.create(
        user=user,
        ip=put("usersessions.UserSession.ip", t.ip()),
        session_key=session.session_key,
        user_agent=put("usersessions.UserSession.user_agent", f"Mozilla/5.0 {t.text()}"),
    )
    person.secrets["usersessions.UserSession.session_key"] = session.session_key
    LoginEvent.objects.create(
        user=user,
        outcome=LoginEvent.Outcome.SUCCESS,
        ip_address=put("accounts.LoginEvent.ip_address", t.ip()),
        user_agent=put("accounts.LoginEvent.user_agent", f"Firefox {t.text()}"),
    )

    # --- organizations: a member (and admin) of a club whose other admin sees them --------
    admin = UserFactory(preferred_language="en")
    staff = UserFactory(is_staff=True)
    organization = organization_with_admin(admin, name=f"Kerho {tag} ry")
    admin_membership = organization.memberships.get(user=admin)
    profile_sources_record(
        user=user,
        fields=["city"],
        source=DataSource.CONTROLLER,
        actor=staff,
        note=put("accounts.ProfileFieldSource.note", t.text()),
    )
    organizations.contact_person_save(
        organization=organization,
        contact=None,
        data={
            "name": put("organizations.ContactPerson.name", t.text()),
            "role": put("organizations.ContactPerson.role", t.text()),
            "phone": user.phone,
            "email": user.email,
            "user": user,
        },
    )
    invited = organizations.invitation_create(
        organization=organization,
        email=user.email,
        name="",
        member_number=put("organizations.Membership.member_number", t.text()),
        actor=admin,
    )
    membership = organizations.invitation_accept(token=invited.token, user=user)
    membership = organizations.membership_admin_grant(membership=membership, actor=admin)
    v["organizations.Membership.name"] = membership.name
    v["organizations.Membership.email"] = membership.email
    organizations.member_data_view_record(viewer=admin, membership=membership)
    # The person as an actor: they opened the other admin's details (the row is the
    # admin's; erasing the person blanks their name in it).
    organizations.member_data_view_record(viewer=user, membership=admin_membership)
    # An export of the member list naming the person, and one the person made.
    organizations.member_export_record(
        viewer=admin, memberships=type(membership).objects.filter(pk=membership.pk)
    )
    organizations.member_export_record(
        viewer=user, memberships=type(membership).objects.filter(pk=admin_membership.pk)
    )

    # --- billing ----------------------------------------------------------------------------
    bank_account(organization)
    contract = billing.contract_open(
        membership=membership,
        product=product(organization),
        opened_on=datetime.date(2026, 1, 1),
        actor=admin,
    )
    reason = put("billing.Contract.termination_reason", t.text())
    v["billing.ContractEvent.note"] = reason
    billing.contract_terminate(
        contract=contract,
        terminated_on=datetime.date(2026, 6, 30),
        reason=reason,
        actor=admin,
    )
    invoice = billing.invoice_create(
        organization=organization,
        membership=membership,
        lines=[line(description=put("billing.InvoiceLine.description", t.text()))],
        issue_date=datetime.date(2026, 3, 2),
        due_date=datetime.date(2026, 3, 16),
        notes=put("billing.Invoice.notes", t.text()),
        actor=admin,
    )
    v["billing.Invoice.recipient_name"] = invoice.recipient_name
    v["billing.Invoice.recipient_address"] = invoice.recipient_address
    v["billing.Invoice.recipient_email"] = invoice.recipient_email
    invoice = billing.invoice_send(invoice=invoice, actor=admin)
    payment = billing.payment_record(
        organization=organization,
        amount=Decimal("50.00"),
        paid_on=datetime.date(2026, 3, 10),
        invoice=invoice,
        payer_name=put("billing.Payment.payer_name", t.text()),
        payer_iban=put("billing.Payment.payer_iban", t.iban()),
        actor=admin,
    )
    payment.bank_entry_reference = put("billing.Payment.bank_entry_reference", t.text())
    payment.save(update_fields=["bank_entry_reference"])
    billing.reminder_record(
        invoice=invoice, sent_on=datetime.date(2026, 3, 20), fee=Decimal("5.00"), actor=admin
    )
    # Their e-invoice address in their online bank (the bank's BIC is nobody's own).
    einvoice_address_save(
        membership=membership,
        kind=EInvoiceAddress.Kind.CONSUMER,
        address=put("billing.EInvoiceAddress.address", t.text()),
        intermediator="OKOYFIHH",
        actor=admin,
    )
    # Handed over to a collection partner (the claim as handed over, disclosed), and a
    # payment that came without a reference, matched by hand (the payment log).
    partner = CollectionPartner.objects.create(
        organization=organization,
        name="Perintä Oy",
        business_id="2222221-0",
        email="perinta@example.fi",
    )
    billing_collection.invoice_hand_over(
        invoice=invoice, partner=partner, handed_over_on=datetime.date(2026, 4, 10), actor=admin
    )
    # It pays the rest: the claim is settled, as the earlier rows expect.
    invoice.refresh_from_db()
    unmatched = billing.payment_record(
        organization=organization,
        amount=invoice.amount_due,
        paid_on=datetime.date(2026, 4, 12),
        actor=admin,
    )
    billing_matching.payment_match(payment=unmatched, invoice=invoice, actor=admin)
    # A second invoice, credited: the credit note is a voucher too.
    credited = billing.invoice_create(
        organization=organization,
        membership=membership,
        lines=[line(description=v["billing.InvoiceLine.description"])],
        issue_date=datetime.date(2026, 4, 1),
        due_date=datetime.date(2026, 4, 15),
        actor=admin,
    )
    billing.invoice_send(invoice=credited, actor=admin)
    billing.invoice_credit(invoice=credited, actor=admin)
    # What the vouchers hold stays until their retention date: their own fields and, in
    # them, copies of the name and address as they were when the invoice was issued.
    voucher_fields = (
        "billing.Invoice.recipient_name",
        "billing.Invoice.recipient_address",
        "billing.Invoice.recipient_email",
        "billing.Invoice.notes",
        "billing.InvoiceLine.description",
        "billing.Payment.payer_name",
        "billing.Payment.payer_name#2",
        "billing.Payment.payer_iban",
        "billing.Payment.bank_entry_reference",
    )
    # Money from their account that matched no invoice, their name as banks write it
    # (family name first): a voucher no key of theirs points at.
    unmatched = billing.payment_record(
        organization=organization,
        amount=Decimal("12.00"),
        paid_on=datetime.date(2026, 5, 4),
        payer_name=put("billing.Payment.payer_name#2", f"{user.last_name} {user.first_name}"),
        payer_iban=v["billing.Payment.payer_iban"],
        actor=admin,
    )

    # --- communications -----------------------------------------------------------------
    letter_token = t.text()
    communication_record(
        organization=organization,
        subject=user,
        counterpart=put("communications.CommunicationRecord.counterpart", t.text()),
        channel=CommunicationRecord.Channel.LETTER,
        direction=CommunicationRecord.Direction.INCOMING,
        subject_line=put("communications.CommunicationRecord.subject_line", t.text()),
        summary=put("communications.CommunicationRecord.summary", t.text()),
        attachment=SimpleUploadedFile(
            f"{letter_token}.txt", f"Kirje {letter_token}".encode(), "text/plain"
        ),
        actor=admin,
    )
    v["communications.CommunicationRecord.attachment"] = letter_token

    # A call logged by hand before anyone linked it to the account: their name and number
    # as the caller gave them, in the national format.
    call = communication_record(
        organization=organization,
        subject=None,
        counterpart=put(
            "communications.CommunicationRecord.counterpart#3",
            f"{user.get_full_name()}, 0{str(user.phone)[4:6]} {str(user.phone)[6:]}",
        ),
        channel=CommunicationRecord.Channel.PHONE,
        direction=CommunicationRecord.Direction.INCOMING,
        summary=put("communications.CommunicationRecord.summary#3", t.text()),
        actor=admin,
    )

    # --- gdpr -------------------------------------------------------------------------------
    access = request_file(
        subject=user,
        kind=RequestKind.ACCESS,
        actor=user,
        details=put("gdpr.DataSubjectRequest.details", t.text()),
    )
    v["gdpr.DataSubjectRequest.subject_name"] = access.subject_name
    v["gdpr.DataSubjectRequest.subject_email"] = access.subject_email
    # The handler finds the payment and the call under the person's details and attaches
    # them: from now on they are the person's, in the export and the erasure.
    found = {c.key for c in unlinked_candidates(request=access)}
    under_details = {
        f"billing.payment:{unmatched.pk}",
        f"communications.communicationrecord:{call.pk}",
    }
    assert found == under_details, found
    records_attach(request=access, rows=sorted(under_details), actor=staff)
    request_event_log(
        access,
        RequestEvent.Action.NOTE,
        actor=staff,
        note=put("gdpr.RequestEvent.note", t.text()),
        internal=True,
    )
    request_event_log(
        access,
        RequestEvent.Action.EXPORT_FAILED,
        actor=None,
        phrase=EXPORT_FAILED,
        params={"error": put("gdpr.RequestEvent.params", t.text())},
        internal=True,
    )
    request_file(
        subject=user,
        kind=RequestKind.RECTIFICATION,
        actor=user,
        rectification_target="accounts.user.city",
        rectification_value=put("gdpr.DataSubjectRequest.rectification_value", t.text()),
    )
    letter_request_token = t.text()
    by_letter = request_file(
        subject=user,
        kind=RequestKind.OBJECTION,
        actor=staff,
        channel=RequestChannel.LETTER,
        marketing_channels=[MarketingChannel.POST],
        letter=ContentFile(
            f"Kirje {letter_request_token}".encode(), name=f"{letter_request_token}.txt"
        ),
    )
    v["gdpr.DataSubjectRequest.letter"] = letter_request_token
    by_letter.identity_note = put("gdpr.DataSubjectRequest.identity_note", t.text())
    by_letter.response = put("gdpr.DataSubjectRequest.response", t.text())
    by_letter.refusal_reason = put("gdpr.DataSubjectRequest.refusal_reason", t.text())
    by_letter.save(update_fields=["identity_note", "response", "refusal_reason"])
    export_token = t.text()
    export = DataExport.objects.create(
        request=access, subject=user, status=DataExport.Status.READY, language="sv"
    )
    export.file.save(f"{export_token}.zip", ContentFile(f"data {export_token}".encode()))
    v["gdpr.DataExport.file"] = export_token
    ExportDownload.objects.create(
        export=export, downloaded_by=user, ip_address=put("gdpr.ExportDownload.ip_address", t.ip())
    )
    MarketingBan.objects.create(user=user, channel=MarketingChannel.EMAIL)
    MarketingBan.objects.create(user=user, channel=MarketingChannel.POST)
    # An objection by phone before the account existed: already a suppression entry.
    Suppression.objects.get_or_create(channel=MarketingChannel.SMS, key=phone_key(user.phone))
    Consent.objects.create(
        user=user,
        purpose="newsletter",
        text_version="2026-1",
        text_shown="Haluan kerhon uutiskirjeen sähköpostiini.",
        language="sv",
    )
    ProcessingRestriction.objects.create(
        user=user,
        reason=put("gdpr.ProcessingRestriction.reason", t.text()),
        lifted_at=timezone.now(),
    )
    disclosure = Disclosure.objects.create(
        kind=Disclosure.Kind.PARTNER,
        recipient_name="Ilmailuliitto ry",
        purpose="Jäsenlehden jakelu",
        legal_basis="Art. 6(1)(b)",
        categories=["identity", "contact_details"],
        starts_on=datetime.date(2026, 1, 1),
        recorded_by=staff,
    )
    DisclosureSubject.objects.create(disclosure=disclosure, user=user)
    version = NoticeVersion.objects.order_by("-number").first() or NoticeVersion.objects.create(
        number=1, content_hash="0" * 64, content={}
    )
    NoticeAcknowledgement.objects.create(
        user=user, version=version, context=NoticeAcknowledgement.Context.SIGNUP
    )
    AuditEntry.objects.create(
        actor=staff,
        subject=user,
        action=AuditEntry.Action.CHANGED,
        model="accounts.user",
        object_id=str(user.pk),
        changes={"city": ["Espoo", put("gdpr.AuditEntry.changes", t.text())]},
    )

    by_letter.extension_reason = put("gdpr.DataSubjectRequest.extension_reason", t.text())
    by_letter.save(update_fields=["extension_reason"])

    # --- under the person's address, before it was linked to their account ----------------
    # Another club has invited them (not yet accepted) and mailed them; a letter came
    # before anyone linked it to the account. All of it is theirs, in export and erasure.
    school_admin = UserFactory()
    school = organization_with_admin(school_admin, name=f"Lentokoulu {tag} Oy")
    organizations.invitation_create(
        organization=school,
        email=user.email.upper(),
        name=put("organizations.Membership.name#2", t.text()),
        member_number=put("organizations.Membership.member_number#2", t.text()),
        actor=school_admin,
    )
    # They claimed to represent the school (registered by someone else); the controller
    # turned the claim down with a note.
    organizations.organization_update(organization=school, data={"business_id": t.business_id()})
    claim = organizations.organization_claim_file(
        business_id=t.business_id(),
        claimant=user,
        statement=put("organizations.OrganizationClaim.statement", t.text()),
    )
    organizations.organization_claim_reject(
        claim=claim,
        actor=staff,
        note=put("organizations.OrganizationClaim.decision_note", t.text()),
    )
    communication_record(
        organization=school,
        subject=None,
        counterpart=user.email.upper(),
        channel=CommunicationRecord.Channel.EMAIL,
        direction=CommunicationRecord.Direction.OUTGOING,
        subject_line=put("communications.CommunicationRecord.subject_line#2", t.text()),
        summary=put("communications.CommunicationRecord.summary#2", t.text()),
        actor=school_admin,
    )
    request_file(
        subject=None,
        kind=RequestKind.ACCESS,
        actor=staff,
        channel=RequestChannel.LETTER,
        subject_name=put("gdpr.DataSubjectRequest.subject_name#2", t.text()),
        subject_email=user.email,
        details=put("gdpr.DataSubjectRequest.details#2", t.text()),
    )

    # --- the flight log (an app that exists only in the tests) ------------------------------
    FlightLogEntry.objects.create(
        pilot=user,
        aircraft="OH-PDX",
        flown_on=timezone.localdate(),
        remarks=put("flightlog.FlightLogEntry.remarks", t.text()),
    )

    # --- outside the registry: the Django admin's log names the person ---------------------
    LogEntry.objects.create(
        user=staff,
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(user.pk),
        object_repr=str(user)[:200],
        action_flag=CHANGE,
        change_message=person.unregistered.setdefault("admin.LogEntry.change_message", t.text()),
    )

    person.values = v
    _write_free_texts(person, t, access=access, staff=staff, admin=admin, organization=organization)
    person.kept = {
        label
        for label, value in v.items()
        if any(value in v[voucher] for voucher in voucher_fields)
    }
    person.organization = organization
    person.membership = membership
    person.admin = admin
    return person


def _write_free_texts(
    person: DistinctivePerson,
    t: _Tokens,
    *,
    access,
    staff: User,
    admin: User,
    organization: Organization,
) -> None:
    """The handlers' free texts: the person's values, in the forms people write them, in
    the answer to their request, its notes, an audit change and the admin's log about
    their account; what names them alone in records about others (an audit change and an
    admin log line about the organization, a call logged about its other admin)."""
    digits = t.phone().removeprefix("+358")
    born = person.user.date_of_birth
    person.written = {
        "written.phone_national": f"0{digits[:2]} {digits[2:5]} {digits[5:]}",
        "written.phone_dashed": f"0{digits[:2]}-{digits[2:5]} {digits[5:]}",
        "written.phone_compact": f"0{digits}",
        "written.birth_date_fi": f"{born.day}.{born.month}.{born.year}",
    }
    note = person.free_text()
    DataSubjectRequest.objects.filter(pk=access.pk).update(response=note)
    request_event_log(access, RequestEvent.Action.NOTE, actor=staff, note=note, internal=True)
    user_type = ContentType.objects.get_for_model(User)
    AuditEntry.objects.create(
        actor=staff,
        subject=person.user,
        action=AuditEntry.Action.CHANGED,
        model="accounts.user",
        object_id=str(person.user.pk),
        changes={"city": ["", note]},
    )
    LogEntry.objects.create(
        user=staff,
        content_type=user_type,
        object_id=str(person.user.pk),
        object_repr=str(person.user)[:200],
        action_flag=CHANGE,
        change_message=note,
    )
    elsewhere = person.distinctive_text()
    AuditEntry.objects.create(
        actor=staff,
        action=AuditEntry.Action.CHANGED,
        model="organizations.organization",
        object_id=str(organization.pk),
        changes={"website": ["", elsewhere]},
    )
    LogEntry.objects.create(
        user=staff,
        content_type=ContentType.objects.get_for_model(organization),
        object_id=str(organization.pk),
        object_repr=f"{organization.name} ({person.values['organizations.Membership.name']})",
        action_flag=CHANGE,
        change_message=elsewhere,
    )
    communication_record(
        organization=organization,
        subject=admin,
        counterpart=organization.name,
        channel=CommunicationRecord.Channel.PHONE,
        direction=CommunicationRecord.Direction.INCOMING,
        subject_line="Jäsenasia",
        summary=elsewhere,
        actor=admin,
    )


def models_with_subject_fields() -> list[registry.ModelEntry]:
    """Registered models that hold something about the person a row is about."""
    return [entry for entry in registry.registered_models() if entry.subject_fields()]


def use_private_storage(monkeypatch, location: Path) -> FileSystemStorage:
    """Point every private file field of the project at ``location`` (a tmp folder)."""
    from django.apps import apps

    storage = FileSystemStorage(location=location, base_url=None)
    for model in apps.get_models():
        for f in model._meta.get_fields():
            if isinstance(f, models.FileField):
                monkeypatch.setattr(f, "storage", storage)
    return storage
