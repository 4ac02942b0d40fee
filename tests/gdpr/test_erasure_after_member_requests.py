"""A person who filed requests from their privacy page is erased as the preview says: the
audit entries of their own filings are theirs, not references to someone else."""

from __future__ import annotations

import json

import pytest

from gdpr.erasure.services import erasure_execute, erasure_plan
from gdpr.models import DataSubjectRequest, RequestKind, RequestStatus
from gdpr.requests.member import member_request_file
from gdpr.requests.services import request_file
from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind", [RequestKind.PORTABILITY, RequestKind.ACCESS])
def test_the_preview_matches_the_outcome_after_requests_filed_in_the_browser(kind):
    person = UserFactory()
    member_request_file(person, kind=kind, details="Please send everything.")
    erasure = request_file(subject=person, kind=RequestKind.ERASURE, actor=person)
    DataSubjectRequest.objects.filter(pk=erasure.pk).update(status=RequestStatus.IN_PROGRESS)
    erasure.refresh_from_db()

    plan = erasure_plan(person)
    outcome = erasure_execute(erasure, actor=StaffFactory())

    assert outcome.summary == json.loads(json.dumps(plan.summary()))
