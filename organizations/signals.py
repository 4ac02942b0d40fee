"""Keep the member register's copies of a person's name and email current."""

from __future__ import annotations

from django.dispatch import receiver

from accounts.events import profile_changed, profile_viewed

from .services import controller_data_view_record, memberships_sync_user


@receiver(profile_changed, dispatch_uid="organizations.sync_member_fields")
def sync_member_fields(sender, user, **kwargs) -> None:
    memberships_sync_user(user=user)


@receiver(profile_viewed, dispatch_uid="organizations.log_controller_view")
def log_controller_view(sender, user, viewer, **kwargs) -> None:
    controller_data_view_record(viewer=viewer, subject=user)
