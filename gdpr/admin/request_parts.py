"""The pieces the desk's admin is built from: its list filters, the read-only inlines of a
request's steps and Art. 19 notices, and the fieldsets of its pages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from gdpr import selectors
from gdpr.admin.base import ReadOnlyInline
from gdpr.models import OPEN_STATUSES, RecipientNotice, RequestEvent

if TYPE_CHECKING:
    from django.http import HttpRequest


class DeadlineFilter(admin.SimpleListFilter):
    title = _("deadline")
    parameter_name = "deadline"

    def lookups(self, request, model_admin):
        return [
            (selectors.DeadlineState.OVERDUE, _("Overdue")),
            (selectors.DeadlineState.DUE_SOON, _("Due within 7 days")),
            ("extended", _("Extended")),
        ]

    def queryset(self, request, queryset):
        if self.value() in {choice for choice, _label in self.lookup_choices}:
            return queryset.filter(selectors.deadline_filter(self.value()))
        return queryset


class HandlerFilter(admin.SimpleListFilter):
    title = _("handler")
    parameter_name = "handler"

    def lookups(self, request, model_admin):
        return [("me", _("Assigned to me")), ("nobody", _("Not assigned"))]

    def queryset(self, request, queryset):
        match self.value():
            case "me":
                return queryset.filter(handler=request.user)
            case "nobody":
                return queryset.filter(handler__isnull=True)
        return queryset


class OpenFilter(admin.SimpleListFilter):
    title = _("open or closed")
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [("yes", _("Open")), ("no", _("Closed"))]

    def queryset(self, request, queryset):
        match self.value():
            case "yes":
                return queryset.filter(status__in=OPEN_STATUSES)
            case "no":
                return queryset.exclude(status__in=OPEN_STATUSES)
        return queryset


class RequestEventInline(ReadOnlyInline):
    model = RequestEvent
    fields = ["at", "action", "actor", "assignee", "text", "internal"]
    readonly_fields = fields
    verbose_name_plural = _("steps")

    @admin.display(description=_("note"))
    def text(self, obj: RequestEvent) -> str:
        # The service's phrase in the reader's language, then what the handler wrote.
        return obj.text

    def get_queryset(self, request: HttpRequest) -> QuerySet[RequestEvent]:
        return super().get_queryset(request).select_related("actor", "assignee")


class RecipientNoticeInline(ReadOnlyInline):
    model = RecipientNotice
    fields = ["recipient_name", "recipient_email", "sent_at", "error"]
    readonly_fields = fields


REQUEST_FIELDSETS = [
    (
        None,
        {
            "fields": [
                "reference",
                "kind",
                "status",
                "channel",
                "subject",
                "subject_name",
                "subject_email",
                "holder_display",
                "handler",
            ]
        },
    ),
    (
        _("Deadline"),
        {
            "fields": [
                "received_at",
                "due_on",
                "extended_due_on",
                "extension_reason",
                "extension_notified_at",
            ]
        },
    ),
    (
        _("Identity"),
        {
            "fields": [
                "identity_method",
                "identity_note",
                "identity_verified_at",
                "identity_checker",
            ]
        },
    ),
    (
        _("Request"),
        {
            "fields": [
                "details",
                "rectification_datum",
                "rectification_value",
                "restriction_ground",
                "marketing_channel_names",
                "letter_link",
            ]
        },
    ),
    (
        _("Answer"),
        {"fields": ["response", "responded_at", "refusal_reason", "closed_at", "outcome_display"]},
    ),
    (_("Record"), {"fields": ["created_by", "created_at"]}),
]

ADD_FIELDSETS = [
    (None, {"fields": ["kind", "channel", "received_at", "details", "letter"]}),
    (_("The person"), {"fields": ["subject", "subject_name", "subject_email"]}),
    (
        _("Depending on the request"),
        {"fields": ["rectification_value", "restriction_ground", "marketing_channels"]},
    ),
]
