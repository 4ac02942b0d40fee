"""The controller's statistics as figures (``registry.charts``): labels in the reader's
language, counts of people hidden under five, each figure drawn from ``gdpr.statistics``.

A figure builder reads only the parts of ``Statistics`` it draws, so a figure's own
address (its SVG and CSV) costs its own queries, and the page all of them once."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _

from gdpr.marketing.consents import consent_purposes
from gdpr.models import Disclosure, MarketingChannel, RequestEvent, RequestKind
from gdpr.retention.jobs import registered_jobs
from gdpr.statistics import MONTHS, Month, Statistics
from registry.aggregates import month_label
from registry.charts import SMALL_CELL_LIMIT, Figure, Series

# Runs of a job are no people: nothing to hide, so every cell is drawn from "enough".
NOT_PEOPLE = SMALL_CELL_LIMIT


def _month_labels(months: list[Month]) -> list[str]:
    return [month_label(month) for month in months]


def requests_figure(stats: Statistics) -> Figure:
    months = stats.months
    return Figure(
        slug="requests",
        title=_("Requests received per month, by kind"),
        category_title=_("Month"),
        categories=_month_labels(months),
        series=[
            Series(
                str(kind.label), [stats.requests.get((month, kind.value), 0) for month in months]
            )
            for kind in RequestKind
        ],
        kind="stacked",
        description=_("The last %(months)s months, by the date each request was received.")
        % {"months": MONTHS},
    )


def _answered_months(stats: Statistics) -> list[Month]:
    # Only the months something was answered in: a month with no answer has no median.
    return [month for month in stats.months if month in stats.answers]


def answer_days_figure(stats: Statistics) -> Figure:
    months = _answered_months(stats)
    answers = [stats.answers[month] for month in months]
    return Figure(
        slug="answer-days",
        title=_("Median days to answer, per month"),
        category_title=_("Month answered"),
        categories=_month_labels(months),
        series=[
            Series(
                _("Median days"),
                [answer.median_days for answer in answers],
                people=[answer.answered for answer in answers],
            )
        ],
        kind="line",
        description=_(
            "Calendar days from receipt to the answer (completed or refused), by the month"
            " of the answer. Hidden when fewer than five requests were answered."
        ),
    )


def within_deadline_figure(stats: Statistics) -> Figure:
    months = _answered_months(stats)
    answers = [stats.answers[month] for month in months]
    return Figure(
        slug="within-deadline",
        title=_("Answered by the deadline (%)"),
        category_title=_("Month answered"),
        categories=_month_labels(months),
        series=[
            Series(
                _("Share answered by the deadline (%)"),
                [round(answer.within_deadline_percent, 1) for answer in answers],
                people=[answer.answered for answer in answers],
            )
        ],
        kind="line",
        description=_(
            "The deadline is the extended one where it was extended. Hidden when fewer than"
            " five requests were answered."
        ),
    )


def _steps_series(stats: Statistics, action: RequestEvent.Action, name: str) -> Series:
    return Series(name, [stats.steps.get((month, action.value), 0) for month in stats.months])


def extensions_figure(stats: Statistics) -> Figure:
    return Figure(
        slug="extensions",
        title=_("Deadlines extended per month"),
        category_title=_("Month"),
        categories=_month_labels(stats.months),
        series=[
            _steps_series(stats, RequestEvent.Action.EXTENDED, _("Requests extended")),
        ],
    )


def erasures_exports_figure(stats: Statistics) -> Figure:
    return Figure(
        slug="erasures-exports",
        title=_("Erasures and copies of data made per month"),
        category_title=_("Month"),
        categories=_month_labels(stats.months),
        series=[
            _steps_series(stats, RequestEvent.Action.ERASURE_EXECUTED, _("Erasures carried out")),
            _steps_series(stats, RequestEvent.Action.EXPORT_READY, _("Copies of data made")),
        ],
    )


def marketing_figure(stats: Statistics) -> Figure:
    channel_of = {purpose.key: purpose.channel for purpose in consent_purposes()}
    consents: dict[str, int] = {}
    for purpose, count in stats.consents.items():
        channel = channel_of.get(purpose)
        if channel is not None:
            consents[channel] = consents.get(channel, 0) + count
    channels = list(MarketingChannel)
    return Figure(
        slug="marketing",
        title=_("Direct-marketing bans and consents in force, per channel"),
        category_title=_("Channel"),
        categories=[str(channel.label) for channel in channels],
        series=[
            Series(_("Bans in force"), [stats.bans.get(c.value, 0) for c in channels]),
            Series(_("Consents in force"), [consents.get(c.value, 0) for c in channels]),
        ],
        kind="horizontal",
        description=_("Bans of erased people, kept as keyed hashes, are counted too."),
    )


def disclosures_figure(stats: Statistics) -> Figure:
    months = stats.months
    kinds = list(Disclosure.Kind)
    series = []
    for kind in kinds:
        counts = [stats.disclosures.get((month, kind.value)) for month in months]
        series.append(
            Series(
                str(kind.label),
                [count.disclosures if count else 0 for count in counts],
                people=[count.people if count else 0 for count in counts],
            )
        )
    return Figure(
        slug="disclosures",
        title=_("Disclosures per month, by kind of recipient"),
        category_title=_("Month"),
        categories=_month_labels(months),
        series=series,
        kind="stacked",
        description=_(
            "By the month the disclosure began. Hidden when fewer than five people were in"
            " the disclosures."
        ),
    )


def retention_figure(stats: Statistics) -> Figure:
    labels = {job.name: str(job.label) for job in registered_jobs()}
    # Registered jobs first, in their order; then jobs that ran and are gone since.
    names = list(labels) + sorted(set(stats.runs) - set(labels))
    runs = [stats.runs.get(name) for name in names]
    return Figure(
        slug="retention",
        title=_("Retention job runs and failures, per job"),
        category_title=_("Job"),
        categories=[labels.get(name, name) for name in names],
        series=[
            Series(
                _("Runs"),
                [run.runs if run else 0 for run in runs],
                people=[NOT_PEOPLE] * len(names),
            ),
            Series(
                _("Failed runs"),
                [run.failed if run else 0 for run in runs],
                people=[NOT_PEOPLE] * len(names),
            ),
        ],
        kind="horizontal",
        description=_("The last %(months)s months.") % {"months": MONTHS},
    )


FIGURES: dict[str, Callable[[Statistics], Figure]] = {
    "requests": requests_figure,
    "answer-days": answer_days_figure,
    "within-deadline": within_deadline_figure,
    "extensions": extensions_figure,
    "erasures-exports": erasures_exports_figure,
    "marketing": marketing_figure,
    "disclosures": disclosures_figure,
    "retention": retention_figure,
}
