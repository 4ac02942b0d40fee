"""Runs of the retention jobs in the admin, the list of the registered jobs with their last
runs, and "run now" (one job, or every due job) for staff allowed to."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from gdpr.admin.base import ADMIN_CSS, _person
from gdpr.declarations import registered_models
from gdpr.models import (
    RetentionRun,
)
from gdpr.retention.jobs import registered_jobs
from gdpr.retention.selectors import retention_due_jobs, retention_job_statuses
from gdpr.retention.services import retention_run_start
from registry.admin_tools import ReadOnlyAdmin

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

RUN_PERMISSION = "gdpr.run_retention_jobs"


def counts_in_words(counts: dict[str, int]) -> list[tuple[str, int]]:
    """A run's counts as (kind of record, how many), by the registry's names of the
    records (the model's label where the registry has none)."""
    names = {entry.label: entry.record_name(plural=True) for entry in registered_models()}
    return [(str(names.get(label, label)), count) for label, count in sorted(counts.items())]


class RunNowForm(forms.Form):
    """One job by name, or (``due``) every due job."""

    job = forms.ChoiceField(required=False, choices=())
    due = forms.BooleanField(required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["job"].choices = [("", "")] + [
            (retention_job.name, retention_job.label) for retention_job in registered_jobs()
        ]

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("job") and not cleaned.get("due"):
            raise forms.ValidationError(gettext("Choose a job to run, or the due jobs."))
        return cleaned


@admin.register(RetentionRun)
class RetentionRunAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "job", "status", "total", "finished_at", "started_by_name"]
    list_filter = ["job", "status"]
    list_select_related = ["started_by"]
    ordering = ["-started_at"]
    fields = [
        "job",
        "started_at",
        "finished_at",
        "status",
        "started_by_name",
        "counts_display",
        "error",
    ]
    readonly_fields = fields

    class Media:
        css = {"all": [ADMIN_CSS]}

    @admin.display(description=_("purged"))
    def total(self, obj: RetentionRun) -> int:
        return obj.total

    @admin.display(description=_("started by"))
    def started_by_name(self, obj: RetentionRun) -> str:
        return _person(obj.started_by) or gettext("Scheduled run")

    @admin.display(description=_("purged"))
    def counts_display(self, obj: RetentionRun):
        rows = counts_in_words(obj.counts)
        if not rows:
            return gettext("Nothing")
        return format_html_join(
            "", '<div class="gdpr-count">{}: {}</div>', ((name, n) for name, n in rows)
        )

    def has_run_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.has_perm(RUN_PERMISSION)

    def get_urls(self):
        urls = [
            path(
                "jobs/",
                self.admin_site.admin_view(self.jobs_view),
                name="gdpr_retentionrun_jobs",
            ),
            path(
                "run-now/",
                self.admin_site.admin_view(require_POST(self.run_now_view)),
                name="gdpr_retentionrun_run_now",
            ),
        ]
        return urls + super().get_urls()

    def changelist_view(self, request: HttpRequest, extra_context=None):
        extra = dict(extra_context or {})
        extra["jobs_url"] = reverse("admin:gdpr_retentionrun_jobs")
        return super().changelist_view(request, extra)

    def jobs_view(self, request: HttpRequest) -> HttpResponse:
        """Every registered job with its last run (time, result, counts, failure)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        statuses = retention_job_statuses()
        rows = [
            {"status": status, "counts": counts_in_words(status.last_run.counts)}
            if status.last_run
            else {"status": status, "counts": []}
            for status in statuses
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Retention jobs"),
            "rows": rows,
            "any_due": any(status.due for status in statuses),
            "may_run": self.has_run_permission(request),
            "run_url": reverse("admin:gdpr_retentionrun_run_now"),
            "runs_url": reverse("admin:gdpr_retentionrun_changelist"),
        }
        return TemplateResponse(request, "admin/gdpr/retentionrun/jobs.html", context)

    def run_now_view(self, request: HttpRequest) -> HttpResponse:
        """Queue a run of one job or of every due job; a job already running is left to
        the run under way."""
        if not self.has_run_permission(request):
            raise PermissionDenied
        jobs_url = reverse("admin:gdpr_retentionrun_jobs")
        form = RunNowForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return HttpResponseRedirect(jobs_url)
        names = [form.cleaned_data["job"]] if form.cleaned_data["job"] else retention_due_jobs()
        if not names:
            messages.info(request, gettext("No job is due."))
            return HttpResponseRedirect(jobs_url)
        started = retention_run_start(names=names, started_by=request.user)
        labels = {retention_job.name: retention_job.label for retention_job in registered_jobs()}
        for run in started.queued:
            self.log_addition(request, run, gettext("Run now"))
        if started.queued:
            messages.success(
                request,
                ngettext(
                    "Started: %(jobs)s. The result appears below when the run is done.",
                    "Started: %(jobs)s. The results appear below when the runs are done.",
                    len(started.queued),
                )
                % {"jobs": ", ".join(str(labels[run.job]) for run in started.queued)},
            )
        if started.already_running:
            messages.warning(
                request,
                gettext("Already running, not started again: %(jobs)s.")
                % {"jobs": ", ".join(str(labels[name]) for name in started.already_running)},
            )
        return HttpResponseRedirect(jobs_url)
