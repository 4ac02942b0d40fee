"""The members' section of an organization's statistics: who joined and left, who is in it.

Every figure counts people, so that a cell of fewer than five is hidden (registry.charts);
the splits of the active members (role, age band, language) are partitions of the total the
page shows, so a second cell hides with a hidden one.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from gdpr.api import StatisticsUse, register_statistics_use
from registry.aggregates import month_label, months_back
from registry.charts import Figure, Series, count_cell

from . import selectors
from .models import Membership
from .statistics import (
    Headline,
    SectionFigures,
    StatisticsSection,
    register_statistics_section,
)

if TYPE_CHECKING:
    from .models import Organization

MONTHS = 24

FLOW = "members-joined-left"
BY_STATUS = "members-by-status"
BY_ROLE = "members-by-role"
BY_AGE = "members-by-age"
BY_LANGUAGE = "members-by-language"


def age_band_label(band: int | None) -> str:
    if band is None:
        return _("Unknown")
    first, last = selectors.AGE_BANDS[band]
    if first == 0:
        return _("Under %(age)s") % {"age": last + 1}
    if last is None:
        return _("%(age)s and over") % {"age": first}
    return f"{first}\N{EN DASH}{last}"


def _flow(organization: Organization, today: datetime.date) -> Figure:
    """Who joined and left in each month: two queries."""
    months = months_back(today, MONTHS)
    joined, left = selectors.members_joined_and_left_by_month(
        organization=organization, since=months[0]
    )
    return Figure(
        FLOW,
        _("Members joined and left by month"),
        _("Month"),
        [month_label(month) for month in months],
        [
            Series(_("Joined"), [joined.get(month, 0) for month in months]),
            Series(_("Left"), [left.get(month, 0) for month in months]),
        ],
        description=_("Memberships begun and ended in each of the last %(months)s months.")
        % {"months": MONTHS},
    )


def _current(counts: selectors.MemberCounts) -> list[Figure]:
    """The current members' splits, from one query's counts."""
    members = _("Members")
    bands: list[int | None] = [*range(len(selectors.AGE_BANDS)), None]
    languages: list[str | None] = [*User.Language, None]
    return [
        Figure(
            BY_STATUS,
            _("Current memberships by status"),
            _("Status"),
            [str(Membership.Status(status).label) for status in counts.by_status],
            [Series(members, list(counts.by_status.values()))],
            kind="horizontal",
            partition=True,
        ),
        Figure(
            BY_ROLE,
            _("Active members by role"),
            _("Role"),
            [str(Membership.Role(role).label) for role in counts.by_role],
            [Series(members, list(counts.by_role.values()))],
            kind="horizontal",
            partition=True,
        ),
        Figure(
            BY_AGE,
            _("Active members by age"),
            _("Age"),
            [age_band_label(band) for band in bands],
            [Series(members, [counts.by_age[band] for band in bands])],
            partition=True,
            description=_(
                "Age today from the date of birth in the member's account; unknown when "
                "there is none."
            ),
        ),
        Figure(
            BY_LANGUAGE,
            _("Active members by language"),
            _("Language"),
            [
                str(User.Language(language).label) if language else _("Unknown")
                for language in languages
            ],
            [Series(members, [counts.by_language[language] for language in languages])],
            kind="horizontal",
            partition=True,
            description=_("The language the member chose for the service."),
        ),
    ]


def build(organization: Organization, today: datetime.date) -> SectionFigures:
    """The members' figures: three queries."""
    counts = selectors.member_counts(organization=organization, today=today)
    return SectionFigures(
        headlines=[Headline(_("Active members"), count_cell(counts.active))],
        figures=[_flow(organization, today), *_current(counts)],
    )


def build_figure(organization: Organization, today: datetime.date, slug: str) -> Figure | None:
    """One figure: the monthly flow (two queries) or a split of the current members (one)."""
    if slug == FLOW:
        return _flow(organization, today)
    counts = selectors.member_counts(organization=organization, today=today)
    return next((figure for figure in _current(counts) if figure.slug == slug), None)


register_statistics_section(
    StatisticsSection(
        "members",
        gettext_lazy("Members"),
        (FLOW, BY_STATUS, BY_ROLE, BY_AGE, BY_LANGUAGE),
        build,
        order=10,
        queries=3,
        build_figure=build_figure,
    )
)

# The privacy notice and the records of processing describe this use (GDPR Art. 13, 30).
register_statistics_use(
    StatisticsUse(
        key="organizations.member_statistics",
        title=gettext_lazy("An organization's member statistics"),
        audience=gettext_lazy("The admins of the organization"),
        description=gettext_lazy(
            "Members who joined and left per month, current members by status and role, by"
            " age band (from the date of birth) and by language: for the board's yearly"
            " report and for planning the organization's activities."
        ),
    )
)
