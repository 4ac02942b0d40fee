"""Who may do what in an organization — decided here and nowhere else.

Admin rights are guardian object permissions on the Organization (direct foreign-key
tables). Superusers get no implicit rights here: the controller works in the Django
admin, and an organization's own pages answer 404 to everyone outside it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from django.db.models import Exists, Model, OuterRef, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from registry import prepared

from .models import (
    Membership,
    Organization,
    OrganizationClaim,
    OrganizationGroupObjectPermission,
    OrganizationUserObjectPermission,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

ADMINISTER = "organizations.administer_organization"
ADMINISTER_CODENAME = "administer_organization"


def administered_organizations(user: User | AnonymousUser) -> QuerySet[Organization]:
    """Organizations in which ``user`` holds admin rights."""
    if not user.is_authenticated or not user.is_active:
        return Organization.objects.none()
    # What guardian's get_objects_for_user(with_superuser=False, accept_global_perms=False)
    # answers, written out on the direct tables: building it through guardian took three
    # times the CPU of the rest of the check, on every page of an organization.
    right = {
        "content_object": OuterRef("pk"),
        # The codename is the organization model's own (Meta.permissions).
        "permission__codename": ADMINISTER_CODENAME,
    }
    by_user = OrganizationUserObjectPermission.objects.filter(user=user, **right)
    by_group = OrganizationGroupObjectPermission.objects.filter(group__user=user, **right)
    return Organization.objects.filter(Exists(by_user) | Exists(by_group))


def is_organization_admin(user: User | AnonymousUser, organization: Organization) -> bool:
    return administered_organizations(user).filter(pk=organization.pk).exists()


# Ids no real row takes, standing for the user and the organization in the compiled check.
_USER_PLACEHOLDER, _ORGANIZATION_PLACEHOLDER = -7_654_321, -7_654_322


@lru_cache(maxsize=1)
def _admin_check() -> tuple[str, tuple]:
    """``administered_organizations(user).filter(pk=pk)`` compiled once, with placeholders
    for the two ids, unsorted (one row at most). Building and compiling that queryset (two
    ``Exists`` with their joins) took longer than running it: 4 ms of every organization
    page's frame."""
    from django.contrib.auth import get_user_model

    placeholder = get_user_model()(pk=_USER_PLACEHOLDER, is_active=True)
    query = (
        administered_organizations(placeholder)
        .filter(pk=_ORGANIZATION_PLACEHOLDER)
        .order_by()
        .query
    )
    sql, params = query.sql_with_params()
    if _USER_PLACEHOLDER not in params or _ORGANIZATION_PLACEHOLDER not in params:
        raise RuntimeError("the admin-rights check no longer takes the ids as parameters")
    return sql, tuple(params)


def get_organization_for_admin(user: User | AnonymousUser, pk: int) -> Organization:
    """The organization if ``user`` administers it; 404 otherwise (the same query as
    ``administered_organizations``, compiled once, and prepared on PostgreSQL: planning it
    cost PostgreSQL ten times what running it does, ``registry.prepared``)."""
    if not user.is_authenticated or not user.is_active:
        raise Http404
    try:
        organization_pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    # The URL takes any digits; the ORM answered "none" past a 64-bit id, a raw query
    # would fail in the database driver (SQLite) instead.
    if not -(2**63) <= organization_pk < 2**63:
        raise Http404
    sql, params = _admin_check()
    ids = {_USER_PLACEHOLDER: user.pk, _ORGANIZATION_PLACEHOLDER: organization_pk}
    found = prepared.instances(Organization, sql, [ids.get(p, p) for p in params])
    if not found:
        raise Http404
    return found[0]


def get_organization_for_member(user: User | AnonymousUser, pk: int) -> Organization:
    """The organization if ``user`` is an active member (admins are members too)."""
    if not user.is_authenticated:
        raise Http404
    return get_object_or_404(
        Organization, pk=pk, memberships__user=user, memberships__status=Membership.Status.ACTIVE
    )


def get_membership_for_admin(
    user: User | AnonymousUser, organization: Organization, membership_pk: int
) -> Membership:
    """A membership of an organization the caller administers (checked by the caller)."""
    return get_object_or_404(
        Membership.objects.select_related("user", "invitation"),
        organization=organization,
        pk=membership_pk,
    )


def may_see_profile(membership: Membership) -> bool:
    """Admins see a member's profile only while the membership is active."""
    return membership.status == Membership.Status.ACTIVE and membership.user_id is not None


def get_own_membership(user: User | AnonymousUser, organization_pk: int) -> Membership:
    """The caller's own current membership in an organization; 404 if none."""
    if not user.is_authenticated:
        raise Http404
    return get_object_or_404(
        Membership.objects.select_related("organization"),
        organization_id=organization_pk,
        user=user,
        status=Membership.Status.ACTIVE,
    )


def get_owned_object[ModelT: Model](objects: QuerySet[ModelT], pk: int | None) -> ModelT | None:
    """One of an organization's own objects (bank account, contact person) by id.

    ``objects`` is already limited to the organization the caller administers, so an id
    of another organization's object gives 404. ``None`` stands for "a new one".
    """
    if pk is None:
        return None
    return get_object_or_404(objects, pk=pk)


def get_claim_for_claimant(user: User | AnonymousUser, pk: int) -> OrganizationClaim:
    """A claim to an organization, for the person who filed it only; 404 for anyone else
    (the organization's admins included: the controller decides, not they)."""
    if not user.is_authenticated:
        raise Http404
    return get_object_or_404(
        OrganizationClaim.objects.select_related("organization"), pk=pk, claimant=user
    )
