"""Writes for data-subject requests: filing and every step of the controller's desk, in
one place for their callers (the desk, the member's pages, the demo data, the tests).

Each step runs in a transaction, with the audit trail naming its actor, and logs a
RequestEvent, so the trail of a request is complete whatever path (browser, admin, task)
moved it. Every step locks the request row first (``select_for_update``): two handlers
clicking at once cannot both move it, and the second one gets a clear message instead of
a double step. Which step is possible when is ``gdpr.requests.states``.

The steps live by concern: ``filing`` (receipt), ``handling`` (identity, start,
assignment, notes, the letter), ``extension``, ``restriction``, ``correction`` (the datum
of a rectification), ``closing`` (answer or refusal). Capabilities that the steps call
(exports, erasure, rectification, Art. 19 notices) import ``gdpr.requests.base`` and
``gdpr.requests.filing`` rather than this module, which imports them back.
"""

from __future__ import annotations

from gdpr.requests.base import RequestError, request_event_log
from gdpr.requests.closing import (
    COMPLETION_EVIDENCE,
    completion_problem,
    request_complete,
    request_refuse,
)
from gdpr.requests.correction import request_rectification_target_set
from gdpr.requests.extension import (
    EXTENSION_NOTICE_WAYS,
    request_extend,
    request_extension_tell,
)
from gdpr.requests.filing import (
    ENTERED_CHANNELS,
    entry_errors,
    request_due_on,
    request_enter,
    request_file,
)
from gdpr.requests.handling import (
    request_assign,
    request_delete_letter,
    request_export_retry,
    request_note,
    request_start,
    request_verify_identity,
)
from gdpr.requests.restriction import restriction_apply, restriction_lift
from gdpr.requests.states import EXPORT_KINDS

__all__ = [
    "COMPLETION_EVIDENCE",
    "ENTERED_CHANNELS",
    "EXPORT_KINDS",
    "EXTENSION_NOTICE_WAYS",
    "RequestError",
    "completion_problem",
    "entry_errors",
    "request_assign",
    "request_complete",
    "request_delete_letter",
    "request_due_on",
    "request_enter",
    "request_event_log",
    "request_export_retry",
    "request_extend",
    "request_extension_tell",
    "request_file",
    "request_note",
    "request_rectification_target_set",
    "request_refuse",
    "request_start",
    "request_verify_identity",
    "restriction_apply",
    "restriction_lift",
]
