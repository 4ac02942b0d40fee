"""The read log: who looked at a member's data or exported the member list."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from organizations.models import (
    MemberDataView,
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
    """Log an export of every member in ``memberships`` with one INSERT … SELECT."""
    source = (
        memberships.filter(user__isnull=False)
        .exclude(user=viewer)
        .values_list("organization_id", "user_id")
    )
    select_sql, params = source.query.sql_with_params()
    table = MemberDataView._meta.db_table
    viewer_name = viewer.get_full_name() or viewer.email
    # Wrapped as a subquery so the SELECT keeps its own WHERE/ORDER untouched.
    sql = (
        f'INSERT INTO "{table}" (organization_id, subject_id, viewer_id, viewer_name, channel,'  # noqa: S608
        f" viewed_at) SELECT src.organization_id, src.user_id, %s, %s, %s, %s"
        f" FROM ({select_sql}) AS src"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                viewer.pk,
                viewer_name,
                MemberDataView.Channel.EXPORT,
                connection.ops.adapt_datetimefield_value(timezone.now()),
                *params,
            ],
        )
        return cursor.rowcount
