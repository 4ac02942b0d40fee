"""The panel on top of a request's page on the desk: how urgent it is, its export, and the
steps its state allows as buttons. Which steps those are is ``gdpr.requests.states``; this
module only names them and links them to their views."""

from __future__ import annotations

from typing import Any

from django.template import TemplateDoesNotExist
from django.template.loader import select_template
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gdpr import selectors
from gdpr.models import DataExport, DataSubjectRequest
from gdpr.requests import states
from gdpr.requests.states import EXPORT_KINDS, Step

STEP_LABELS = {
    Step.VERIFY: _("Verify identity"),
    Step.START: _("Start handling"),
    Step.ERASURE: _("Preview the erasure"),
    Step.RECTIFICATION: _("Decide the rectification"),
    Step.RETRY_EXPORT: _("Build the export again"),
    Step.COMPLETE: _("Complete and answer"),
    Step.EXTEND: _("Extend the deadline"),
    Step.TELL_EXTENSION: _("Tell the person of the extension"),
    Step.ASSIGN: _("Assign"),
    Step.REFUSE: _("Refuse"),
    Step.NOTE: _("Add an internal note"),
    Step.DELETE_LETTER: _("Delete the letter"),
}


def step_url(obj: DataSubjectRequest, step: Step) -> str:
    return reverse(f"admin:gdpr_datasubjectrequest_{step}", args=[obj.pk])


def step_label(obj: DataSubjectRequest, step: Step) -> str:
    if step == Step.ERASURE and states.erasable_with_answer(obj):
        return gettext("Preview and execute the erasure")
    return str(STEP_LABELS[step])


def available_steps(obj: DataSubjectRequest) -> list[dict[str, str]]:
    """The steps the request's state allows, as buttons on its page."""
    return [
        {"name": str(step), "label": step_label(obj, step), "url": step_url(obj, step)}
        for step in states.desk_steps(obj)
    ]


def template_exists(name: str) -> bool:
    try:
        select_template([name])
    except TemplateDoesNotExist:  # the partial's owner has not added it yet
        return False
    return True


def export_download_link(export: DataExport | None) -> str:
    """The download of a ready export, for the controller's staff ("" otherwise)."""
    if export is None or export.status != DataExport.Status.READY:
        return ""
    try:
        return reverse("gdpr:export_download", kwargs={"export_id": export.pk})
    except NoReverseMatch:
        return ""


def export_context(export: DataExport | None) -> dict[str, Any]:
    return {
        "desk_export": export,
        "desk_export_partial": template_exists("gdpr/export_status.html"),
        "desk_download_url": export_download_link(export),
    }


def desk_context(obj: DataSubjectRequest, *, may_manage: bool) -> dict[str, Any]:
    """What the request's page shows above its fields; the steps only to those who may
    take them."""
    # Read through the request, where the state machine finds it again without a query.
    export = states.export_of(obj) if obj.kind in EXPORT_KINDS else None
    return {
        "desk_steps": available_steps(obj) if may_manage else [],
        "desk_state": selectors.deadline_state(obj),
        **export_context(export),
    }
