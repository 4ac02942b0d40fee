"""The controller's desk: data-subject requests in the admin.

A data-subject request is never edited as a form: its status, dates and answer change only
through the steps in ``gdpr.requests.services`` (verify identity, start, assign, note, extend,
complete, refuse …), each a small admin view with its own form (``gdpr.admin.request_steps``),
so every change is logged with its actor and time and a broken rule becomes a message, never
a 500. Which steps a request's state allows is ``gdpr.requests.states``; the panel on its
page is ``gdpr.admin.request_desk``. The proof records (request steps, consents, bans,
suppression entries, exports and their downloads, the audit trail) are read-only for
everyone, superusers included.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gdpr import selectors
from gdpr.admin.base import ADMIN_CSS, _person
from gdpr.admin.request_desk import desk_context
from gdpr.admin.request_forms import RequestEnterForm
from gdpr.admin.request_parts import (
    ADD_FIELDSETS,
    REQUEST_FIELDSETS,
    DeadlineFilter,
    HandlerFilter,
    OpenFilter,
    RecipientNoticeInline,
    RequestEventInline,
)
from gdpr.admin.request_steps import RequestStepsMixin
from gdpr.admin.request_unlinked import UnlinkedRecordsMixin, unlinked_context
from gdpr.admin.statistics import StatisticsMixin
from gdpr.erasure import services as erasure
from gdpr.models import DataSubjectRequest, MarketingChannel, RequestKind
from gdpr.rectification import services as rectification
from gdpr.requests import services

if TYPE_CHECKING:
    from django.http import HttpRequest


@admin.register(DataSubjectRequest)
class DataSubjectRequestAdmin(
    StatisticsMixin, UnlinkedRecordsMixin, RequestStepsMixin, admin.ModelAdmin
):
    """The desk: every request, how urgent it is, and the steps that move it."""

    # Fits a 1280-pixel screen beside the filters: the kind is in the request's name, the
    # deadline comes right after whose request it is, and the date received is a date.
    list_display = [
        "__str__",
        "status",
        "subject_display",
        "deadline_display",
        "received_display",
        "channel",
        "handler",
    ]
    list_filter = [
        OpenFilter,
        "status",
        "kind",
        "channel",
        DeadlineFilter,
        HandlerFilter,
    ]
    list_select_related = ["subject", "handler"]
    search_fields = ["subject_email", "subject_name", "subject__email"]
    search_help_text = _("The person's name or email address, or the request's reference.")
    ordering = ["-received_at", "-pk"]
    date_hierarchy = "received_at"
    autocomplete_fields = ["subject"]
    inlines = [RequestEventInline, RecipientNoticeInline]
    form = RequestEnterForm
    fieldsets = REQUEST_FIELDSETS
    readonly_fields = flatten_fieldsets(REQUEST_FIELDSETS)
    change_form_template = "admin/gdpr/datasubjectrequest/change_form.html"
    change_list_template = "admin/gdpr/datasubjectrequest/change_list.html"

    class Media:
        css = {"all": [ADMIN_CSS]}

    # Status and dates change only through the steps: the change form is read-only, and
    # nobody deletes a request (it is the proof of what was asked and answered).

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_manage_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("gdpr.change_datasubjectrequest")

    def get_queryset(self, request: HttpRequest) -> QuerySet[DataSubjectRequest]:
        return selectors.with_deadline(super().get_queryset(request))

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None):
        queryset = self.get_queryset(request).select_related(
            "subject",
            "handler",
            "identity_verified_by",
            "created_by",
        )
        try:
            return queryset.get(pk=int(object_id))
        except (ValueError, DataSubjectRequest.DoesNotExist):
            return None

    def get_fieldsets(self, request: HttpRequest, obj: DataSubjectRequest | None = None):
        return ADD_FIELDSETS if obj is None else REQUEST_FIELDSETS

    def get_readonly_fields(self, request: HttpRequest, obj: DataSubjectRequest | None = None):
        return [] if obj is None else self.readonly_fields

    def get_form(self, request: HttpRequest, obj: DataSubjectRequest | None = None, **kwargs):
        # The entry form is for adding only; a stored request is shown, never edited.
        if obj is not None:
            kwargs["form"] = forms.ModelForm
        return super().get_form(request, obj, **kwargs)

    def get_inlines(self, request: HttpRequest, obj: DataSubjectRequest | None):
        return self.inlines if obj is not None else []

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        term = search_term.strip()
        try:
            public_id = uuid.UUID(term)
        except ValueError:
            return super().get_search_results(request, queryset, search_term)
        return queryset.filter(public_id=public_id), False

    # --- List columns and read-only fields ---

    @admin.display(description=_("data subject"), ordering="subject_name")
    def subject_display(self, obj: DataSubjectRequest) -> str:
        return obj.subject_name or obj.subject_email or _person(obj.subject) or "—"

    @admin.display(description=_("received"), ordering="received_at")
    def received_display(self, obj: DataSubjectRequest) -> str:
        return date_format(timezone.localdate(obj.received_at))

    @admin.display(description=_("deadline"), ordering="deadline_on")
    def deadline_display(self, obj: DataSubjectRequest):
        state = selectors.deadline_state(obj)
        labels = {
            selectors.DeadlineState.OVERDUE: _("overdue"),
            selectors.DeadlineState.DUE_SOON: _("due soon"),
            selectors.DeadlineState.OK: "",
            selectors.DeadlineState.CLOSED: "",
        }
        extended = _("extended") if obj.extended_due_on else ""
        notes = ", ".join(str(n) for n in (labels[state], extended) if n)
        return format_html(
            '<span class="gdpr-deadline gdpr-deadline--{}">{}{}</span>',
            state,
            date_format(obj.deadline),
            f" ({notes})" if notes else "",
        )

    # The public id is what the person's request page is addressed by and what the search
    # finds: shown under a name staff can read.
    @admin.display(description=_("request reference"))
    def reference(self, obj: DataSubjectRequest) -> str:
        return str(obj.public_id)

    @admin.display(description=_("record holder"))
    def holder_display(self, obj: DataSubjectRequest) -> str:
        holder = obj.holder if obj.holder_type_id else None
        return str(holder) if holder is not None else "—"

    @admin.display(description=_("outcome"))
    def outcome_display(self, obj: DataSubjectRequest):
        lines = erasure.outcome_lines(obj.outcome)
        if not lines:
            return "—"
        return format_html(
            "<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((line,) for line in lines))
        )

    @admin.display(description=_("checked by"))
    def identity_checker(self, obj: DataSubjectRequest) -> str:
        return _person(obj.identity_verified_by) or "—"

    @admin.display(description=_("datum to correct"))
    def rectification_datum(self, obj: DataSubjectRequest) -> str:
        if not obj.rectification_target:
            return "—"
        return rectification.target_label(obj.rectification_target)

    @admin.display(description=_("marketing channels"))
    def marketing_channel_names(self, obj: DataSubjectRequest) -> str:
        if obj.kind != RequestKind.OBJECTION:
            return "—"
        if not obj.marketing_channels:
            return gettext("All channels")
        labels = dict(MarketingChannel.choices)
        return ", ".join(str(labels.get(c, c)) for c in obj.marketing_channels)

    @admin.display(description=_("signed letter"))
    def letter_link(self, obj: DataSubjectRequest):
        # Never the storage's URL: the letter is served only through the staff-only view.
        if not obj.letter:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:gdpr_datasubjectrequest_letter", args=[obj.pk]),
            gettext("Download the letter"),
        )

    # --- Adding a request that came by letter, email or phone ---

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        if change:  # never: the change form is read-only
            raise PermissionDenied
        data = form.cleaned_data
        created = services.request_enter(
            kind=data["kind"],
            channel=data["channel"],
            received_at=data["received_at"],
            subject=data.get("subject"),
            subject_name=data.get("subject_name", ""),
            subject_email=data.get("subject_email", ""),
            details=data.get("details", ""),
            letter=data.get("letter") or None,
            rectification_value=data.get("rectification_value", ""),
            marketing_channels=data.get("marketing_channels") or [],
            restriction_ground=data.get("restriction_ground", ""),
            actor=request.user,
        )
        # The admin goes on (its log entry, the redirect) with the instance it built from
        # the form: make that the request the service stored, read back from the database.
        obj.pk = created.pk
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change) -> None:
        # Nothing related is edited here.
        return None

    def response_add(self, request: HttpRequest, obj, post_url_continue=None):
        # To the request's page, where its steps are.
        messages.success(
            request,
            gettext("The request has been entered; the person has been sent an acknowledgement."),
        )
        return HttpResponseRedirect(self._change_url(obj))

    # --- The changelist and change view ---

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        extra_context = {**(extra_context or {}), "desk_counts": selectors.desk_counts()}
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if obj is not None and self.has_view_permission(request, obj):
            may_manage = self.has_manage_permission(request)
            extra |= desk_context(obj, may_manage=may_manage)
            if may_manage:
                extra |= unlinked_context(obj)
        return super().change_view(request, object_id, form_url, extra)
