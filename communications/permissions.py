"""Who may see which communication records — decided here and nowhere else.

An organization's admins see the records of their own organization; the controller sees
all of them in the Django admin. Everyone else gets a 404, whatever the id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.shortcuts import get_object_or_404

from organizations.permissions import get_organization_for_admin

from .models import CommunicationRecord

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

__all__ = ["get_attachment_record_for_admin", "get_organization_for_admin"]


def get_attachment_record_for_admin(
    user: User | AnonymousUser, organization_pk: int, record_pk: int
) -> CommunicationRecord:
    """A record with an attachment, of an organization ``user`` administers; 404 otherwise."""
    organization = get_organization_for_admin(user, organization_pk)
    return get_object_or_404(
        CommunicationRecord.objects.exclude(attachment=""), organization=organization, pk=record_pk
    )
