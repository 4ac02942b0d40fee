"""What ``organizations`` holds about people — see gdpr.declarations."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.selectors import addressed_to
from accounts.sources import DataSource
from gdpr.api import (
    Category,
    Erasure,
    Identifier,
    LegalBasis,
    ModelEntry,
    PersonIdentifier,
    Purpose,
    Recipient,
    Retention,
    RetentionKind,
    Searchable,
    SearchableField,
    SubjectKind,
    register_category,
    register_model,
    register_person_identifier,
    register_searchable,
)

from .models import (
    AdminRightChange,
    BankAccount,
    ContactPerson,
    Invitation,
    MemberDataView,
    MemberListExport,
    Membership,
    MembershipTally,
    Organization,
    OrganizationClaim,
    OrganizationGroupObjectPermission,
    OrganizationUserObjectPermission,
)

# What the retention job of ended memberships removes, and when.
UNTIL_SETTLED = Retention(
    RetentionKind.UNTIL_MEMBERSHIP_ENDS,
    _("Until {days} days after the membership ends."),
    days_setting="ENDED_MEMBERSHIP_RETENTION_DAYS",
)


def _memberships_of(user):
    return Membership.objects.filter(
        Q(user=user) | (Q(user__isnull=True) & addressed_to(user=user, field="email"))
    )


ADMINS_AND_STAFF = (Recipient.ORGANIZATION_ADMINS, Recipient.CONTROLLER_STAFF)

register_category(
    Category(
        key="membership",
        label=_("Membership (member number, dates, role, name and email in the register)"),
        purposes=(Purpose.MEMBER_REGISTER, Purpose.SERVICE, Purpose.CUSTOMER_RELATIONSHIP),
        # Associations Act §11: a club keeps a list of its members.
        legal_basis=LegalBasis.CONTRACT,
        retention=Retention(
            RetentionKind.UNTIL_MEMBERSHIP_ENDS,
            _(
                "Until {days} days after the membership ends, to settle what is left open;"
                " what accounting needs is kept with the invoices. An invitation nobody"
                " accepts is deleted {invitation_days} days after its link expired."
            ),
            days_setting="ENDED_MEMBERSHIP_RETENTION_DAYS",
            numbers=(("invitation_days", "UNACCEPTED_INVITATION_RETENTION_DAYS"),),
        ),
        sources=(DataSource.SUBJECT, DataSource.ORGANIZATION_ADMIN),
        recipients=ADMINS_AND_STAFF,
    )
)
register_category(
    Category(
        key="contact_person",
        label=_("Contact persons and decision makers of organizations"),
        purposes=(Purpose.CUSTOMER_RELATIONSHIP, Purpose.CUSTOMER_SERVICE, Purpose.MARKETING),
        legal_basis=LegalBasis.LEGITIMATE_INTERESTS,
        retention=Retention(
            RetentionKind.WHILE_CONTACT_PERSON,
            _("While the person is the organization's contact person."),
        ),
        sources=(
            DataSource.SUBJECT,
            DataSource.ORGANIZATION_ADMIN,
            DataSource.CONTROLLER,
            DataSource.PUBLIC_REGISTER,
        ),
        recipients=ADMINS_AND_STAFF,
        subjects=(SubjectKind.CONTACT_PERSONS,),
    )
)
register_category(
    Category(
        key="admin_rights",
        label=_("Admin rights in organizations and their history"),
        purposes=(Purpose.SERVICE, Purpose.SECURITY, Purpose.ACCOUNTABILITY),
        legal_basis=LegalBasis.LEGITIMATE_INTERESTS,
        retention=UNTIL_SETTLED,
        sources=(DataSource.ORGANIZATION_ADMIN, DataSource.SERVICE),
        recipients=ADMINS_AND_STAFF,
        subjects=(SubjectKind.ORGANIZATION_ADMINS,),
    )
)
register_category(
    Category(
        key="access_log",
        label=_("Who has viewed or exported a member's data"),
        purposes=(Purpose.ACCOUNTABILITY, Purpose.SECURITY),
        legal_basis=LegalBasis.LEGAL_OBLIGATION,
        retention=Retention(
            RetentionKind.UNTIL_MEMBERSHIP_ENDS,
            _(
                "Views by an organization's admins: until {days} days after the membership"
                " ends. Views by the controller's staff: while the account exists."
            ),
            days_setting="ENDED_MEMBERSHIP_RETENTION_DAYS",
        ),
        sources=(DataSource.SERVICE,),
        recipients=ADMINS_AND_STAFF,
        description=_("GDPR Art. 5(2) and 32: access to member data is logged."),
        subjects=(SubjectKind.USERS, SubjectKind.ORGANIZATION_ADMINS),
    )
)

register_category(
    Category(
        key="organization_claims",
        label=_(
            "Claims to represent an organization (the claimant, their statement and the "
            "controller's decision)"
        ),
        purposes=(Purpose.SERVICE, Purpose.SECURITY, Purpose.CUSTOMER_SERVICE),
        # The register must not let anyone take over an organization: whoever claims one
        # is checked before it passes to them.
        legal_basis=LegalBasis.LEGITIMATE_INTERESTS,
        retention=Retention(
            RetentionKind.WHILE_ACCOUNT_EXISTS, _("While the claimant's account exists.")
        ),
        sources=(DataSource.SUBJECT, DataSource.CONTROLLER),
        # The organization's admins are told that a claim was filed, never by whom.
        recipients=(Recipient.CONTROLLER_STAFF,),
        subjects=(SubjectKind.USERS, SubjectKind.ORGANIZATION_ADMINS),
    )
)

register_model(
    ModelEntry(
        model=Organization,
        # The organization is a legal person: its address, phone and email are its own and
        # are published on its invoices. The natural people behind it are its contact
        # persons (ContactPerson) and members; only who created the record and who
        # verified it name a person. The evidence names documents, not people (its help
        # text says so).
        person=None,
        personal={"created_by": "actor_trail", "verified_by": "actor_trail"},
        not_personal=frozenset(
            {
                "id",
                "name",
                "kind",
                "business_id",
                "association_register_number",
                "email",
                "phone",
                "street_address",
                "postal_code",
                "city",
                "website",
                "e_invoice_address",
                "e_invoice_operator",
                "financial_period_end_month",
                "created_at",
                "verified_at",
                "verification_evidence",
                "without_admin_since",
                "without_admin_notified_at",
                "successor_notified_at",
            }
        ),
        actors={"created_by": (), "verified_by": ()},
        erasure=Erasure.none(),
    )
)
register_model(
    ModelEntry(
        model=MembershipTally,
        person=None,
        personal={},
        # A number per organization, kept by the database: nobody's data.
        not_personal=frozenset({"organization", "memberships"}),
        erasure=Erasure.none(),
    )
)
register_model(
    ModelEntry(
        model=BankAccount,
        person=None,
        personal={},
        # The organization's own account, printed on its invoices.
        not_personal=frozenset(
            {"id", "organization", "iban", "bic", "bank_name", "description", "is_primary"}
        ),
        erasure=Erasure.none(),
    )
)
register_model(
    ModelEntry(
        model=OrganizationUserObjectPermission,
        person="user",
        personal={"user": "admin_rights", "permission": "admin_rights"},
        not_personal=frozenset({"id", "content_object"}),
        erasure=Erasure.delete(),
        labels={"user": _("user"), "permission": _("right")},
    )
)
register_model(
    ModelEntry(
        model=OrganizationGroupObjectPermission,
        person=None,
        personal={},
        not_personal=frozenset({"id", "permission", "group", "content_object"}),
        erasure=Erasure.none(),
    )
)
register_model(
    ModelEntry(
        model=ContactPerson,
        # A contact person need not have an account: match the address too.
        person=lambda user: ContactPerson.objects.filter(
            Q(user=user) | addressed_to(user=user, field="email")
        ),
        personal={
            "name": "contact_person",
            "role": "contact_person",
            "phone": "contact_person",
            "email": "contact_person",
            "user": "contact_person",
            "source": "data_sources",
        },
        not_personal=frozenset({"id", "organization"}),
        erasure=Erasure.delete(),
        identifying={
            "name": Identifier.NAME,
            "phone": Identifier.PHONE,
            "email": Identifier.EMAIL,
        },
    )
)
register_model(
    ModelEntry(
        model=Membership,
        # An invitation not yet accepted is the person's too, under their address.
        person=_memberships_of,
        personal={
            "user": "membership",
            "member_number": "membership",
            "status": "membership",
            "role": "membership",
            "joined_on": "membership",
            "ended_on": "membership",
            "name": "membership",
            "email": "membership",
            "sort_name": "membership",
            "search_text": "membership",
            "source": "data_sources",
        },
        not_personal=frozenset({"id", "organization", "created_at", "updated_at"}),
        # Invoices (kept by the Accounting Act) point at the membership, so the row stays
        # and loses what names the person.
        erasure=Erasure.anonymise("name", "email", "sort_name", "search_text", "member_number"),
        labels={"sort_name": _("name for sorting"), "search_text": _("search words")},
        # The name and number a member register gives the person.
        identifying={
            "name": Identifier.NAME,
            "email": Identifier.EMAIL,
            "member_number": Identifier.NUMBER,
        },
        # Derived from the name, email and member number, which the trail records.
        audit_ignored=frozenset({"sort_name", "search_text"}),
    )
)
register_model(
    ModelEntry(
        model=Invitation,
        person=lambda user: Invitation.objects.filter(membership__in=_memberships_of(user)),
        personal={
            "token_hash": "membership",
            "created_at": "membership",
            "expires_at": "membership",
            "sent_at": "membership",
            "accepted_at": "membership",
            "accepted_email": "membership",
            "revoked_at": "membership",
            "created_by": "actor_trail",
        },
        # A link to the person's membership, classified there.
        not_personal=frozenset({"id", "membership"}),
        actors={"created_by": ()},
        erasure=Erasure.delete(),
        secrets=frozenset({"token_hash"}),
        labels={"token_hash": _("hash of the invitation link")},
    )
)
register_model(
    ModelEntry(
        model=AdminRightChange,
        person="membership__user",
        personal={
            "action": "admin_rights",
            "changed_at": "admin_rights",
            "changed_by": "actor_trail",
        },
        not_personal=frozenset({"id", "organization", "membership"}),
        actors={"changed_by": ()},
        erasure=Erasure.delete(),
        # Itself the record of who did what and when: not recorded again in the audit trail.
        audited=False,
    )
)
register_model(
    ModelEntry(
        model=MemberDataView,
        person="subject",
        personal={
            "subject": "access_log",
            "channel": "access_log",
            "viewed_at": "access_log",
            "viewer": "actor_trail",
            "viewer_name": "actor_trail",
        },
        not_personal=frozenset({"id", "organization"}),
        actors={"viewer": ("viewer_name",)},
        erasure=Erasure.delete(),
        # Itself the record of who did what and when: not recorded again in the audit trail.
        audited=False,
        # Who has seen the person's data is a recipient of it: the access export names them
        # (Art. 15(1)(c)).
        disclosed_actor_copies=frozenset({"viewer_name"}),
    )
)
register_model(
    ModelEntry(
        model=MemberListExport,
        person=lambda user: MemberListExport.objects.filter(member_ids__has=user.pk),
        personal={
            "member_ids": "access_log",
            "exported_at": "access_log",
            "viewer": "actor_trail",
            "viewer_name": "actor_trail",
        },
        # The other members of the export are not the person's data: the ids stay out of
        # the access export, which says when and by whom the person's data was exported.
        secrets=frozenset({"member_ids"}),
        not_personal=frozenset({"id", "organization"}),
        actors={"viewer": ("viewer_name",)},
        # The person's id leaves each export's list (the export stays for its other
        # members): ``erase_from_exports`` in erasure.py.
        erasure=Erasure.anonymise("member_ids"),
        audited=False,
        disclosed_actor_copies=frozenset({"viewer_name"}),
    )
)
register_model(
    ModelEntry(
        model=OrganizationClaim,
        person="claimant",
        personal={
            "claimant": "organization_claims",
            "statement": "organization_claims",
            "status": "organization_claims",
            "created_at": "organization_claims",
            "decided_at": "organization_claims",
            "decision_note": "organization_claims",
            "filed_notice_sent_at": "organization_claims",
            "decision_notice_sent_at": "organization_claims",
            "decided_by": "actor_trail",
        },
        not_personal=frozenset({"id", "organization"}),
        actors={"decided_by": ()},
        free_text=frozenset({"statement", "decision_note"}),
        # An approved claim has done its work (the organization is verified and the
        # claimant's rights are logged as admin-right changes); nothing of it need stay.
        erasure=Erasure.delete(),
    )
)


# --- What identifies a person in organizations' records (Art. 19 notices) ---------------


def _held_by(queryset, holder):
    """``queryset`` narrowed to what ``holder`` holds: an organization its own rows, any
    other holder nothing; no holder (a disclosure of the category) all of them."""
    if holder is None:
        return queryset
    if isinstance(holder, Organization):
        return queryset.filter(organization=holder)
    return queryset.none()


def _membership_values(field: str):
    def values(user, holder) -> list[str]:
        return list(_held_by(_memberships_of(user), holder).values_list(field, flat=True))

    return values


def _member_numbers(user, holder) -> list[str]:
    rows = _held_by(_memberships_of(user), holder).exclude(member_number="")
    if holder is not None:
        return list(rows.values_list("member_number", flat=True))
    # Without a holder a number means nothing unless the organization is named with it.
    return [
        f"{number} ({name})"
        for number, name in rows.values_list("member_number", "organization__name")
    ]


def _contact_values(field: str):
    def values(user, holder) -> list[str]:
        contacts = ContactPerson.objects.filter(
            Q(user=user) | addressed_to(user=user, field="email")
        )
        return list(_held_by(contacts, holder).values_list(field, flat=True))

    return values


# An invitation to an address or a name the person's account does not have (an old
# address, a typing error) belongs to nobody until the controller attaches it.
def _describe_membership(membership: Membership) -> str:
    return f"{membership.organization.name}: {membership.name} <{membership.email}>"


def _describe_invitation(invitation: Invitation) -> str:
    return _describe_membership(invitation.membership)


register_searchable(
    Searchable(
        model=Membership,
        fields=(
            SearchableField("name", Identifier.NAME),
            SearchableField("email", Identifier.EMAIL),
        ),
        describe=_describe_membership,
        select_related=("organization",),
        scope=Q(user__isnull=True),
    )
)
register_searchable(
    Searchable(
        model=Invitation,
        fields=(
            SearchableField("membership__name", Identifier.NAME),
            SearchableField("membership__email", Identifier.EMAIL),
            SearchableField("accepted_email", Identifier.EMAIL),
        ),
        describe=_describe_invitation,
        select_related=("membership__organization",),
        scope=Q(membership__user__isnull=True),
    )
)


# A membership record carries the name and email in the register and the member number;
# a contact person's record its name and email.
register_person_identifier(
    PersonIdentifier(
        key="member_number",
        label=_("Member number"),
        category="membership",
        values=_member_numbers,
    )
)
for _key, _label, _field in (("name", _("Name"), "name"), ("email", _("Email address"), "email")):
    register_person_identifier(
        PersonIdentifier(
            key=_key, label=_label, category="membership", values=_membership_values(_field)
        )
    )
    register_person_identifier(
        PersonIdentifier(
            key=_key, label=_label, category="contact_person", values=_contact_values(_field)
        )
    )
