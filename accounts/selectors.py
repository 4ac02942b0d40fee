"""Reads for the accounts app: what the service holds about a user."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Lower

from .models import LoginEvent, ProfileFieldSource, User

RECENT_LOGINS_SHOWN = 20


def verified_addresses(*, user: User) -> set[str]:
    """The addresses the person has shown to be theirs: rows written to an address before
    it was linked to the account (an invitation, a letter) belong to them. Unverified ones
    do not count, or adding someone else's address would reveal that person's data."""
    rows = {
        email.lower(): verified
        for email, verified in EmailAddress.objects.filter(user=user).values_list(
            "email", "verified"
        )
    }
    addresses = {email for email, verified in rows.items() if verified}
    # An account made by the controller has its address on the user row only.
    if user.email and user.email.lower() not in rows:
        addresses.add(user.email.lower())
    return addresses


def addressed_to(*, user: User, field: str) -> Q:
    """Rows whose ``field`` holds one of the person's verified addresses, whatever its
    case. A subquery, not a list: the registry's lookups are combined and counted many
    times over (erasure preview), and each must not cost a query of its own."""
    verified = (
        EmailAddress.objects.filter(user=user, verified=True)
        .annotate(address=Lower("email"))
        .filter(address=Lower(OuterRef(field)))
    )
    # The account's own address counts without a verified row only when the account has
    # no address rows at all (one the controller made), as in verified_addresses().
    condition = Q(Exists(verified))
    if user.email:
        condition |= Q(**{f"{field}__iexact": user.email}) & ~Q(
            Exists(EmailAddress.objects.filter(user=user))
        )
    return condition


def email_addresses_for_user(*, user: User) -> QuerySet[EmailAddress]:
    return EmailAddress.objects.filter(user=user).order_by("-primary", "email")


def authenticators_for_user(*, user: User) -> list[dict[str, object]]:
    """MFA authenticators as type, name and dates only — never a secret."""
    rows = Authenticator.objects.filter(user=user).order_by("created_at")
    return [
        {
            "type": authenticator.get_type_display(),
            "name": authenticator.wrap().name
            if authenticator.type == Authenticator.Type.WEBAUTHN
            else "",
            "created_at": authenticator.created_at,
            "last_used_at": authenticator.last_used_at,
        }
        for authenticator in rows
    ]


def sessions_for_user(*, user: User) -> QuerySet[UserSession]:
    return UserSession.objects.filter(user=user).order_by("-last_seen_at")


def recent_logins_for_user(*, user: User, limit: int = RECENT_LOGINS_SHOWN) -> list[LoginEvent]:
    return list(LoginEvent.objects.filter(user=user).order_by("-occurred_at")[:limit])


def profile_sources_for_user(*, user: User) -> list[dict[str, object]]:
    """Where each profile field's current value came from, with labels to show."""
    rows = ProfileFieldSource.objects.filter(user=user).order_by("field")
    return [
        {
            "field": str(User._meta.get_field(row.field).verbose_name),
            "source": row.get_source_display(),
            "recorded_at": row.recorded_at,
            "note": row.note,
        }
        for row in rows
        if row.field in {f.name for f in User._meta.get_fields()}
    ]


# What allauth asks for at sign-in; recovery codes only come with one of these.
SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def staff_may_use_admin(*, user: User) -> bool:
    """Whether the admin opens for ``user``: active staff whose second factor already
    existed when the rights were granted.

    A factor enrolled later does not count: whoever holds only the password could enroll
    one, so a password-only staff account stays out until another member of staff grants
    the rights again.
    """
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    if user.staff_granted_at is None:
        return False
    return Authenticator.objects.filter(
        user_id=user.pk, type__in=SECOND_FACTORS, created_at__lte=user.staff_granted_at
    ).exists()
