"""The controller's desk: data-subject requests in the admin.


A data-subject request is never edited as a form: its status, dates and answer change only
through the steps in ``gdpr.requests.services`` (verify identity, start, assign, note, extend,
complete, refuse …), each a small admin view with its own form, so every change is logged
with its actor and time and a broken rule becomes a message, never a 500. The proof
records (request steps, consents, bans, suppression entries, exports and their downloads,
the audit trail) are read-only for everyone, superusers included.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.template import TemplateDoesNotExist
from django.template.loader import select_template
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gdpr import selectors
from gdpr.admin.base import (
    ADMIN_CSS,
    ReadOnlyInline,
    _person,
)
from gdpr.admin.request_forms import (
    AssignForm,
    CompleteForm,
    ConfirmForm,
    ErasureForm,
    ExtendForm,
    IdentityForm,
    NoteForm,
    RectificationDecisionForm,
    RefuseForm,
    RequestEnterForm,
    TellExtensionForm,
)
from gdpr.models import (
    OPEN_STATUSES,
    DataExport,
    DataSubjectRequest,
    MarketingChannel,
    RecipientNotice,
    RequestChannel,
    RequestEvent,
    RequestKind,
    RequestStatus,
)
from gdpr.requests import services
from gdpr.requests.emails import subject_address, subject_language

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


# --- Data-subject requests: the add form (letter, email, phone) ---------------------------


class RequestEventInline(ReadOnlyInline):
    model = RequestEvent
    fields = ["at", "action", "actor", "assignee", "note", "internal"]
    readonly_fields = fields
    verbose_name_plural = _("steps")

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
                "public_id",
                "kind",
                "status",
                "channel",
                "subject",
                "subject_name",
                "subject_email",
                "holder",
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
                "marketing_channel_names",
                "letter_link",
            ]
        },
    ),
    (
        _("Answer"),
        {"fields": ["response", "responded_at", "refusal_reason", "closed_at", "outcome"]},
    ),
    (_("Record"), {"fields": ["created_by", "created_at"]}),
]

ADD_FIELDSETS = [
    (None, {"fields": ["kind", "channel", "received_at", "details", "letter"]}),
    (_("The person"), {"fields": ["subject", "subject_name", "subject_email"]}),
    (
        _("Depending on the request"),
        {"fields": ["rectification_value", "marketing_channels"]},
    ),
]


@admin.register(DataSubjectRequest)
class DataSubjectRequestAdmin(admin.ModelAdmin):
    """The desk: every request, how urgent it is, and the steps that move it."""

    list_display = [
        "__str__",
        "kind",
        "status",
        "subject_display",
        "channel",
        "received_at",
        "deadline_display",
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
    search_help_text = _("The person's name or email address, or the request's public id.")
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
            obj.deadline.strftime("%d.%m.%Y"),
            f" ({notes})" if notes else "",
        )

    @admin.display(description=_("checked by"))
    def identity_checker(self, obj: DataSubjectRequest) -> str:
        return _person(obj.identity_verified_by) or "—"

    @admin.display(description=_("datum to correct"))
    def rectification_datum(self, obj: DataSubjectRequest) -> str:
        if not obj.rectification_target:
            return "—"
        from gdpr.rectification.services import target_label

        return target_label(obj.rectification_target)

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
            actor=request.user,
        )
        for field in DataSubjectRequest._meta.concrete_fields:
            setattr(obj, field.attname, getattr(created, field.attname))
        obj._state.adding = False
        obj._state.db = created._state.db

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
            extra |= self._desk_context(request, obj)
        return super().change_view(request, object_id, form_url, extra)

    def _desk_context(self, request: HttpRequest, obj: DataSubjectRequest) -> dict[str, Any]:
        export = None
        if obj.kind in services.EXPORT_KINDS:
            export = DataExport.objects.filter(request=obj).first()
        return {
            "desk_steps": (
                self.available_steps(request, obj, export)
                if self.has_manage_permission(request)
                else []
            ),
            "desk_state": selectors.deadline_state(obj),
            "desk_export": export,
            "desk_export_partial": _template_exists("gdpr/export_status.html"),
            "desk_download_url": _export_download_url(export),
        }

    def available_steps(
        self, request: HttpRequest, obj: DataSubjectRequest, export: DataExport | None = None
    ) -> list[dict]:
        """The steps the request's state allows, as buttons on its page."""
        steps: list[tuple[str, str]] = []
        status = obj.status
        if status == RequestStatus.RECEIVED:
            steps.append(("verify", gettext("Verify identity")))
        if status == RequestStatus.IDENTITY_VERIFIED:
            steps.append(("start", gettext("Start handling")))
        if obj.kind == RequestKind.ERASURE and obj.subject_id is not None and obj.is_open:
            label = (
                gettext("Preview and execute the erasure")
                if status == RequestStatus.IN_PROGRESS
                else gettext("Preview the erasure")
            )
            steps.append(("erasure", label))
        # A request filed in the service is decided at once (the session identified the
        # person); one that came by letter or phone is verified first.
        if (
            obj.kind == RequestKind.RECTIFICATION
            and obj.is_open
            and (status != RequestStatus.RECEIVED or obj.channel == RequestChannel.WEB)
        ):
            steps.append(("rectification", gettext("Decide the rectification")))
        if (
            status == RequestStatus.IN_PROGRESS
            and export is not None
            and export.status == DataExport.Status.FAILED
        ):
            steps.append(("retry_export", gettext("Build the export again")))
        if status == RequestStatus.IN_PROGRESS and obj.kind not in (
            RequestKind.ERASURE,
            RequestKind.RECTIFICATION,
        ):
            steps.append(("complete", gettext("Complete and answer")))
        if obj.is_open:
            if obj.extended_due_on is None and timezone.localdate() <= obj.due_on:
                steps.append(("extend", gettext("Extend the deadline")))
            elif obj.extended_due_on is not None and obj.extension_notified_at is None:
                steps.append(("tell_extension", gettext("Tell the person of the extension")))
            steps.append(("assign", gettext("Assign")))
            steps.append(("refuse", gettext("Refuse")))
        steps.append(("note", gettext("Add an internal note")))
        if obj.letter:
            steps.append(("delete_letter", gettext("Delete the letter")))
        return [
            {
                "name": name,
                "label": label,
                "url": reverse(f"admin:gdpr_datasubjectrequest_{name}", args=[obj.pk]),
            }
            for name, label in steps
        ]

    # --- The step views ---

    def get_urls(self):
        def wrap(view):
            return self.admin_site.admin_view(view)

        steps = [
            "verify",
            "start",
            "assign",
            "note",
            "extend",
            "tell_extension",
            "complete",
            "refuse",
            "delete_letter",
            "retry_export",
            "erasure",
            "rectification",
        ]
        urls = [
            path(
                f"<int:object_id>/{name.replace('_', '-')}/",
                wrap(getattr(self, f"{name}_view")),
                name=f"gdpr_datasubjectrequest_{name}",
            )
            for name in steps
        ]
        urls.append(
            path(
                "<int:object_id>/letter/",
                wrap(self.letter_view),
                name="gdpr_datasubjectrequest_letter",
            )
        )
        return urls + super().get_urls()

    def _request_or_404(self, request: HttpRequest, object_id: int) -> DataSubjectRequest:
        if not self.has_manage_permission(request):
            raise PermissionDenied
        obj = self.get_object(request, str(object_id))
        if obj is None:
            raise Http404
        return obj

    def _change_url(self, obj: DataSubjectRequest) -> str:
        return reverse("admin:gdpr_datasubjectrequest_change", args=[obj.pk])

    def _step(
        self,
        request: HttpRequest,
        object_id: int,
        *,
        title: str,
        form_class: type[forms.Form],
        run,
        done: str,
        initial: dict | None = None,
        intro: str = "",
        extra: dict | None = None,
        form_kwargs: dict | None = None,
        obj: DataSubjectRequest | None = None,
    ) -> HttpResponse:
        """GET shows the step's form; POST runs the service. A broken rule is shown on the
        form (kept as entered), never as a 500."""
        obj = obj or self._request_or_404(request, object_id)
        form_kwargs = form_kwargs or {}
        if request.method == "POST":
            form = form_class(request.POST, **form_kwargs)
            if form.is_valid():
                try:
                    run(obj, form.cleaned_data)
                except ValidationError as error:
                    form.add_error(None, error.messages)
                else:
                    messages.success(request, done)
                    return HttpResponseRedirect(self._change_url(obj))
        else:
            form = form_class(initial=initial, **form_kwargs)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": obj,
            "title": title,
            "intro": intro,
            "form": form,
            "media": self.media + form.media,
            "change_url": self._change_url(obj),
            "deadline_state": selectors.deadline_state(obj),
            "show_form": True,
            **(extra or {}),
        }
        return TemplateResponse(request, "admin/gdpr/datasubjectrequest/step.html", context)

    def verify_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        return self._step(
            request,
            object_id,
            title=gettext("Verify the person's identity"),
            form_class=IdentityForm,
            intro=gettext(
                "Check that the request comes from the person whose data it concerns, in a "
                "way proportionate to the request. Someone signed in to the service is "
                "already identified by their session."
            ),
            run=lambda obj, data: services.request_verify_identity(
                obj, method=data["method"], note=data["note"], actor=request.user
            ),
            done=gettext("Identity verified."),
        )

    def start_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        obj = self._request_or_404(request, object_id)
        intro = {
            RequestKind.ACCESS: gettext("Starting collects the person's data into an export."),
            RequestKind.PORTABILITY: gettext("Starting collects the person's data into an export."),
            RequestKind.OBJECTION: gettext(
                "Starting bans direct marketing through the channels named, at once."
            ),
            RequestKind.RESTRICTION: gettext(
                "Starting restricts the processing of the person's data and tells those "
                "who received it."
            ),
        }.get(obj.kind, "")
        return self._step(
            request,
            object_id,
            obj=obj,
            title=gettext("Start handling the request"),
            form_class=ConfirmForm,
            intro=intro,
            run=lambda obj, data: services.request_start(obj, actor=request.user),
            done=gettext("Handling started."),
        )

    def assign_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        obj = self._request_or_404(request, object_id)
        me = request.user if request.POST.get("to_me") else None
        return self._step(
            request,
            object_id,
            obj=obj,
            title=gettext("Assign the request"),
            form_class=AssignForm,
            initial={"handler": obj.handler_id or request.user.pk},
            run=lambda obj, data: services.request_assign(
                obj, handler=me or data["handler"], actor=request.user
            ),
            done=gettext("Handler changed."),
            extra={"assign_to_me": True},
        )

    def note_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        return self._step(
            request,
            object_id,
            title=gettext("Add an internal note"),
            form_class=NoteForm,
            run=lambda obj, data: services.request_note(obj, note=data["note"], actor=request.user),
            done=gettext("Note added."),
        )

    def extend_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        obj = self._request_or_404(request, object_id)
        return self._step(
            request,
            object_id,
            obj=obj,
            title=gettext("Extend the deadline"),
            form_class=ExtendForm,
            intro=gettext(
                "The deadline (%(date)s) can be extended once, by up to two further months, "
                "when the request is complex or there are many requests. The person is told "
                "at once, with the reasons."
            )
            % {"date": obj.due_on.strftime("%d.%m.%Y")},
            run=lambda obj, data: services.request_extend(
                obj,
                months=data["months"],
                reason=data["reason"],
                actor=request.user,
                told_by=data["told_by"],
                told_note=data.get("told_note", ""),
            ),
            done=gettext("Deadline extended; the person is being told."),
        )

    def tell_extension_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        obj = self._request_or_404(request, object_id)
        return self._step(
            request,
            object_id,
            obj=obj,
            title=gettext("Tell the person of the extension"),
            form_class=TellExtensionForm,
            intro=gettext(
                "The notice of the extension has not reached the person. Send it again, or"
                " tell them by letter or phone and record it here."
            ),
            run=lambda obj, data: services.request_extension_tell(
                obj,
                told_by=data["told_by"],
                told_note=data.get("told_note", ""),
                actor=request.user,
            ),
            done=gettext("Recorded; the person is being told."),
        )

    def complete_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        obj = self._request_or_404(request, object_id)
        export = DataExport.objects.filter(request=obj).first()
        return self._step(
            request,
            object_id,
            obj=obj,
            title=gettext("Complete the request and answer the person"),
            form_class=CompleteForm,
            initial={"response": _default_response(obj)},
            run=lambda obj, data: services.request_complete(
                obj, response=data["response"], actor=request.user
            ),
            done=gettext("Request completed; the answer has been sent."),
            extra={
                "desk_export": export,
                "desk_export_partial": _template_exists("gdpr/export_status.html"),
                "desk_download_url": _export_download_url(export),
            },
        )

    def refuse_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        obj = self._request_or_404(request, object_id)
        grounds: list[str] = []
        if obj.kind == RequestKind.ERASURE and obj.subject is not None:
            grounds = _erasure_refusal_grounds(obj.subject)
        return self._step(
            request,
            object_id,
            obj=obj,
            title=gettext("Refuse the request"),
            form_class=RefuseForm,
            initial={"reason": "\n".join(grounds)},
            intro=gettext(
                "The person is told the grounds and that they may complain to the Data "
                "Protection Ombudsman and go to court."
            ),
            run=lambda obj, data: services.request_refuse(
                obj, reason=data["reason"], actor=request.user
            ),
            done=gettext("Request refused; the person has been told."),
        )

    def retry_export_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        return self._step(
            request,
            object_id,
            title=gettext("Build the export again"),
            form_class=ConfirmForm,
            intro=gettext("The export failed; it is queued to be built once more."),
            run=lambda obj, data: services.request_export_retry(obj, actor=request.user),
            done=gettext("The export has been queued again."),
        )

    def delete_letter_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        return self._step(
            request,
            object_id,
            title=gettext("Delete the signed letter"),
            form_class=ConfirmForm,
            intro=gettext(
                "The scan is deleted from storage; the request's steps keep the fact that "
                "there was one."
            ),
            run=lambda obj, data: services.request_delete_letter(obj, actor=request.user),
            done=gettext("Letter deleted."),
        )

    def erasure_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        obj = self._request_or_404(request, object_id)
        if obj.kind != RequestKind.ERASURE or obj.subject is None:
            raise Http404
        from gdpr.erasure import services as erasure

        plan = erasure.erasure_plan(obj.subject)
        grounds = erasure.erasure_refusal_grounds(obj.subject)
        executable = obj.status == RequestStatus.IN_PROGRESS and not grounds

        def run(obj: DataSubjectRequest, data: dict) -> None:
            if not executable:
                raise services.RequestError(_erasure_blocked(obj, grounds))
            # The answer goes where the person can read it, which the erasure removes.
            to = subject_address(obj)
            language = subject_language(obj)
            # What the answer says of the person is sent, not kept.
            values = erasure.subject_values(obj.subject)
            with transaction.atomic():
                try:
                    erasure.erasure_execute(obj, actor=request.user)
                except getattr(erasure, "ErasureError", ()) as error:
                    raise services.RequestError(str(error)) from error
                obj.refresh_from_db()
                if obj.is_open:
                    services.request_complete(
                        obj,
                        response=data["response"],
                        actor=request.user,
                        notify_to=to,
                        notify_language=language,
                        redact=values,
                    )

        return self._step(
            request,
            object_id,
            obj=obj,
            title=gettext("Erasure: preview and execution"),
            form_class=ErasureForm,
            initial={"response": _default_response(obj)},
            run=run,
            done=gettext("The person's data has been erased and the answer sent."),
            extra={
                "erasure_plan": plan,
                "erasure_plan_partial": _template_exists("gdpr/_erasure_plan.html"),
                "erasure_grounds": grounds,
                "show_form": executable,
                "erasure_blocked": "" if executable else _erasure_blocked(obj, grounds),
            },
        )

    def rectification_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        obj = self._request_or_404(request, object_id)
        if obj.kind != RequestKind.RECTIFICATION:
            raise Http404
        from gdpr.rectification.services import rectifiable_data, rectification_decide

        data = rectifiable_data(obj.subject) if obj.subject is not None else []
        choices = [(d.key, f"{d.label} — {d.record}: {d.value}") for d in data]

        def run(obj: DataSubjectRequest, cleaned: dict) -> None:
            with transaction.atomic():
                if cleaned["target"] != obj.rectification_target:
                    services.request_rectification_target_set(
                        obj,
                        target=cleaned["target"],
                        value=cleaned["value"] or obj.rectification_value,
                        actor=request.user,
                    )
                rectification_decide(
                    obj,
                    accept=cleaned["decision"] == "accept",
                    value=cleaned["value"],
                    reason=cleaned["reason"],
                    actor=request.user,
                )

        return self._step(
            request,
            object_id,
            obj=obj,
            title=gettext("Decide the rectification"),
            form_class=RectificationDecisionForm,
            form_kwargs={"data_choices": choices},
            initial={"target": obj.rectification_target, "value": obj.rectification_value},
            intro=gettext(
                "Accepting applies the value with history, tells those who received the data "
                "(Art. 19) and answers the person; refusing tells the person the reason."
            ),
            run=run,
            done=gettext("Rectification decided; the person has been told."),
        )

    def letter_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """The signed letter, to the controller's staff only (never a public URL)."""
        obj = self.get_object(request, str(object_id))
        if obj is None or not self.has_view_permission(request, obj) or not obj.letter:
            raise Http404
        response = FileResponse(obj.letter.open("rb"), as_attachment=True)
        response["Cache-Control"] = "no-store, private"
        return response


def _template_exists(name: str) -> bool:
    try:
        select_template([name])
    except TemplateDoesNotExist:  # the partial's owner has not added it yet
        return False
    return True


def _export_download_url(export: DataExport | None) -> str:
    if export is None or export.status != DataExport.Status.READY:
        return ""
    try:
        return reverse("gdpr:export_download", kwargs={"export_id": export.pk})
    except NoReverseMatch:
        return ""


def _erasure_refusal_grounds(user) -> list[str]:
    from gdpr.erasure import services as erasure

    return [str(g) for g in erasure.erasure_refusal_grounds(user)]


def _erasure_blocked(obj: DataSubjectRequest, grounds: list[str]) -> str:
    if grounds:
        return gettext(
            "The erasure cannot be executed: there are grounds to refuse it. Refuse the "
            "request with these grounds, or resolve them first."
        )
    if obj.status != RequestStatus.IN_PROGRESS:
        return gettext("Verify the person's identity and start handling the request first.")
    return ""


def _default_response(obj: DataSubjectRequest) -> str:
    match obj.kind:
        case RequestKind.ACCESS | RequestKind.PORTABILITY:
            return gettext(
                "A copy of your personal data is ready. It contains everything we hold about "
                "you, and the information on how we process it."
            )
        case RequestKind.ERASURE:
            return gettext(
                "Your personal data has been erased. Records that the law requires us to keep "
                "(accounting records) are kept only until their retention period ends."
            )
        case RequestKind.RESTRICTION:
            return gettext(
                "The processing of your personal data has been restricted: it is only stored "
                "until further notice. We will tell you before the restriction ends."
            )
        case RequestKind.OBJECTION:
            return gettext("You will no longer receive direct marketing from us.")
        case RequestKind.PROCESSING_OBJECTION:
            return gettext(
                "We have stopped using your data for the purposes you objected to. Data the"
                " law requires us to keep is only stored."
            )
    return ""


# --- Exports ------------------------------------------------------------------------------
