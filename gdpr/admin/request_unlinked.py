"""The desk's section on records no account points at: the rows found under the request's
person's details (``gdpr.unlinked.search``), with checkboxes and an Attach button, and the
rows already attached, each with Detach. The section is shown below the request's
read-only form (a form of its own cannot sit inside the admin's); its two buttons post to
small views here, which answer with a message and go back to the request's page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from gdpr.models import DataSubjectRequest
from gdpr.unlinked import services as unlinked
from gdpr.unlinked.search import Candidate, attached_rows, unlinked_candidates

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse


class AttachRecordsForm(forms.Form):
    rows = forms.MultipleChoiceField(
        error_messages={
            "required": _("Choose the records to attach."),
            "invalid_choice": _(
                "Only records found under the person's details can be attached; search again."
            ),
        }
    )

    def __init__(self, *args: Any, candidates: list[Candidate], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rows"].choices = [(c.key, c.description) for c in candidates]


class DetachRecordForm(forms.Form):
    attached = forms.IntegerField(min_value=1, max_value=2**63 - 1)


def unlinked_context(obj: DataSubjectRequest) -> dict[str, Any]:
    """What the section shows: a bounded number of queries, whatever the rows found."""
    may_change = obj.subject_id is not None and obj.is_open and not obj.outcome.get("executed_at")
    return {
        "unlinked_shown": obj.subject_id is not None,
        "unlinked_may_change": may_change,
        "unlinked_candidates": unlinked_candidates(request=obj) if may_change else [],
        "unlinked_attached": attached_rows(request=obj),
        "unlinked_attach_url": reverse("admin:gdpr_datasubjectrequest_attach", args=[obj.pk]),
        "unlinked_detach_url": reverse("admin:gdpr_datasubjectrequest_detach", args=[obj.pk]),
    }


class UnlinkedRecordsMixin:
    """The attach and detach views of ``DataSubjectRequestAdmin``; the manage permission
    and the 404 for an unknown request are the step views' (``_request_or_404``)."""

    def get_urls(self):
        def wrap(view):
            return self.admin_site.admin_view(require_POST(view))

        urls = [
            path(
                "<int:object_id>/attach-records/",
                wrap(self.attach_records_view),
                name="gdpr_datasubjectrequest_attach",
            ),
            path(
                "<int:object_id>/detach-record/",
                wrap(self.detach_record_view),
                name="gdpr_datasubjectrequest_detach",
            ),
        ]
        return urls + super().get_urls()

    def _back(self, obj: DataSubjectRequest) -> HttpResponseRedirect:
        return HttpResponseRedirect(self._change_url(obj) + "#gdpr-unlinked")

    def attach_records_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        obj = self._request_or_404(request, object_id)
        form = AttachRecordsForm(request.POST, candidates=unlinked_candidates(request=obj))
        if not form.is_valid():
            for error in form.errors.get("rows", []):
                messages.error(request, error)
            return self._back(obj)
        try:
            attached = unlinked.records_attach(
                request=obj, rows=form.cleaned_data["rows"], actor=request.user
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                gettext("Records attached: %(count)d. They now count as the person's data.")
                % {"count": len(attached)},
            )
        return self._back(obj)

    def detach_record_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        obj = self._request_or_404(request, object_id)
        form = DetachRecordForm(request.POST)
        if not form.is_valid():
            messages.error(request, gettext("That record is not attached to this request."))
            return self._back(obj)
        try:
            unlinked.record_detach(
                request=obj, attached_id=form.cleaned_data["attached"], actor=request.user
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, gettext("The record was detached."))
        return self._back(obj)
