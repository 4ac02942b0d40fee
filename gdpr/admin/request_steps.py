"""The steps of a request on the desk, each a small admin view with its own form: GET shows
the form, POST runs the step's service, and a rule the service enforces comes back as a
message on the form, never as a 500. Which step is possible when is
``gdpr.requests.states``; the services refuse the rest.

``RequestStepsMixin`` is mixed into the request's ModelAdmin (``gdpr.admin.requests``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext

from gdpr import selectors
from gdpr.admin.request_desk import export_context, template_exists
from gdpr.admin.request_forms import (
    AssignForm,
    CompleteForm,
    ConfirmForm,
    ErasureForm,
    ExtendForm,
    IdentityForm,
    LetterDeleteForm,
    NoteForm,
    RectificationDecisionForm,
    RefuseForm,
    TellExtensionForm,
)
from gdpr.erasure import services as erasure
from gdpr.models import DataExport, DataSubjectRequest, RequestKind, RestrictionGround
from gdpr.rectification import services as rectification
from gdpr.requests import services, states
from gdpr.requests.emails import subject_address, subject_language
from gdpr.requests.states import Step
from registry.downloads import private_download

if TYPE_CHECKING:
    from django.http import HttpRequest

# The steps with a view of their own, at <id>/<step>/ (e.g. 12/tell-extension/).
STEP_VIEWS = (
    Step.VERIFY,
    Step.START,
    Step.ASSIGN,
    Step.NOTE,
    Step.EXTEND,
    Step.TELL_EXTENSION,
    Step.COMPLETE,
    Step.REFUSE,
    Step.DELETE_LETTER,
    Step.RETRY_EXPORT,
    Step.ERASURE,
    Step.RECTIFICATION,
)


class RequestStepsMixin:
    """The step views of ``DataSubjectRequestAdmin`` and the plumbing they share."""

    def get_urls(self):
        def wrap(view):
            return self.admin_site.admin_view(view)

        urls = [
            path(
                f"<int:object_id>/{step.replace('_', '-')}/",
                wrap(getattr(self, f"{step}_view")),
                name=f"gdpr_datasubjectrequest_{step}",
            )
            for step in STEP_VIEWS
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
        run: Callable[[DataSubjectRequest, dict[str, Any]], Any],
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
            % {"date": date_format(obj.due_on)},
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
            extra=export_context(DataExport.objects.filter(request=obj).first()),
        )

    def refuse_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        obj = self._request_or_404(request, object_id)
        grounds: list[str] = []
        if obj.kind == RequestKind.ERASURE and obj.subject is not None:
            grounds = [str(g) for g in erasure.erasure_refusal_grounds(obj.subject)]
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
            form_class=LetterDeleteForm,
            intro=gettext(
                "The scan is deleted from storage; the request's steps keep the fact that "
                "there was one."
            ),
            run=lambda obj, data: services.request_delete_letter(obj, actor=request.user),
            done=gettext("Letter deleted."),
        )

    def erasure_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        obj = self._request_or_404(request, object_id)
        # The preview is the erasure's page, shown in any status; executing it is a step.
        if not states.is_for(obj, Step.ERASURE) or obj.subject is None:
            raise Http404
        # The staff read of the person, not to them ("the person's membership ends").
        plan = erasure.erasure_plan(obj.subject, audience=erasure.Audience.CONTROLLER)
        grounds = erasure.erasure_refusal_grounds(obj.subject)
        executable = states.erasable_with_answer(obj) and not grounds
        # A choice per case an app needs decided first (e.g. an organization's successor).
        decisions = erasure.erasure_decision_cases(obj.subject)
        fields = [
            erasure.decision_field(decision.name, case.key)
            for decision, cases in decisions
            for case in cases
        ]

        def run(obj: DataSubjectRequest, data: dict) -> None:
            if not executable:
                raise services.RequestError(_erasure_blocked(obj, grounds))
            # The answer goes where the person can read it, which the erasure removes.
            to = subject_address(obj)
            language = subject_language(obj)
            # What the answer says of the person is sent, not kept.
            redaction = erasure.redaction_for(obj.subject)
            with transaction.atomic():
                try:
                    erasure.erasure_execute(
                        obj, actor=request.user, decisions={f: data[f] for f in fields}
                    )
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
                        redact=redaction,
                    )

        return self._step(
            request,
            object_id,
            obj=obj,
            title=gettext("Erasure: preview and execution"),
            intro=gettext(
                "Executing erases the data of %(person)s as listed below and sends them the "
                "answer. It cannot be undone: what is erased cannot be restored, and no copy "
                "is kept."
            )
            % {"person": obj.subject_name or obj.subject_email or obj.subject},
            form_class=ErasureForm,
            form_kwargs={"decisions": decisions},
            initial={"response": _default_response(obj)},
            run=run,
            done=gettext("The person's data has been erased and the answer sent."),
            extra={
                "erasure_plan": plan,
                # The button does the erasure; the title names the page.
                "submit_label": gettext("Erase the person's data"),
                "erasure_plan_partial": template_exists("gdpr/_erasure_plan.html"),
                "erasure_grounds": grounds,
                "show_form": executable,
                "erasure_blocked": "" if executable else _erasure_blocked(obj, grounds),
            },
        )

    def rectification_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        obj = self._request_or_404(request, object_id)
        if not states.is_for(obj, Step.RECTIFICATION):
            raise Http404
        data = rectification.rectifiable_data(obj.subject) if obj.subject is not None else []
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
                rectification.rectification_decide(
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
        try:
            download = private_download(
                obj.letter.storage,
                obj.letter.name,
                filename=PurePosixPath(obj.letter.name).name,
            )
        except FileNotFoundError as error:
            raise Http404 from error
        return download.response()


def _erasure_blocked(obj: DataSubjectRequest, grounds: list[str]) -> str:
    if grounds:
        return gettext(
            "The erasure cannot be executed: there are grounds to refuse it. Refuse the "
            "request with these grounds, or resolve them first."
        )
    if not states.erasable_with_answer(obj):
        return gettext("Verify the person's identity and start handling the request first.")
    return ""


def _default_response(obj: DataSubjectRequest) -> str:
    """The answer the handler starts from, in the person's language: it is what they read
    (the handler may write over it)."""
    with translation.override(subject_language(obj)):
        return _default_response_text(obj)


def _default_response_text(obj: DataSubjectRequest) -> str:
    if obj.restricts_while_checked:
        # Under (a) and (d) the restriction was the checking's, and ends with this answer.
        if obj.restriction_ground == RestrictionGround.ACCURACY:
            return gettext(
                "We have checked the accuracy of your personal data. Its processing was"
                " restricted while we checked it; the restriction ends with this answer. If"
                " some of your data is still wrong, you can ask us to correct it."
            )
        return gettext(
            "We have checked whether our legitimate grounds for processing your personal"
            " data override yours. Its processing was restricted while we checked it; the"
            " restriction ends with this answer."
        )
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
