"""Attaching rows no account points at to a person's request, and detaching them.

Only a row the search finds for the request's person can be attached
(``gdpr.unlinked.search``): the handler picks among candidates, never names an arbitrary
row. Each attach or detach is a step of the request's trail, naming the handler.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _

from gdpr.declarations import searchables
from gdpr.models import AttachedRecord, DataSubjectRequest, RequestEvent
from gdpr.models import request_phrases as phrases
from gdpr.requests.base import RequestError, desk_step, lock_request, request_event_log
from gdpr.unlinked.search import unlinked_candidates

if TYPE_CHECKING:
    from accounts.models import User


def _check_open(request: DataSubjectRequest) -> None:
    if request.subject_id is None:
        raise RequestError(_("The request names no account to attach records to."))
    if not request.is_open or request.outcome.get("executed_at"):
        raise RequestError(
            _("Records can be attached and detached only while the request is open.")
        )


def _kinds(labels: Iterable[str]) -> dict[str, int]:
    # Kinds and counts only: the trail outlives the person, and must not copy their data.
    return dict(Counter(labels))


@desk_step
def records_attach(
    *, request: DataSubjectRequest, rows: Iterable[str], actor: User | None
) -> list[AttachedRecord]:
    """Attach the chosen candidates (``"app.model:pk"`` keys from the search) to the
    request: from now on they count among the person's rows, in the export and the
    erasure. A key that is not a candidate of this request stops it all."""
    locked = lock_request(request)
    _check_open(locked)
    wanted = list(dict.fromkeys(str(key) for key in rows))
    if not wanted:
        raise RequestError(_("Choose the records to attach."))
    candidates = {c.key: c for c in unlinked_candidates(request=locked)}
    unknown = [key for key in wanted if key not in candidates]
    if unknown:
        raise RequestError(
            _("Only records found under the person's details can be attached; search again.")
        )
    chosen = [candidates[key] for key in wanted]
    models = {s.label: s.model for s in searchables()}
    types = ContentType.objects.get_for_models(*{models[c.label] for c in chosen})
    created = AttachedRecord.objects.bulk_create(
        [
            AttachedRecord(
                request=locked,
                content_type=types[models[c.label]],
                object_id=c.pk,
                attached_by=actor,
            )
            for c in chosen
        ]
    )
    request_event_log(
        locked,
        RequestEvent.Action.RECORDS_ATTACHED,
        actor=actor,
        phrase=phrases.RECORDS_ATTACHED,
        params={"kinds": _kinds(c.label for c in chosen)},
        internal=True,
    )
    return created


@desk_step
def record_detach(*, request: DataSubjectRequest, attached_id: int, actor: User | None) -> None:
    """Detach one attached row from the request: it no longer counts as the person's."""
    locked = lock_request(request)
    _check_open(locked)
    record = (
        AttachedRecord.objects.filter(request=locked, pk=attached_id)
        .select_related("content_type")
        .first()
    )
    if record is None:
        raise RequestError(_("That record is not attached to this request."))
    label = f"{record.content_type.app_label}.{record.content_type.model}"
    record.delete()
    request_event_log(
        locked,
        RequestEvent.Action.RECORD_DETACHED,
        actor=actor,
        phrase=phrases.RECORD_DETACHED,
        params={"kinds": {label: 1}},
        internal=True,
    )
