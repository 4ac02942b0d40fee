"""Factories for the gdpr app. Append new ones at the end."""

from __future__ import annotations

import factory
from django.utils import timezone

from gdpr.models import DataSubjectRequest, RequestChannel, RequestKind
from gdpr.requests.services import request_due_on
from tests.factories import UserFactory


class DataSubjectRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DataSubjectRequest

    kind = RequestKind.ACCESS
    channel = RequestChannel.WEB
    subject = factory.SubFactory(UserFactory)
    subject_name = factory.LazyAttribute(lambda o: o.subject.get_full_name() if o.subject else "")
    subject_email = factory.LazyAttribute(lambda o: o.subject.email if o.subject else "")
    received_at = factory.LazyFunction(timezone.now)
    due_on = factory.LazyAttribute(lambda o: request_due_on(o.received_at))
