"""The world the URL walk requests every page in: two organizations with everything an
organization holds, the people around them, and a row in every model the admin shows.

Organization A and organization B are built alike, so that every URL can be filled with
A's objects (asked by every role) and with B's (asked by A's admin, who must get 404).
"""

from __future__ import annotations

import datetime
import hashlib
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from cryptography.hazmat.primitives.asymmetric import ec
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.backends.db import SessionStore
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from fido2.cose import ES256
from fido2.utils import websafe_encode
from fido2.webauthn import (
    Aaguid,
    AttestationObject,
    AttestedCredentialData,
    AuthenticatorData,
    CollectedClientData,
)

from accounts.models import User
from billing import collection as billing_collection
from billing import services as billing
from billing.einvoice import einvoice_address_save
from billing.models import CollectionPartner, ReferenceRate
from billing.reminders import billing_settings_save
from communications.models import CommunicationRecord
from communications.services import communication_record
from gdpr.models import (
    DataExport,
    DataSubjectRequest,
    Disclosure,
    DisclosureSubject,
    ExportDownload,
    RecipientNotice,
    RequestKind,
    RetentionRun,
)
from gdpr.notice.document import controller_details, notice_publish
from gdpr.rectification.services import rectification_file
from gdpr.requests.services import request_file
from organizations import services as organizations
from organizations.models import Organization, OrganizationGroupObjectPermission
from registry.outbox.models import OutboxMessage
from tests.billing.factories import bank_account, contract_for, invoice_for, line, product
from tests.factories import StaffFactory, UserFactory
from tests.gdpr.distinctive import build_person
from tests.organizations.factories import ContactPersonFactory, add_member, organization_with_admin

# The roles every URL is asked as.
ANONYMOUS = "anonymous"
MEMBER_A = "member_a"
ADMIN_A = "admin_a"
ADMIN_B = "admin_b"
OUTSIDER = "outsider"
STAFF_NO_MFA = "staff_no_mfa"
LIMITED_STAFF_MFA = "limited_staff_mfa"
SUPERUSER_MFA = "superuser_mfa"
ROLES = (
    ANONYMOUS,
    MEMBER_A,
    ADMIN_A,
    ADMIN_B,
    OUTSIDER,
    STAFF_NO_MFA,
    LIMITED_STAFF_MFA,
    SUPERUSER_MFA,
)
# The few model permissions the limited staff member holds: reading organizations.
LIMITED_STAFF_PERMISSIONS = ("organizations.view_organization",)

ISSUED = datetime.date(2026, 3, 2)


@dataclass
class Side:
    """Everything one organization holds, as the URL parameters name it."""

    organization: Organization
    admin: User
    member: User
    objects: dict[str, Any] = field(default_factory=dict)


@dataclass
class World:
    a: Side
    b: Side
    users: dict[str, User | None]
    # URL parameters that belong to no organization (allauth keys, notice numbers, ...).
    shared: dict[str, Any] = field(default_factory=dict)

    def session_cookie(self, role: str) -> str | None:
        """A fresh signed-in session for ``role``, as after a password sign-in just now
        (so pages behind re-authentication open for whoever they are meant for)."""
        user = self.users[role]
        if user is None:
            return None
        session = SessionStore()
        session["_auth_user_id"] = str(user.pk)
        session["_auth_user_backend"] = "allauth.account.auth_backends.AuthenticationBackend"
        session["_auth_user_hash"] = user.get_session_auth_hash()
        session["account_authentication_methods_user"] = str(user.pk)
        session["account_authentication_methods"] = [
            {"method": "password", "at": time.time(), "email": user.email, "reauthenticated": True}
        ]
        session.create()
        return session.session_key


def _webauthn_credential(credential_id: str) -> dict:
    """A security key's registration as a browser sends it (no attestation)."""
    key = ec.generate_private_key(ec.SECP256R1())
    credential = AttestedCredentialData.create(
        Aaguid.NONE, credential_id.encode(), ES256.from_cryptography_key(key.public_key())
    )
    flags = AuthenticatorData.FLAG.UP | AuthenticatorData.FLAG.AT
    data = AuthenticatorData.create(hashlib.sha256(b"localhost").digest(), flags, 0, credential)
    client_data = CollectedClientData.create(
        CollectedClientData.TYPE.CREATE, b"challenge", "http://localhost"
    )
    return {
        "id": websafe_encode(credential_id.encode()),
        "rawId": websafe_encode(credential_id.encode()),
        "type": "public-key",
        "response": {
            "clientDataJSON": websafe_encode(bytes(client_data)),
            "attestationObject": websafe_encode(bytes(AttestationObject.create("none", data, {}))),
        },
        "clientExtensionResults": {},
    }


def _side(name: str, letter: str) -> Side:
    admin = UserFactory(
        email=f"admin.{letter}@example.fi",
        first_name="Anna",
        last_name=f"Admin{letter.upper()}",
        preferred_language="en",
    )
    member = UserFactory(
        email=f"member.{letter}@example.fi",
        first_name="Aino",
        last_name=f"Member{letter.upper()}",
        preferred_language="en",
    )
    organization = organization_with_admin(admin, name=name)
    side = Side(organization=organization, admin=admin, member=member)
    o = side.objects
    o["pk"] = organization
    o["account_pk"] = bank_account(organization)
    o["contact_pk"] = ContactPersonFactory(organization=organization)
    membership = add_member(organization, member, member_number="1")
    o["membership_pk"] = membership
    # A second member: the one whose membership the admin pages end or promote.
    o["other_membership"] = add_member(organization, member_number="2")
    o["product_pk"] = product(organization)
    o["contract_pk"] = contract_for(membership, o["product_pk"], actor=admin)
    invoice = invoice_for(membership, send=True, actor=admin)
    o["invoice_pk"] = invoice
    o["draft"] = invoice_for(membership, actor=admin)
    credited = invoice_for(membership, [line("Kurssimaksu")], send=True, actor=admin)
    billing.invoice_credit(invoice=credited, actor=admin)
    billing.payment_record(
        organization=organization,
        amount=Decimal("20.00"),
        paid_on=ISSUED,
        invoice=invoice,
        payer_name="Aino",
        actor=admin,
    )
    o["reminder_pk"] = billing.reminder_record(
        invoice=invoice, sent_on=ISSUED, fee=Decimal("5"), actor=admin
    )
    einvoice_address_save(
        membership=membership,
        kind="operator",
        address="003724688233",
        intermediator="003723327487",
        actor=admin,
    )
    billing_settings_save(
        organization=organization, reminder_fee=Decimal(5), charges_interest=False, actor=admin
    )
    ReferenceRate.objects.get_or_create(
        valid_from=datetime.date(2026, 1, 1), defaults={"rate": Decimal("2.50")}
    )
    o["payment_pk"] = billing.payment_record(
        organization=organization,
        amount=Decimal("5.00"),
        paid_on=ISSUED,
        reference="1234561",
        actor=None,
    )
    # An invoice handed over to the organization's collection partner, with its claim file.
    o["partner_pk"] = CollectionPartner.objects.create(
        organization=organization,
        name=f"Perintä {letter.upper()} Oy",
        business_id="2222221-0",
        email=f"perinta.{letter}@example.fi",
    )
    collected = invoice_for(
        membership, [line("Kevätmaksu")], send=True, issue_date=ISSUED, due_date=ISSUED, actor=admin
    )
    reminded = ISSUED + datetime.timedelta(days=14)
    billing.reminder_record(invoice=collected, sent_on=reminded, fee=Decimal("5"), actor=admin)
    o["collection_claim_pk"] = billing_collection.invoice_hand_over(
        invoice=collected,
        partner=o["partner_pk"],
        handed_over_on=reminded + datetime.timedelta(days=14),
        actor=admin,
    )
    o["record_pk"] = communication_record(
        organization=organization,
        subject=member,
        counterpart="",
        channel=CommunicationRecord.Channel.LETTER,
        direction=CommunicationRecord.Direction.INCOMING,
        subject_line="Jäsenmaksu",
        summary="Kysyi laskusta.",
        attachment=SimpleUploadedFile("kirje.txt", b"Kirje", "text/plain"),
        actor=admin,
    )
    # Invited: the outsider (in A) or nobody with an account (in B).
    invited = organizations.invitation_create(
        organization=organization,
        email="outsider@example.fi" if letter == "a" else f"invitee.{letter}@example.fi",
        actor=admin,
    )
    o["invitation_pk"] = invited.invitation
    o["token"] = invited.token
    # The member's own: an access request with a ready export, a rectification for the
    # organization to decide, and a security key.
    access = request_file(subject=member, kind=RequestKind.ACCESS, actor=member)
    o["public_id"] = access
    export = DataExport.objects.create(
        request=access, subject=member, status=DataExport.Status.READY, language="en"
    )
    export.file.save(f"export-{letter}.zip", ContentFile(b"PK\x05\x06" + b"\0" * 18))
    o["export_id"] = export
    ExportDownload.objects.create(export=export, downloaded_by=member, ip_address="192.0.2.1")
    o["rectification"] = rectification_file(
        member,
        target=f"organizations.membership:{membership.pk}:member_number",
        value=f"{letter.upper()}-42",
        details="Numero on väärin.",
        actor=member,
    )
    o["webauthn"] = Authenticator.objects.create(
        user=member,
        type=Authenticator.Type.WEBAUTHN,
        data={"name": f"Avain {letter}", "credential": _webauthn_credential(f"key-{letter}")},
    )
    return side


def build_world() -> World:
    a = _side("Malmin Ilmailukerho ry", "a")
    b = _side("Vaasan Lentokerho ry", "b")
    # Each side's member claims the other side's organization: a claim is its claimant's
    # alone (not even the claimed organization's admins see it).
    for side, business_id in ((a, "2468823-3"), (b, "1572860-0")):
        Organization.objects.filter(pk=side.organization.pk).update(business_id=business_id)
        side.organization.business_id = business_id
    for side, other in ((a, b), (b, a)):
        side.objects["business_id"] = side.organization.business_id
        side.objects["claim_pk"] = organizations.organization_claim_file(
            business_id=other.organization.business_id,
            claimant=side.member,
            statement="Olen yhdistyksen puheenjohtaja.",
        )
    outsider = UserFactory(
        email="outsider@example.fi",
        first_name="Ulla",
        last_name="Outsider",
        preferred_language="en",
    )
    # Staff rights on a password alone (superuser flags even): the admin must stay shut.
    staff_no_mfa = StaffFactory(email="staff.nomfa@example.fi", preferred_language="en", totp=False)
    limited = StaffFactory(
        email="staff.limited@example.fi", is_superuser=False, preferred_language="en"
    )
    for label in LIMITED_STAFF_PERMISSIONS:
        app_label, codename = label.split(".")
        limited.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    superuser = StaffFactory(email="staff.super@example.fi", preferred_language="en")

    # A person with a row in every model that holds personal data (in a third club), so
    # that every changelist and change page of the admin has something to show.
    person = build_person("Walk")
    group = Group.objects.create(name="Kerhon hallitus")
    OrganizationGroupObjectPermission.objects.create(
        group=group,
        content_object=a.organization,
        permission=Permission.objects.get(codename="view_organization"),
    )
    disclosure = Disclosure.objects.first()
    RecipientNotice.objects.create(
        request=a.objects["rectification"],
        recipient_name=a.organization.name,
        holder=a.organization,
        disclosure=disclosure,
    )
    RetentionRun.objects.create(job="login_events", status=RetentionRun.Status.DONE)
    # A task waiting for the broker (registry/outbox): its admin pages are walked too.
    OutboxMessage.objects.create(task="billing.tasks.email_invoice", args=[1], attempts=2)
    controller_details().save()
    version = notice_publish()
    LogEntry.objects.create(
        user=superuser,
        content_type=ContentType.objects.get_for_model(Organization),
        object_id=str(a.organization.pk),
        object_repr=str(a.organization),
        action_flag=CHANGE,
        change_message="Muutettu",
    )
    DisclosureSubject.objects.get_or_create(disclosure=disclosure, user=a.member)

    RecoveryCodes.activate(a.member)
    # The controller's desk steps that open only for their kind of request.
    erasure = request_file(subject=b.member, kind=RequestKind.ERASURE, actor=b.member)
    admin_objects = {
        "admin:gdpr_datasubjectrequest_erasure": erasure,
        "admin:gdpr_datasubjectrequest_rectification": a.objects["rectification"],
        "admin:gdpr_datasubjectrequest_letter": DataSubjectRequest.objects.exclude(letter="")
        .order_by("pk")
        .first(),
    }

    unverified = EmailAddress.objects.create(
        user=a.member, email="member.a.second@example.fi", verified=False
    )
    return World(
        a=a,
        b=b,
        users={
            ANONYMOUS: None,
            MEMBER_A: a.member,
            ADMIN_A: a.admin,
            ADMIN_B: b.admin,
            OUTSIDER: outsider,
            STAFF_NO_MFA: staff_no_mfa,
            LIMITED_STAFF_MFA: limited,
            SUPERUSER_MFA: superuser,
        },
        shared={
            "number": version.number,
            "channel": "email",
            # A figure of the organization's statistics dashboard (its SVG by default).
            "figure": "billing-by-month",
            # allauth's links, as mailed to member A.
            "key": EmailConfirmationHMAC(unverified).key,
            "uidb36": user_pk_to_url_str(a.member),
            "reset_key": default_token_generator.make_token(a.member),
            "person": person,
            "admin_objects": admin_objects,
        },
    )
