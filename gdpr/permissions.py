"""Who may see which data-subject request on the member's pages — decided here only.

A member sees their own requests and nobody else's; everyone else gets 404, staff
included (the controller works in the Django admin).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.http import Http404

from gdpr.models import DataSubjectRequest

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User


def get_own_request(user: User | AnonymousUser, public_id: uuid.UUID | str) -> DataSubjectRequest:
    """``user``'s own request with its export (one query); 404 for anything else."""
    if not user.is_authenticated:
        raise Http404
    request = (
        DataSubjectRequest.objects.select_related("export")
        .filter(subject=user, public_id=public_id)
        .first()
    )
    if request is None:
        raise Http404
    return request
