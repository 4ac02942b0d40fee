"""Erasure: what the preview promises is what the execution does, once."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.auth import authenticate
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from billing import services as billing
from billing.models import Invoice
from communications.models import CommunicationRecord
from gdpr.erasure.services import (
    ErasureError,
    erasure_execute,
    erasure_plan,
    erasure_refusal_grounds,
)
from gdpr.keys import address_key, email_key, phone_key
from gdpr.models import (
    AuditEntry,
    Consent,
    DataSubjectRequest,
    MarketingChannel,
    RequestEvent,
    RequestKind,
    RequestStatus,
    Suppression,
)
from gdpr.requests.services import request_complete, request_file
from organizations.models import MemberDataView, MemberListExport, Membership
from tests.billing.factories import bank_account, invoice_for
from tests.factories import StaffFactory, UserFactory
from tests.organizations.factories import add_member, organization_with_admin

from .distinctive import build_person, use_private_storage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_files(monkeypatch, tmp_path):
    use_private_storage(monkeypatch, tmp_path / "private")


@pytest.fixture
def controller(db) -> User:
    return StaffFactory(email="tilda.controller@example.fi", preferred_language="en")


@pytest.fixture
def person(db):
    return build_person("X")


def erasure_request(user: User, status: str = RequestStatus.IN_PROGRESS) -> DataSubjectRequest:
    request = request_file(subject=user, kind=RequestKind.ERASURE, actor=user)
    DataSubjectRequest.objects.filter(pk=request.pk).update(status=status)
    request.refresh_from_db()
    return request


def test_the_preview_lists_exactly_what_the_execution_does(person, controller):
    request = erasure_request(person.user)
    plan = erasure_plan(person.user)
    outcome = erasure_execute(request, actor=controller)
    assert outcome.summary == json.loads(json.dumps(plan.summary()))
    # And the preview is not empty-handed: it covers the person's records of every kind.
    assert plan.summary()["deleted"]["accounts.User"] == 1
    # With the mail and the invitation another club sent to their address, and the call
    # logged by hand that the handler attached.
    assert plan.summary()["deleted"]["communications.CommunicationRecord"] == 3
    assert plan.summary()["attached"] == {
        "billing.Payment": 1,
        "communications.CommunicationRecord": 1,
    }
    assert plan.summary()["anonymised"]["organizations.Membership"] == 2
    assert plan.sessions == 1
    assert plan.files == 3  # the attachment, the letter, the export
    assert plan.audit_entries > 0
    # The change line and the handler's note on the account (distinctive.py).
    assert plan.admin_log_entries == 2


def test_it_records_the_outcome_without_personal_data(person, controller):
    request = erasure_request(person.user)
    erasure_execute(request, actor=controller)
    request.refresh_from_db()
    stored = json.dumps(request.outcome)
    assert request.outcome["executed_at"]
    assert {"billing.Invoice", "billing.Payment", "gdpr.Consent"} <= {
        kept["model"] for kept in request.outcome["summary"]["kept"]
    }
    for value in person.all_values().values():
        assert value not in stored
    step = request.events.get(action=RequestEvent.Action.ERASURE_EXECUTED)
    assert step.actor == controller
    # The request itself stays as proof, tied to the person only by the keyed hash.
    assert request.subject is None
    assert request.subject_name == request.subject_email == request.details == ""
    assert request.subject_key == email_key(person.values["accounts.User.email"])


def test_the_answer_tells_what_was_kept_until_when_and_why(
    person, controller, django_capture_on_commit_callbacks, mailoutbox
):
    request = erasure_request(person.user)
    invoices = list(
        Invoice.objects.filter(membership__user=person.user).values_list("retain_until", flat=True)
    )
    erasure_execute(request, actor=controller)
    with django_capture_on_commit_callbacks(execute=True):
        request_complete(
            request,
            response="Your data has been erased.",
            actor=controller,
            notify_to="x.erased@example.fi",
            notify_language="en",
        )
    (message,) = [m for m in mailoutbox if m.to == ["x.erased@example.fi"]]
    assert "What the law requires us to keep" in message.body
    assert f"- Invoices: {len(invoices)}, until {max(invoices):%-d.%-m.%Y}." in message.body
    assert "Accounting Act" in message.body
    assert "- Consents: 1" in message.body


def test_a_second_run_does_nothing(person, controller):
    request = erasure_request(person.user)
    first = erasure_execute(request, actor=controller)
    counts = {
        "events": RequestEvent.objects.count(),
        "audit": AuditEntry.objects.count(),
        "suppressions": Suppression.objects.count(),
    }
    with CaptureQueriesContext(connection) as queries:
        second = erasure_execute(request, actor=controller)
    assert second.already_done and not first.already_done
    assert second.summary == json.loads(json.dumps(first.summary))
    assert counts == {
        "events": RequestEvent.objects.count(),
        "audit": AuditEntry.objects.count(),
        "suppressions": Suppression.objects.count(),
    }
    assert not [q for q in queries.captured_queries if q["sql"].startswith(("UPDATE", "DELETE"))]


def test_the_member_is_signed_out_and_cannot_sign_in_again(client, password, controller):
    member = UserFactory(email="poistuva@example.fi")
    client.force_login(member)
    assert client.get(reverse("accounts:my_data")).status_code == 200
    assert UserSession.objects.filter(user=member).exists()
    erasure_execute(erasure_request(member), actor=controller)

    response = client.get(reverse("accounts:my_data"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
    assert authenticate(email="poistuva@example.fi", password=password) is None
    response = client.post(
        reverse("account_login"), {"login": "poistuva@example.fi", "password": password}
    )
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(email="poistuva@example.fi").exists()


def test_a_marketing_ban_survives_as_a_suppression_entry(person, controller):
    user = person.user
    erasure_execute(erasure_request(user), actor=controller)
    entries = set(Suppression.objects.values_list("channel", "key"))
    assert (MarketingChannel.EMAIL, email_key(person.values["accounts.User.email"])) in entries
    # The second address was never verified: it may be someone else's.
    assert (
        MarketingChannel.EMAIL,
        email_key(person.values["account.EmailAddress.email#2"]),
    ) not in entries
    assert (
        MarketingChannel.POST,
        address_key(person.values["accounts.User.street_address"], user.postal_code),
    ) in entries
    # The phone was never banned here: no entry keyed by it beyond the one it already had.
    assert (MarketingChannel.PHONE, phone_key(str(user.phone))) not in entries


def test_consents_stay_as_proof_for_the_limitation_period(person, controller):
    consent_id = Consent.objects.get(user=person.user).pk
    erasure_execute(erasure_request(person.user), actor=controller)
    consent = Consent.objects.get(pk=consent_id)
    today = timezone.localdate()
    assert consent.user is None
    assert consent.subject_key == email_key(person.values["accounts.User.email"])
    assert consent.keep_until == today.replace(year=today.year + settings.CONSENT_PROOF_YEARS)
    assert consent.withdrawn_at is not None
    assert consent.text_shown  # the proof: what the person agreed to


def test_memberships_end_and_keep_only_what_the_invoices_need(person, controller):
    membership_id = person.membership.pk
    invoices = list(Invoice.objects.filter(membership_id=membership_id).values_list("pk", "notes"))
    erasure_execute(erasure_request(person.user), actor=controller)
    membership = Membership.objects.get(pk=membership_id)
    assert membership.user is None
    assert membership.status == Membership.Status.ENDED
    assert membership.ended_on == timezone.localdate()
    assert (membership.name, membership.email, membership.member_number) == ("", "", "")
    assert membership.search_text == membership.sort_name == ""
    # The vouchers are exactly as they were: the law requires it.
    assert list(Invoice.objects.filter(membership_id=membership_id).values_list("pk", "notes")) == (
        invoices
    )


def test_it_takes_the_person_out_of_the_member_list_exports_and_keeps_them_for_others(
    person, controller
):
    other = UserFactory()
    organization = Membership.objects.filter(user=person.user).first().organization
    export = MemberListExport.objects.create(
        organization=organization, member_ids=[person.user.pk, other.pk]
    )
    alone = MemberListExport.objects.create(organization=organization, member_ids=[person.user.pk])
    erased_id = person.user.pk

    erasure_execute(erasure_request(person.user), actor=controller)

    export.refresh_from_db()
    assert export.member_ids == [other.pk]
    assert not MemberListExport.objects.filter(pk=alone.pk).exists()
    assert not MemberListExport.objects.filter(member_ids__has=erased_id).exists()


def test_it_clears_the_person_from_other_peoples_records_they_acted_in(person, controller):
    seen = MemberDataView.objects.get(viewer=person.user)
    erasure_execute(erasure_request(person.user), actor=controller)
    seen.refresh_from_db()
    assert seen.viewer is None
    assert seen.viewer_name == ""
    assert seen.subject == person.admin  # the admin's own record of being seen stays


def test_it_deletes_the_files_only_once_the_erasure_commits(
    person, controller, django_capture_on_commit_callbacks
):
    record = CommunicationRecord.objects.get(subject=person.user)
    storage, name = record.attachment.storage, record.attachment.name
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        erasure_execute(erasure_request(person.user), actor=controller)
    assert storage.exists(name)
    for callback in callbacks:
        callback()
    assert not storage.exists(name)


def test_it_tells_the_recipients_before_the_person_is_gone(person, controller):
    request = erasure_request(person.user)
    erasure_execute(request, actor=controller)
    assert request.events.filter(action=RequestEvent.Action.RECIPIENTS_NOTIFIED).exists()
    assert request.recipient_notices.for_holder(person.organization).exists()


def test_it_executes_only_a_verified_erasure_request(person, controller):
    with pytest.raises(ErasureError):
        erasure_execute(erasure_request(person.user, RequestStatus.RECEIVED), actor=controller)
    access = request_file(subject=person.user, kind=RequestKind.ACCESS, actor=person.user)
    DataSubjectRequest.objects.filter(pk=access.pk).update(status=RequestStatus.IN_PROGRESS)
    access.refresh_from_db()
    with pytest.raises(ErasureError):
        erasure_execute(access, actor=controller)
    assert User.objects.filter(pk=person.user.pk).exists()


@pytest.fixture
def debtor(db):
    """A member whose overdue invoice was handed over for debt collection."""
    user = UserFactory()
    admin = UserFactory()
    organization = organization_with_admin(admin, name="Velkakerho ry")
    bank_account(organization)
    membership = add_member(organization, user)
    invoice = invoice_for(membership, send=True, actor=admin)
    billing.invoice_hand_over_to_collection(
        invoice=invoice,
        handed_over_on=datetime.date(2026, 5, 4),
        agency="Perintä Oy",
        actor=admin,
    )
    return user, invoice


def test_a_debt_in_collection_is_a_claim_not_a_ground_to_refuse(debtor):
    """What the claim keeps and the rest of it: tests/gdpr/test_erasure_claims.py."""
    user, invoice = debtor
    assert erasure_refusal_grounds(user) == []
    plan = erasure_plan(user)
    assert len(plan.claims) == 1
    assert str(invoice.number) in str(plan.claims[0].reason)
    assert "Velkakerho ry" in str(plan.claims[0].reason)


def test_a_settled_debt_is_no_longer_a_claim(debtor):
    user, invoice = debtor
    billing.payment_record(
        organization=invoice.organization,
        amount=invoice.total,
        paid_on=datetime.date(2026, 6, 1),
        invoice=invoice,
        actor=None,
    )
    assert erasure_plan(user).claims == []


def test_the_plan_costs_the_same_queries_however_much_the_person_holds(controller):
    person = build_person("Q")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            erasure_plan(person.user)
        return len(captured.captured_queries)

    before = queries()
    for n in range(3):
        invoice_for(person.membership, notes=f"lisälasku {n}")
        CommunicationRecord.objects.create(
            subject=person.user, channel="phone", direction="incoming", kind="manual"
        )
        billing.payment_record(
            organization=person.organization,
            amount=Decimal("1.00"),
            paid_on=datetime.date(2026, 3, 1),
            invoice=Invoice.objects.filter(membership=person.membership).first(),
            actor=None,
        )
    assert queries() == before


def test_what_is_kept_of_an_answer_loses_the_persons_values_but_not_other_words():
    from django.utils import translation

    from gdpr.declarations import Identifier
    from gdpr.erasure.services import Redaction

    text = "Dear ANN, your annual fee and ann@example.fi were erased, Ann."
    redaction = Redaction.of([(Identifier.EMAIL, "ann@example.fi"), (Identifier.NAME, "Ann")])
    with translation.override("en"):
        kept = redaction.apply(text)
    assert kept == "Dear [erased], your annual fee and [erased] were erased, [erased]."
