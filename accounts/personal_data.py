"""What ``accounts`` (and allauth, on its behalf) holds about people — see gdpr.declarations."""

from __future__ import annotations

from allauth.account.models import EmailAddress, EmailConfirmation
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

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
    SubjectKind,
    register_category,
    register_model,
    register_person_identifier,
)

from .models import LoginEvent, ProfileFieldSource, User
from .sources import DataSource

WHILE_ACCOUNT = Retention(
    RetentionKind.WHILE_ACCOUNT_EXISTS,
    _(
        "As long as the user account exists; erased with the account. An account whose"
        " email address is never confirmed is deleted after {signup_days} days."
    ),
    numbers=(("signup_days", "UNCONFIRMED_SIGNUP_RETENTION_DAYS"),),
)
ADMINS_AND_STAFF = (Recipient.ORGANIZATION_ADMINS, Recipient.CONTROLLER_STAFF)

register_category(
    Category(
        key="identity",
        label=_("Name"),
        purposes=(
            Purpose.SERVICE,
            Purpose.CUSTOMER_RELATIONSHIP,
            Purpose.MEMBER_REGISTER,
            Purpose.CUSTOMER_SERVICE,
        ),
        legal_basis=LegalBasis.CONTRACT,
        retention=WHILE_ACCOUNT,
        sources=(DataSource.SUBJECT, DataSource.ORGANIZATION_ADMIN, DataSource.CONTROLLER),
        recipients=ADMINS_AND_STAFF,
    )
)
register_category(
    Category(
        key="contact_details",
        label=_("Contact details (address, phone number, email address)"),
        purposes=(
            Purpose.SERVICE,
            Purpose.CUSTOMER_RELATIONSHIP,
            Purpose.MEMBER_REGISTER,
            Purpose.CUSTOMER_SERVICE,
            Purpose.INVOICING,
        ),
        legal_basis=LegalBasis.CONTRACT,
        retention=WHILE_ACCOUNT,
        sources=(
            DataSource.SUBJECT,
            DataSource.ORGANIZATION_ADMIN,
            DataSource.CONTROLLER,
            DataSource.CREDIT_REGISTER,
            DataSource.PUBLIC_REGISTER,
        ),
        recipients=ADMINS_AND_STAFF,
    )
)
register_category(
    Category(
        key="profile",
        label=_("Data the person gives about themselves (language, date of birth)"),
        purposes=(Purpose.SERVICE, Purpose.MEMBER_REGISTER, Purpose.CUSTOMER_SERVICE),
        legal_basis=LegalBasis.CONTRACT,
        retention=WHILE_ACCOUNT,
        sources=(DataSource.SUBJECT, DataSource.ORGANIZATION_ADMIN),
        recipients=ADMINS_AND_STAFF,
    )
)
register_category(
    Category(
        key="account",
        label=_("User name and other authentication data"),
        purposes=(Purpose.SERVICE, Purpose.SECURITY),
        legal_basis=LegalBasis.CONTRACT,
        retention=WHILE_ACCOUNT,
        sources=(DataSource.SUBJECT, DataSource.SERVICE),
        recipients=(Recipient.CONTROLLER_STAFF,),
    )
)
register_category(
    Category(
        key="security_log",
        label=_("Sign-ins and sessions (time, IP address, browser)"),
        purposes=(Purpose.SECURITY,),
        legal_basis=LegalBasis.LEGITIMATE_INTERESTS,
        retention=Retention(
            RetentionKind.DAYS,
            _("Sign-ins are kept for {days} days; sessions while they are active."),
            days_setting="LOGIN_EVENT_RETENTION_DAYS",
        ),
        sources=(DataSource.SERVICE,),
        recipients=(Recipient.CONTROLLER_STAFF,),
    )
)
register_category(
    Category(
        key="data_sources",
        label=_("Where each datum came from"),
        purposes=(Purpose.ACCOUNTABILITY,),
        legal_basis=LegalBasis.LEGAL_OBLIGATION,
        retention=Retention(
            RetentionKind.WITH_RECORD, _("As long as the datum it describes is kept.")
        ),
        sources=(DataSource.SERVICE,),
        recipients=ADMINS_AND_STAFF,
        description=_("GDPR Art. 14(2)(f) and 15(1)(g): the source must be known."),
    )
)
register_category(
    Category(
        key="actor_trail",
        label=_("Who recorded or changed a record"),
        purposes=(Purpose.ACCOUNTABILITY, Purpose.VERIFY_TRANSACTIONS),
        legal_basis=LegalBasis.LEGAL_OBLIGATION,
        retention=Retention(
            RetentionKind.WITH_RECORD, _("As long as the record it belongs to is kept.")
        ),
        sources=(DataSource.SERVICE,),
        recipients=ADMINS_AND_STAFF,
        description=_("GDPR Art. 5(2): the controller must be able to show who did what."),
        subjects=(SubjectKind.ORGANIZATION_ADMINS, SubjectKind.CONTROLLER_STAFF),
    )
)

register_model(
    ModelEntry(
        model=User,
        person=lambda user: User.objects.filter(pk=user.pk),
        personal={
            "first_name": "identity",
            "last_name": "identity",
            "email": "contact_details",
            "phone": "contact_details",
            "street_address": "contact_details",
            "postal_code": "contact_details",
            "city": "contact_details",
            "country": "contact_details",
            "preferred_language": "profile",
            "date_of_birth": "profile",
            "profile_updated_at": "profile",
            "password": "account",
            "last_login": "account",
            "date_joined": "account",
            "is_active": "account",
            "is_staff": "account",
            "is_superuser": "account",
            "staff_granted_at": "account",
            "staff_granted_by": "actor_trail",
            "groups": "account",
            "user_permissions": "account",
        },
        not_personal=frozenset({"id"}),
        actors={"staff_granted_by": ()},
        # The row goes once nothing kept for a legal obligation points at it any more.
        erasure=Erasure.delete(),
        secrets=frozenset({"password"}),
        identifying={
            "first_name": Identifier.NAME,
            "last_name": Identifier.NAME,
            "email": Identifier.EMAIL,
            "phone": Identifier.PHONE,
            "street_address": Identifier.STREET,
            "postal_code": Identifier.POSTAL_CODE,
            "city": Identifier.CITY,
            "date_of_birth": Identifier.DATE,
        },
        # Changes on every sign-in: not worth an audit entry each time.
        audit_ignored=frozenset({"last_login"}),
    )
)
register_model(
    ModelEntry(
        model=LoginEvent,
        person="user",
        personal={
            "user": "security_log",
            "occurred_at": "security_log",
            "outcome": "security_log",
            "ip_address": "security_log",
            "user_agent": "security_log",
        },
        not_personal=frozenset({"id"}),
        erasure=Erasure.delete(),
        # Itself the record of who did what and when: not recorded again in the audit trail.
        audited=False,
    )
)
register_model(
    ModelEntry(
        model=ProfileFieldSource,
        person="user",
        personal={
            "user": "data_sources",
            "field": "data_sources",
            "source": "data_sources",
            "recorded_at": "data_sources",
            "note": "data_sources",
            "recorded_by": "actor_trail",
        },
        not_personal=frozenset({"id"}),
        actors={"recorded_by": ()},
        erasure=Erasure.delete(),
        free_text=frozenset({"note"}),
        # Written beside an audited profile change, which already records it.
        audited=False,
    )
)
register_model(
    ModelEntry(
        model=EmailAddress,
        person="user",
        personal={
            "user": "contact_details",
            "email": "contact_details",
            "verified": "account",
            "primary": "account",
        },
        not_personal=frozenset({"id"}),
        erasure=Erasure.delete(),
        identifying={"email": Identifier.EMAIL},
        unproven=Q(verified=False),
        # allauth's own Swedish plural is "epost-adresser": named here, so the project's
        # catalogue spells it, in the preview, the export and the admin alike.
        verbose_name_plural=_("email addresses"),
    )
)
register_model(
    ModelEntry(
        model=EmailConfirmation,
        person="email_address__user",
        personal={"created": "account", "sent": "account", "key": "account"},
        # A link to the person's EmailAddress row, classified there.
        not_personal=frozenset({"id", "email_address"}),
        erasure=Erasure.delete(),
        secrets=frozenset({"key"}),
        # A transient confirmation key: nothing the trail should copy.
        audited=False,
    )
)
register_model(
    ModelEntry(
        model=Authenticator,
        person="user",
        personal={
            "user": "account",
            "type": "account",
            "created_at": "account",
            "last_used_at": "account",
            "data": "account",
        },
        not_personal=frozenset({"id"}),
        # TOTP secrets, recovery codes and passkeys go with the row.
        erasure=Erasure.delete(),
        secrets=frozenset({"data"}),
        verbose_name=_("two-factor authenticator"),
        verbose_name_plural=_("two-factor authenticators"),
        labels={
            "user": _("user"),
            "type": _("type"),
            "created_at": _("created"),
            "last_used_at": _("last used"),
            "data": _("secret key or recovery codes"),
        },
        # Changes on every use of the authenticator.
        audit_ignored=frozenset({"last_used_at"}),
    )
)
register_model(
    ModelEntry(
        model=UserSession,
        person="user",
        personal={
            "user": "security_log",
            "created_at": "security_log",
            "last_seen_at": "security_log",
            "ip": "security_log",
            "user_agent": "security_log",
            "session_key": "security_log",
            "data": "security_log",
        },
        not_personal=frozenset({"id"}),
        erasure=Erasure.delete(),
        secrets=frozenset({"session_key", "data"}),
        verbose_name=_("session"),
        verbose_name_plural=_("sessions"),
        labels={
            "user": _("user"),
            "created_at": _("started"),
            "last_seen_at": _("last seen"),
            "ip": _("IP address"),
            "user_agent": _("browser"),
            "session_key": _("session key"),
            "data": _("session data"),
        },
        # Itself the record of who did what and when: not recorded again in the audit trail.
        audited=False,
    )
)

# What identifies a person in the account's data: an Art. 19 notice names the person to a
# recipient by these only if the recipient received the category that carries them.
register_person_identifier(
    PersonIdentifier(
        key="name",
        label=_("Name"),
        category="identity",
        values=lambda user, holder: [user.get_full_name()],
    )
)
register_person_identifier(
    PersonIdentifier(
        key="email",
        label=_("Email address"),
        category="contact_details",
        values=lambda user, holder: [user.email],
    )
)
