"""Communications' part of a membership ending (``organizations.leaving``): the calls,
letters and emails the organization recorded with the member stay in its log, seen by its
admins, as long as the person's account exists (the category's retention)."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from organizations.leaving import Kept, Leaving, register_leaving
from organizations.models import Membership

from .models import CommunicationRecord


def kept(membership: Membership, left_on: datetime.date) -> list[Kept]:
    if membership.user_id is None:
        return []
    count = CommunicationRecord.objects.filter(
        organization_id=membership.organization_id, subject_id=membership.user_id
    ).count()
    if not count:
        return []
    return [
        Kept(
            what=ngettext(
                "%(count)s call, letter or email the organization recorded with you",
                "%(count)s calls, letters and emails the organization recorded with you",
                count,
            )
            % {"count": count},
            seen_by=_("the organization's admins"),
            until=None,
            until_text=_("as long as your account exists (an erasure removes them)"),
        )
    ]


register_leaving(Leaving(name="communications", kept=kept))
