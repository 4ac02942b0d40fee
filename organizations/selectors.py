"""Reads for organizations. Each runs a fixed number of queries, whatever the row count."""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, TruncMonth
from django.utils import timezone

from accounts.models import User
from accounts.selectors import email_addresses_for_user, verified_addresses
from gdpr.api import annotate_restriction_in_force
from registry.aggregates import month_key
from registry.pagination import PAGE_SIZES, CompiledRows, SearchRows
from registry.prepared import (
    CompiledQuery,
    compile_query,
    like_escaped,
    stand_ins,
    text_stand_in,
)
from registry.tally import tallied

from .leaving import (
    Commitment,
    Due,
    Kept,
    commitments_at_leaving,
    due_after_leaving,
    kept_after_leaving,
    member_records_kept,
)
from .models import (
    AdminRightChange,
    Invitation,
    MemberDataView,
    MemberListExport,
    Membership,
    MembershipTally,
    Organization,
    OrganizationClaim,
)
from .statistics import years_before

MEMBER_SORTS = {
    "name": ("sort_name", "id"),
    "-name": ("-sort_name", "-id"),
    "number": ("member_number", "id"),
    "-number": ("-member_number", "-id"),
    "joined": ("joined_on", "id"),
    "-joined": ("-joined_on", "-id"),
    "status": ("status", "sort_name", "id"),
}
DEFAULT_MEMBER_SORT = "name"


@dataclass(frozen=True)
class MemberFilter:
    query: str = ""
    status: str = ""
    role: str = ""
    sort: str = DEFAULT_MEMBER_SORT


def member_list(*, organization: Organization, filters: MemberFilter) -> QuerySet[Membership]:
    """The organization's member register, searched, filtered and sorted.

    Search runs on ``search_text`` (name, email and member number in lower case), which a
    trigram index covers on PostgreSQL.
    """
    memberships = Membership.objects.filter(organization=organization)
    term = _search_term(filters)
    if term:
        memberships = memberships.filter(search_text__contains=term)
    if filters.status in Membership.Status.values:
        memberships = memberships.filter(status=filters.status)
    if filters.role in Membership.Role.values:
        memberships = memberships.filter(role=filters.role)
    order = MEMBER_SORTS.get(filters.sort, MEMBER_SORTS[DEFAULT_MEMBER_SORT])
    return memberships.order_by(*order)


@dataclass(frozen=True, slots=True)
class MemberRow:
    """A row of the admin's member list (``member_list_rows``): the columns it shows and
    links by, and whether the member's processing is restricted (GDPR Art. 18), read in
    the same query. The search text and the rest stay in the database."""

    pk: int
    user_id: int | None
    name: str
    email: str
    member_number: str
    status: str
    role: str
    joined_on: datetime.date | None
    processing_restricted: bool


MEMBER_ROW_FIELDS = tuple(f.name for f in fields(MemberRow))


def member_list_rows(
    *, organization: Organization, filters: MemberFilter
) -> CompiledRows | SearchRows:
    """``member_list`` for the paginator, each row a ``MemberRow`` read from the row's
    values, not a model instance. The query is compiled once per process for each sort,
    status and role (``registry.prepared``); a search's matches are found by the ORM."""
    shape = _member_shape(filters)
    if not _search_term(filters):
        return CompiledRows(
            _member_rows_query(*shape),
            [organization.pk],
            _member_row,
            count=lambda: member_list(organization=organization, filters=filters).count(),
        )
    # The trigram index finds the matches in no order: their ids first, then the page by id.
    args = [organization.pk, like_escaped(_search_term(filters))]
    return SearchRows(
        ids=lambda limit: [pk for (pk,) in _member_ids_query(*shape).rows(args, limit=limit)],
        by_id=lambda ids: _member_rows_by_id(organization.pk, ids, shape[0]),
        values=lambda: _member_rows(member_list(organization=organization, filters=filters)),
        row=_member_row,
    )


def _member_rows(memberships: QuerySet[Membership]) -> QuerySet:
    flagged = annotate_restriction_in_force(memberships, user_field="user")
    return flagged.values_list(*MEMBER_ROW_FIELDS)


def _member_shape(filters: MemberFilter) -> tuple[str, str, str]:
    """The sort, status and role of ``filters``, each one of the fixed few (or none)."""
    sort = filters.sort if filters.sort in MEMBER_SORTS else DEFAULT_MEMBER_SORT
    status = filters.status if filters.status in Membership.Status.values else ""
    role = filters.role if filters.role in Membership.Role.values else ""
    return sort, status, role


@lru_cache(maxsize=128)
def _member_rows_query(sort: str, status: str, role: str) -> CompiledQuery:
    (organization_pk,) = stand_ins(1)
    filters = MemberFilter(sort=sort, status=status, role=role)
    memberships = member_list(organization=Organization(pk=organization_pk), filters=filters)
    return compile_query(_member_rows(memberships), 1)


def _member_rows_by_id(organization_pk: int, ids: list[int], sort: str) -> list[tuple]:
    """The rows of the members ``ids`` of the organization, in the list's order. The ids
    are padded with 0 (no row's id) to a page size, so that one compiled query serves
    every page of that size."""
    size = next((size for size in PAGE_SIZES if size >= len(ids)), len(ids))
    query = _member_rows_by_id_query(sort, size)
    return query.rows([organization_pk, *ids, *[0] * (size - len(ids))])


@lru_cache(maxsize=128)
def _member_ids_query(sort: str, status: str, role: str) -> CompiledQuery:
    """The ids of a search's matches in the list's order (``member_list`` with a search
    term standing in). Not prepared: whether the trigram index pays depends on the term."""
    (organization_pk,) = stand_ins(1)
    filters = MemberFilter(query=text_stand_in(), sort=sort, status=status, role=role)
    memberships = member_list(organization=Organization(pk=organization_pk), filters=filters)
    return compile_query(memberships.values_list("pk"), 1, texts=1, prepare=False)


@lru_cache(maxsize=64)
def _member_rows_by_id_query(sort: str, size: int) -> CompiledQuery:
    organization_pk, *ids = stand_ins(1 + size)
    memberships = member_list(
        organization=Organization(pk=organization_pk), filters=MemberFilter(sort=sort)
    )
    return compile_query(_member_rows(memberships.filter(pk__in=ids)), 1 + size)


def _member_row(values: tuple) -> MemberRow:
    return MemberRow(*values)


def _search_term(filters: MemberFilter) -> str:
    return " ".join(filters.query.split()).lower()


def member_list_count(*, organization: Organization, filters: MemberFilter) -> int | None:
    """How many rows ``member_list`` gives, when the tally knows (one row read, not 30,000
    counted): nothing searched or filtered, on PostgreSQL (``MembershipTally``). None
    otherwise: the paginator then counts the filtered rows itself."""
    if filters.query.strip() or filters.status or filters.role:
        return None
    return tallied(MembershipTally, "memberships", organization.pk)


# The profile fields an organization's admins see of an active member: on the member page,
# in the CSV export, and listed to an invitee before they accept. One list for all three.
PROFILE_FIELDS_VISIBLE_TO_ADMINS = (
    "first_name",
    "last_name",
    "email",
    "street_address",
    "postal_code",
    "city",
    "country",
    "phone",
    "date_of_birth",
    "preferred_language",
)
MEMBERSHIP_EXPORT_FIELDS = (
    "member_number",
    "name",
    "email",
    "status",
    "role",
    "joined_on",
    "ended_on",
)
# Name and email come from the membership (kept in step with the profile).
EXPORT_PROFILE_FIELDS = tuple(
    name
    for name in PROFILE_FIELDS_VISIBLE_TO_ADMINS
    if name not in ("first_name", "last_name", "email")
)


def visible_profile_labels() -> list[str]:
    from accounts.models import User

    return [
        str(User._meta.get_field(name).verbose_name) for name in PROFILE_FIELDS_VISIBLE_TO_ADMINS
    ]


def member_profile(*, user: User) -> list[tuple[str, object]]:
    """(label, value) pairs of what the organization's admins see of ``user``."""
    rows = []
    for name in PROFILE_FIELDS_VISIBLE_TO_ADMINS:
        field = user._meta.get_field(name)
        display = getattr(user, f"get_{name}_display", None)
        value = display() if callable(display) else getattr(user, name)
        if name == "country":
            value = user.country.name
        rows.append((str(field.verbose_name), value))
    return rows


def member_export_header() -> list[str]:
    from accounts.models import User

    labels = [str(Membership._meta.get_field(n).verbose_name) for n in MEMBERSHIP_EXPORT_FIELDS]
    labels += [str(User._meta.get_field(n).verbose_name) for n in EXPORT_PROFILE_FIELDS]
    return [label.capitalize() for label in labels]


def member_export_columns() -> dict[str, Any]:
    """The CSV export's columns (an alias and what fills it), in the header's order.

    Ended and invited memberships carry no profile: the user columns come out empty.
    """
    # The phone as stored (E.164): turning every number into a PhoneNumber only to print it
    # again took half the export's time, and its spaced format looked like a formula.
    active = Q(status=Membership.Status.ACTIVE)
    columns: dict[str, Any] = {f"m_{name}": name for name in MEMBERSHIP_EXPORT_FIELDS}
    for name in EXPORT_PROFILE_FIELDS:
        value = (
            Cast("user__phone", output_field=CharField()) if name == "phone" else F(f"user__{name}")
        )
        columns[f"u_{name}"] = Case(When(active, then=value), default=None)
    return columns


def member_export_labels() -> dict[str, dict[str, str]]:
    """Codes that become words in the reader's language, by export column."""
    labels = _export_labels()
    return {
        (f"m_{name}" if name in MEMBERSHIP_EXPORT_FIELDS else f"u_{name}"): words
        for name, words in labels.items()
    }


def _export_labels() -> dict[str, dict[str, str]]:
    from django_countries import countries

    from accounts.models import User

    return {
        "status": {k: str(v) for k, v in Membership.Status.choices},
        "role": {k: str(v) for k, v in Membership.Role.choices},
        "country": {code: str(name) for code, name in countries},
        "preferred_language": {k: str(v) for k, v in User.Language.choices},
    }


def active_admins(
    *, organization: Organization | int | None = None, user: User | None = None
) -> QuerySet[Membership]:
    """The active admins of ``organization`` (of every organization if none), or only
    ``user``'s admin membership there: the one statement of who holds the admin rights
    (``Membership.is_admin`` says the same of one row). Unordered, for callers to lock,
    count, order or prefetch."""
    admins = Membership.objects.filter(role=Membership.Role.ADMIN, status=Membership.Status.ACTIVE)
    if organization is not None:
        admins = admins.filter(organization=organization)
    if user is not None:
        admins = admins.filter(user=user)
    return admins


def organizations_for_member(*, user: User) -> list[Membership]:
    """The user's memberships with each organization's current admins, and for an ended
    one what its admins still see of it and until when (``kept_record``, as leaving
    said): 2 queries, and one per app that keeps member records if any has ended."""
    admins = active_admins().order_by("sort_name")
    memberships = list(
        Membership.objects.filter(user=user)
        .exclude(status=Membership.Status.INVITED)
        .select_related("organization")
        .prefetch_related(
            Prefetch("organization__memberships", queryset=admins, to_attr="active_admins")
        )
        .order_by("status", "organization__name")
    )
    ended = [m for m in memberships if m.status == Membership.Status.ENDED]
    records = member_records_kept(memberships=ended)
    for membership in ended:
        membership.kept_record = records[membership.pk]
    return memberships


def organization_admins(*, organization: Organization) -> list[Membership]:
    return list(active_admins(organization=organization).order_by("sort_name"))


def organization_with_details(*, pk: int) -> Organization:
    return Organization.objects.prefetch_related("bank_accounts", "contact_persons").get(pk=pk)


def data_views_for_subject(*, user: User, limit: int = 50) -> tuple[list[MemberDataView], int]:
    """The latest views of the user's data by organization admins and the controller's
    staff, exports of member lists that held them included, and how many in all: two
    queries (a UNION ALL of the two logs, and its count)."""
    views = MemberDataView.objects.filter(subject=user).order_by()
    exports = MemberListExport.objects.filter(member_ids__has=user.pk).order_by()
    columns = ("viewer_name", "organization_id", "organization__name", "channel")
    seen = views.values_list("viewed_at", *columns)
    exported = exports.annotate(
        channel=Value(MemberDataView.Channel.EXPORT, output_field=CharField())
    ).values_list("exported_at", *columns)
    latest = [
        # An export is shown as a view of the member's data, "Exported the member list".
        MemberDataView(
            subject=user,
            viewed_at=viewed_at,
            viewer_name=viewer_name,
            organization=(
                None
                if organization_id is None
                else Organization(pk=organization_id, name=organization_name)
            ),
            channel=channel,
        )
        for viewed_at, viewer_name, organization_id, organization_name, channel in seen.union(
            exported, all=True
        ).order_by("-viewed_at")[:limit]
    ]
    total = views.values("pk").union(exports.values("pk"), all=True).count()
    return latest, total


def open_invitations(*, organization: Organization) -> QuerySet[Invitation]:
    return (
        Invitation.objects.filter(
            membership__organization=organization,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
        )
        .select_related("membership", "created_by")
        .order_by("-created_at")
    )


def accepted_invitations(*, organization: Organization, limit: int = 20) -> list[Invitation]:
    """The latest accepted invitations, with the address each was accepted with."""
    return list(
        Invitation.objects.filter(membership__organization=organization, accepted_at__isnull=False)
        .select_related("membership")
        .order_by("-accepted_at")[:limit]
    )


class InvitedAddress(enum.StrEnum):
    """Where the address an invitation was sent to stands on an account."""

    VERIFIED = "verified"
    UNVERIFIED = "unverified"
    ABSENT = "absent"


def invited_address_on_account(*, invitation: Invitation, user: User) -> InvitedAddress:
    """Whether ``user`` holds the invited address, and verified: only then may they accept.

    The link alone proves nothing (it can be forwarded); a verified address does.
    """
    invited = invitation.membership.email.lower()
    if invited and invited in verified_addresses(user=user):
        return InvitedAddress.VERIFIED
    if invited and email_addresses_for_user(user=user).filter(email__iexact=invited).exists():
        return InvitedAddress.UNVERIFIED
    return InvitedAddress.ABSENT


def admin_right_changes(*, organization: Organization, limit: int = 50) -> list[AdminRightChange]:
    return list(
        AdminRightChange.objects.filter(organization=organization)
        .select_related("membership", "changed_by")
        .order_by("-changed_at")[:limit]
    )


def claims_for_claimant(*, user: User) -> list[OrganizationClaim]:
    """The user's own claims to organizations, newest first (1 query)."""
    return list(
        OrganizationClaim.objects.filter(claimant=user)
        .select_related("organization")
        .order_by("-created_at", "-pk")
    )


def organization_by_business_id(*, business_id: str) -> Organization | None:
    return Organization.objects.filter(business_id=business_id).first()


def anonymised_memberships() -> QuerySet[Membership]:
    """Memberships an erasure anonymised: ended, with no person, no name and no address.
    What an erasure keeps of a membership is only the anchor of its kept vouchers
    (billing asks this for the vouchers of erased people)."""
    return Membership.objects.filter(
        user__isnull=True, name="", email="", status=Membership.Status.ENDED
    )


@dataclass(frozen=True)
class LeavingPreview:
    """What leaving today would change, for the confirmation page."""

    left_on: datetime.date
    kept: list[Kept]
    ending: list[Commitment]
    left_to_admins: list[Commitment]
    due: list[Due]
    last_admin: bool


def leaving_preview(*, membership: Membership) -> LeavingPreview:
    """What stays visible and what ends if ``membership`` ends today, as the apps declare."""
    today = timezone.localdate()
    commitments = commitments_at_leaving(membership=membership, left_on=today)
    return LeavingPreview(
        left_on=today,
        kept=kept_after_leaving(membership=membership, left_on=today),
        ending=[item for item in commitments if item.ended],
        left_to_admins=[item for item in commitments if not item.ended],
        due=due_after_leaving(membership=membership),
        last_admin=membership.role == Membership.Role.ADMIN
        and active_admins(organization=membership.organization).count() <= 1,
    )


def organizations_without_admin() -> QuerySet[Organization]:
    """Organizations with no active admin (e.g. the erasure of their only admin left them
    so, as the controller confirmed): nobody can manage them until one is granted."""
    return Organization.objects.exclude(
        Exists(active_admins().filter(organization=OuterRef("pk")))
    ).order_by("without_admin_since", "name")


# --- Statistics: aggregates only (organizations.member_statistics draws them) -------------

# Age bands of the dashboard: (first age, last age or None). People without a date of birth
# (or without an account: an invitation's name and address) count as unknown.
AGE_BANDS: tuple[tuple[int, int | None], ...] = (
    (0, 17),
    (18, 24),
    (25, 34),
    (35, 44),
    (45, 54),
    (55, 64),
    (65, None),
)


# Memberships that are not over: the register's current people.
CURRENT_STATUSES = (Membership.Status.INVITED, Membership.Status.ACTIVE)


@dataclass(frozen=True)
class MemberCounts:
    """Current members of an organization, counted by the database in one query."""

    active: int
    by_status: dict[str, int]
    by_role: dict[str, int]
    # Keys are AGE_BANDS' indexes; None: unknown.
    by_age: dict[int | None, int]
    # Keys are User.Language values; None: no account or another language.
    by_language: dict[str | None, int]


def _age_band_q(first: int, last: int | None, today: datetime.date) -> Q:
    """Born so that the age on ``today`` is ``first`` to ``last`` (inclusive)."""
    q = Q(user__date_of_birth__lte=years_before(today, first))
    if last is not None:
        q &= Q(user__date_of_birth__gt=years_before(today, last + 1))
    return q


def member_counts(*, organization: Organization, today: datetime.date) -> MemberCounts:
    """Memberships not ended by status, active ones by role, age band and language: one query
    of conditional counts."""
    active = Q(status=Membership.Status.ACTIVE)
    counts: dict[str, Count] = {"active": Count("id", filter=active)}
    for status in CURRENT_STATUSES:
        counts[f"status_{status}"] = Count("id", filter=Q(status=status))
    for role in Membership.Role:
        counts[f"role_{role}"] = Count("id", filter=active & Q(role=role))
    for index, (first, last) in enumerate(AGE_BANDS):
        counts[f"age_{index}"] = Count("id", filter=active & _age_band_q(first, last, today))
    for language in User.Language:
        counts[f"language_{language}"] = Count(
            "id", filter=active & Q(user__preferred_language=language)
        )
    row = (
        Membership.objects.filter(organization=organization)
        .exclude(status=Membership.Status.ENDED)
        .aggregate(**counts)
    )
    total = row["active"]
    by_age: dict[int | None, int] = {i: row[f"age_{i}"] for i in range(len(AGE_BANDS))}
    by_age[None] = total - sum(by_age.values())
    by_language: dict[str | None, int] = {lang: row[f"language_{lang}"] for lang in User.Language}
    by_language[None] = total - sum(by_language.values())
    return MemberCounts(
        active=total,
        by_status={s: row[f"status_{s}"] for s in CURRENT_STATUSES},
        by_role={role: row[f"role_{role}"] for role in Membership.Role},
        by_age=by_age,
        by_language=by_language,
    )


def members_joined_and_left_by_month(
    *, organization: Organization, since: datetime.date
) -> tuple[dict[datetime.date, int], dict[datetime.date, int]]:
    """Memberships begun and ended in each month from ``since`` on: two grouped queries."""
    memberships = Membership.objects.filter(organization=organization)
    joined = (
        memberships.filter(joined_on__gte=since)
        .annotate(month=TruncMonth("joined_on"))
        .values("month")
        .annotate(n=Count("id"))
        .order_by()
    )
    left = (
        memberships.filter(ended_on__gte=since)
        .annotate(month=TruncMonth("ended_on"))
        .values("month")
        .annotate(n=Count("id"))
        .order_by()
    )
    return (
        {month_key(row["month"]): row["n"] for row in joined},
        {month_key(row["month"]): row["n"] for row in left},
    )
