"""Keep the member register's copies of a person's name and email current."""

from __future__ import annotations

from django.conf import settings
from django.db.models.signals import pre_delete
from django.dispatch import receiver

from accounts.events import profile_changed, profile_viewed

from .services import controller_data_view_record, member_exports_forget, memberships_sync_user


@receiver(profile_changed, dispatch_uid="organizations.sync_member_fields")
def sync_member_fields(sender, user, **kwargs) -> None:
    memberships_sync_user(user=user)


@receiver(profile_viewed, dispatch_uid="organizations.log_controller_view")
def log_controller_view(sender, user, viewer, **kwargs) -> None:
    controller_data_view_record(viewer=viewer, subject=user)


@receiver(pre_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="organizations.forget_exports")
def forget_deleted_user_in_exports(sender, instance, **kwargs) -> None:
    # The member list exports name their members by id, with no foreign key to cascade
    # from: a deleted account (the last step of an erasure) leaves them here, as the rows
    # of the one-row-per-member log went with it.
    member_exports_forget(user_ids=[instance.pk])
