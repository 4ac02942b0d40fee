"""Erasure under a legal claim (Art. 17(3)(e)): a debt in collection keeps, restricted,
only what the claim needs; the rest goes now, and the held rows once it is settled."""

from __future__ import annotations

import datetime
import json

import pytest
from django.contrib.contenttypes.models import ContentType
from django.template.loader import render_to_string
from django.utils import translation

from accounts.models import User
from billing import services as billing
from billing.models import Contract, Invoice
from gdpr.erasure.replay import ledger_replay
from gdpr.erasure.services import erasure_execute, erasure_plan
from gdpr.ledger import entry_as_json
from gdpr.models import (
    AuditEntry,
    ClaimHold,
    DataSubjectRequest,
    ErasureLedgerEntry,
    RequestKind,
    RequestStatus,
)
from gdpr.requests.services import request_complete, request_file
from gdpr.retention.jobs import run_job
from organizations.models import Membership
from tests.billing.factories import contract_for, invoice_for
from tests.factories import StaffFactory, UserFactory
from tests.organizations.factories import add_member, organization_with_admin

pytestmark = pytest.mark.django_db

JOB = "gdpr.settled_claims"


@pytest.fixture
def controller(db) -> User:
    return StaffFactory(email="tilda.controller@example.fi", preferred_language="en")


@pytest.fixture
def debtor(db):
    """A member of two clubs: in one, an overdue invoice handed over for debt collection
    (and an open contract); in the other, a plain membership."""
    user = UserFactory(
        first_name="Veera",
        last_name="Velallinen",
        email="veera.velallinen@example.fi",
        phone="+358401234567",
        street_address="Velkatie 9",
        preferred_language="en",
    )
    admin = UserFactory()
    club = organization_with_admin(admin, name="Velkakerho ry")
    membership = add_member(club, user, member_number="501")
    contract = contract_for(membership, actor=admin)
    invoice = invoice_for(membership, send=True, actor=admin)
    billing.invoice_hand_over_to_collection(
        invoice=invoice,
        handed_over_on=datetime.date(2026, 5, 4),
        agency="Perintä Oy",
        actor=admin,
    )
    other = add_member(organization_with_admin(UserFactory(), name="Toinen kerho ry"), user)
    return {
        "user": user,
        "admin": admin,
        "membership": membership,
        "other": other,
        "invoice": invoice,
        "contract": contract,
    }


def erasure_request(user: User) -> DataSubjectRequest:
    request = request_file(subject=user, kind=RequestKind.ERASURE, actor=user)
    DataSubjectRequest.objects.filter(pk=request.pk).update(status=RequestStatus.IN_PROGRESS)
    request.refresh_from_db()
    return request


def held_rows() -> set[tuple[str, str]]:
    return {
        (hold.content_type.model_class()._meta.label, hold.object_id)
        for hold in ClaimHold.objects.select_related("content_type")
    }


def test_a_claim_no_longer_refuses_the_erasure_but_keeps_what_it_needs(debtor, controller):
    user, membership, invoice = debtor["user"], debtor["membership"], debtor["invoice"]
    plan = erasure_plan(user)
    assert plan.refusal_grounds == []
    assert [claim.source for claim in plan.claims] == ["billing.debt_in_collection"]
    request = erasure_request(user)

    outcome = erasure_execute(request, actor=controller)

    # The profile is gone; the membership the claim needs keeps the name and address the
    # claim is pursued with, detached from the (deleted) account and ended.
    assert not User.objects.filter(pk=user.pk).exists()
    membership.refresh_from_db()
    assert membership.user_id is None
    assert membership.status == Membership.Status.ENDED
    assert membership.name == "Veera Velallinen"
    assert membership.email == "veera.velallinen@example.fi"
    invoice.refresh_from_db()
    assert invoice.recipient_name == "Veera Velallinen"
    # Everything the claim does not need is erased as usual.
    other = Membership.objects.get(pk=debtor["other"].pk)
    assert (other.user_id, other.name, other.email) == (None, "", "")
    assert not Contract.objects.filter(pk=debtor["contract"].pk).exists()
    # Restricted: each kept row is recorded against the claim and the request.
    assert held_rows() >= {
        ("organizations.Membership", str(membership.pk)),
        ("billing.Invoice", str(invoice.pk)),
    }
    hold = ClaimHold.objects.get(
        content_type=ContentType.objects.get_for_model(Membership), object_id=str(membership.pk)
    )
    assert hold.request_id == request.pk
    assert hold.claim_key == f"invoice:{invoice.pk}"
    assert str(invoice.number) in hold.reason
    assert hold.released_at is None
    held = {item["model"]: item["count"] for item in outcome.summary["held"]}
    assert held["organizations.Membership"] == 1
    assert held["billing.Invoice"] == 1
    # Only the debt's membership is counted as held, not anonymised.
    assert outcome.summary["anonymised"]["organizations.Membership"] == 1


def test_nothing_else_is_kept(debtor, controller):
    """Only the claim's own rows are held: the other club's membership is not."""
    erasure_execute(erasure_request(debtor["user"]), actor=controller)
    held_models = {label for label, _pk in held_rows()}
    assert held_models <= {
        "billing.Invoice",
        "billing.InvoiceLine",
        "billing.Reminder",
        "billing.Payment",
        "organizations.Membership",
    }
    assert ("organizations.Membership", str(debtor["other"].pk)) not in held_rows()
    assert not Membership.objects.filter(name="Veera Velallinen").exclude(
        pk=debtor["membership"].pk
    )


def test_the_preview_says_what_the_claim_keeps_and_why(debtor):
    plan = erasure_plan(debtor["user"])
    with translation.override("en"):
        html = render_to_string("gdpr/_erasure_plan.html", {"plan": plan})
        assert "Kept, restricted, for a legal claim" in html
        assert f"Invoice {debtor['invoice'].number} from Velkakerho ry" in html
        assert "4.5.2026" in html
        assert "erased once it is settled" in html
    claim = plan.claims[0]
    assert {item.model: item.count for item in claim.records}["organizations.Membership"] == 1
    # The debt's membership is no longer counted among those anonymised now: only the
    # other club's is.
    anonymised = {i.model: i.count for i in plan.anonymised}
    assert anonymised["organizations.Membership"] == 1


def test_the_answer_says_what_the_claim_keeps_and_why(
    debtor, controller, mailoutbox, django_capture_on_commit_callbacks
):
    request = erasure_request(debtor["user"])
    with django_capture_on_commit_callbacks(execute=True):
        erasure_execute(request, actor=controller)
        request.refresh_from_db()
        request_complete(
            request,
            response="Your data has been erased.",
            actor=controller,
            notify_to="veera.velallinen@example.fi",
            notify_language="en",
        )
    body = mailoutbox[-1].body
    assert "Needed to establish, exercise or defend a legal claim" in body
    assert "until the claim is settled" in body
    assert "Members: 1" in body or "Memberships: 1" in body


def test_the_job_erases_the_held_rows_once_the_claim_is_settled(debtor, controller):
    membership, invoice = debtor["membership"], debtor["invoice"]
    erasure_execute(erasure_request(debtor["user"]), actor=controller)

    # Not settled yet: nothing happens.
    run = run_job(JOB)
    assert run.counts == {}
    membership.refresh_from_db()
    assert membership.name == "Veera Velallinen"

    billing.payment_record(
        organization=invoice.organization,
        amount=invoice.total,
        paid_on=datetime.date(2026, 6, 1),
        invoice=invoice,
        actor=None,
    )
    run = run_job(JOB)
    assert run.counts["organizations.Membership"] == 1
    membership.refresh_from_db()
    assert (membership.name, membership.email, membership.member_number) == ("", "", "")
    assert not ClaimHold.objects.filter(released_at__isnull=True).exists()
    # The values the trail recorded about the membership are blanked too.
    assert not AuditEntry.objects.filter(
        model="organizations.membership", object_id=str(membership.pk), erased=False
    ).exclude(changes={})

    # Safe to run twice: the second run finds nothing.
    released = list(ClaimHold.objects.values_list("pk", "released_at"))
    again = run_job(JOB)
    assert again.counts == {}
    assert list(ClaimHold.objects.values_list("pk", "released_at")) == released
    # The invoice itself is a voucher: its own purge takes it when its date has passed.
    assert Invoice.objects.filter(pk=invoice.pk).exists()


def test_a_row_two_claims_need_waits_for_both(debtor, controller):
    """The membership is held by two invoices in collection: paying one keeps it."""
    membership, first = debtor["membership"], debtor["invoice"]
    second = invoice_for(membership, send=True, actor=debtor["admin"])
    billing.invoice_hand_over_to_collection(
        invoice=second,
        handed_over_on=datetime.date(2026, 5, 5),
        agency="Perintä Oy",
        actor=debtor["admin"],
    )
    erasure_execute(erasure_request(debtor["user"]), actor=controller)
    billing.payment_record(
        organization=first.organization,
        amount=first.total,
        paid_on=datetime.date(2026, 6, 1),
        invoice=first,
        actor=None,
    )
    run_job(JOB)
    membership.refresh_from_db()
    assert membership.name == "Veera Velallinen"
    assert ClaimHold.objects.filter(released_at__isnull=True, claim_key=f"invoice:{second.pk}")


def test_a_settled_claims_erasure_is_in_the_ledger_and_replays(debtor, controller):
    """A restore brings back the held row as it was before the claim was settled: the
    ledger's entry erases it again, the same way."""
    membership, invoice = debtor["membership"], debtor["invoice"]
    erasure_execute(erasure_request(debtor["user"]), actor=controller)
    billing.payment_record(
        organization=invoice.organization,
        amount=invoice.total,
        paid_on=datetime.date(2026, 6, 1),
        invoice=invoice,
        actor=None,
    )
    run_job(JOB)
    (entry,) = ErasureLedgerEntry.objects.filter(kind=ErasureLedgerEntry.Kind.CLAIM_SETTLED)
    assert str(membership.pk) in entry.payload["rows"]["organizations.membership"]
    text = json.dumps(entry.payload)
    assert not [v for v in ("Velallinen", "Veera", "401234567", "Velkatie") if v in text]

    # As in a database restored from before the settlement.
    data = entry_as_json(entry)
    ErasureLedgerEntry.objects.filter(kind=ErasureLedgerEntry.Kind.CLAIM_SETTLED).delete()
    Membership.objects.filter(pk=membership.pk).update(name="Veera Velallinen")
    ClaimHold.objects.update(released_at=None)

    (replayed,) = ledger_replay([data])
    assert replayed.counts["organizations.Membership"] == 1
    membership.refresh_from_db()
    assert membership.name == ""
    assert not ClaimHold.objects.filter(released_at__isnull=True).exists()
