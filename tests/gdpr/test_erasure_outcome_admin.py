"""An executed erasure in the admin: its outcome in words addressed to the handler, what was
erased, what was kept, until when and why, with the counts; never the stored JSON."""

from __future__ import annotations

from html import unescape

import pytest
from django.urls import reverse

from gdpr.models import RequestKind, RequestStatus
from tests.factories import StaffFactory

from .factories import DataSubjectRequestFactory

pytestmark = pytest.mark.django_db

OUTCOME = {
    "executed_at": "2026-11-02T10:15:00+00:00",
    "summary": {
        "deleted": {"accounts.LoginEvent": 7},
        "kept": [{"model": "billing.Invoice", "count": 2, "until": "2032-12-31"}],
        "held": [{"model": "billing.Invoice", "count": 1}],
        "audit_entries": 4,
    },
    "recipients_notified": 1,
    "redaction_keys": ["c2VjcmV0LWtleWVkLWhhc2g="],
}


def test_the_outcome_is_told_to_the_handler_in_words(client):
    controller = StaffFactory(preferred_language="en")
    client.force_login(controller)
    request = DataSubjectRequestFactory(
        subject=None,
        subject_name="",
        subject_email="",
        kind=RequestKind.ERASURE,
        status=RequestStatus.COMPLETED,
        outcome=OUTCOME,
    )
    response = client.get(reverse("admin:gdpr_datasubjectrequest_change", args=[request.pk]))
    assert response.status_code == 200
    page = unescape(response.content.decode())
    assert "Erased on 02.11.2026" in page
    assert "Deleted: " in page
    assert ", 7." in page
    assert "Kept until 31.12.2032: " in page
    assert ", 2. Why: Accounting Act (1336/1997) ch. 2 §10" in page
    assert "Kept, restricted, for a legal claim: " in page
    assert "Why: Needed to establish, exercise or defend a legal claim" in page
    assert "Recipients told of the erasure (Art. 19): 1." in page
    # Nothing of the stored JSON.
    assert '"summary"' not in page
    assert "c2VjcmV0LWtleWVkLWhhc2g=" not in page
