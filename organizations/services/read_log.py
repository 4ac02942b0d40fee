"""The read log: who looked at a member's data or exported the member list."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from organizations.models import (
    MemberDataView,
    MemberListExport,
    Membership,
)

if TYPE_CHECKING:
    from accounts.models import User

# --- Read log -------------------------------------------------------------------------------


def member_data_view_record(*, viewer: User, membership: Membership) -> None:
    """One row per page view: who saw whose data, when and how (not one's own)."""
    if membership.user_id is None or membership.user_id == viewer.pk:
        return
    MemberDataView.objects.create(
        organization_id=membership.organization_id,
        subject_id=membership.user_id,
        viewer=viewer,
        viewer_name=viewer.get_full_name() or viewer.email,
        channel=MemberDataView.Channel.DETAIL,
    )


def controller_data_view_record(*, viewer: User, subject: User) -> None:
    """One of the controller's staff opened ``subject``'s record (not their own)."""
    if subject.pk == viewer.pk:
        return
    MemberDataView.objects.create(
        organization=None,
        subject=subject,
        viewer=viewer,
        viewer_name=viewer.get_full_name() or viewer.email,
        channel=MemberDataView.Channel.CONTROLLER,
    )


def member_export_record(*, viewer: User, memberships: QuerySet[Membership]) -> int:
    """Log an export of the members in ``memberships``: one row per organization, with
    the members' ids in one column, written by one INSERT … SELECT. Returns the number of
    members logged."""
    source = (
        memberships.filter(user__isnull=False)
        .exclude(user=viewer)
        .order_by()
        .values_list("organization_id", "user_id")
    )
    select_sql, params = source.query.sql_with_params()
    table = MemberListExport._meta.db_table
    if connection.vendor == "postgresql":
        ids = "array_agg(DISTINCT src.user_id ORDER BY src.user_id)"
        counted = "cardinality(member_ids)"
    else:
        ids = "json_group_array(DISTINCT src.user_id)"
        counted = "json_array_length(member_ids)"
    # Wrapped as a subquery so the SELECT keeps its own WHERE untouched.
    sql = (
        f'INSERT INTO "{table}" (organization_id, viewer_id, viewer_name, exported_at,'  # noqa: S608
        f" member_ids) SELECT src.organization_id, %s, %s, %s, {ids}"
        f" FROM ({select_sql}) AS src GROUP BY src.organization_id RETURNING {counted}"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                viewer.pk,
                viewer.get_full_name() or viewer.email,
                connection.ops.adapt_datetimefield_value(timezone.now()),
                *params,
            ],
        )
        return sum(row[0] for row in cursor.fetchall())


def member_exports_forget(*, user_ids: Iterable[int], organization_id: int | None = None) -> int:
    """Take ``user_ids`` out of the logged exports (of one organization, or of all); an
    export left naming nobody goes. Returns how many exports changed."""
    ids = set(user_ids)
    if not ids:
        return 0
    rows = MemberListExport.objects.filter(member_ids__overlaps=ids)
    if organization_id is not None:
        rows = rows.filter(organization_id=organization_id)
    changed = 0
    for export in rows.only("pk", "member_ids").iterator(chunk_size=100):
        remaining = [pk for pk in export.member_ids if pk not in ids]
        if remaining:
            MemberListExport.objects.filter(pk=export.pk).update(member_ids=remaining)
        else:
            MemberListExport.objects.filter(pk=export.pk).delete()
        changed += 1
    return changed
