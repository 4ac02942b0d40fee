"""An organization admin's mailing lists: the active members that marketing may reach on a
channel, as CSV. They are marketing audiences, so gdpr leaves out everyone who said no."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from gdpr.api import MarketingChannel, marketing_audience, marketing_audience_queryset
from registry.csv_download import csv_download

from .. import permissions, services
from ..models import Membership

Column = tuple[str, Callable[[Membership], object]]


def _name(membership: Membership) -> str:
    return membership.user.get_full_name() if membership.user else membership.name


def _columns(channel: str) -> list[Column]:
    """(header, value of a membership) for the channel's CSV."""
    if channel == MarketingChannel.EMAIL:
        return [
            (_("Name"), _name),
            (_("Email address"), lambda m: m.user.email if m.user else m.email),
        ]
    if channel == MarketingChannel.POST:
        return [
            (_("Name"), _name),
            (_("Street address"), lambda m: m.user.street_address),
            (_("Postal code"), lambda m: m.user.postal_code),
            (_("City"), lambda m: m.user.city),
            (_("Country"), lambda m: m.user.country.name if m.user.country else ""),
        ]
    # E.164, which spreadsheets do not read as a formula and dialers understand.
    return [(_("Name"), _name), (_("Phone number"), lambda m: m.user.phone.as_e164)]


@login_required
def mailing_list(request: HttpRequest, pk: int, channel: str) -> StreamingHttpResponse:
    """The organization's active members that marketing may reach on ``channel``, as CSV.

    Built on ``gdpr.api.marketing_audience``, so bans, suppressions, restrictions and
    missing consents are left out; the export is logged in "who has seen my data".
    """
    organization = permissions.get_organization_for_admin(request.user, pk)
    if channel not in MarketingChannel.values:
        raise Http404
    memberships = Membership.objects.filter(
        organization=organization, status=Membership.Status.ACTIVE
    ).order_by("sort_name", "id")
    # Logged in SQL before streaming; a suppressed person with an account may be logged
    # though left out of the file (the hash check runs in Python) — over-reporting, never
    # under-reporting, who has seen whose data.
    services.member_export_record(
        viewer=request.user,
        memberships=marketing_audience_queryset(rows=memberships, channel=channel),
    )
    columns = _columns(channel)
    filename = (
        f"{slugify(organization.name) or 'members'}-{slugify(channel)}"
        f"-{timezone.localdate():%Y-%m-%d}.csv"
    )
    return csv_download(
        [header for header, _value in columns],
        (
            [value(membership) for _header, value in columns]
            for membership in marketing_audience(rows=memberships, channel=channel)
        ),
        filename=filename,
    )
