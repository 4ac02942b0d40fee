"""Mailing a sent invoice: once, with the PDF, in the member's language, logged."""

from __future__ import annotations

import threading
import time
from unittest import mock

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.db import connection
from django.urls import reverse

from accounts.models import User
from billing import services
from billing.models import Invoice
from billing.sending import invoice_email_send
from communications.models import CommunicationRecord
from organizations.models import Membership, Organization
from tests.factories import UserFactory
from tests.organizations.factories import add_member, organization_with_admin

from .factories import invoice_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(db) -> User:
    return UserFactory(
        email="alice@example.fi", first_name="Alice", last_name="Aalto", preferred_language="en"
    )


@pytest.fixture
def club(db) -> Organization:
    return organization_with_admin(
        UserFactory(preferred_language="en"),
        name="Malmin Ilmailukerho ry",
        email="kassa@malmi.example",
    )


@pytest.fixture
def alice_membership(club, alice) -> Membership:
    return add_member(club, alice)


def _sent(membership: Membership, django_capture_on_commit_callbacks) -> Invoice:
    """Send a draft the way an admin does; the mail goes after commit."""
    draft = invoice_for(membership)
    with django_capture_on_commit_callbacks(execute=True):
        services.invoice_send(invoice=draft, actor=None)
    draft.refresh_from_db()
    return draft


def test_it_mails_the_invoice_once_with_its_pdf(
    alice_membership, alice, django_capture_on_commit_callbacks
):
    invoice = _sent(alice_membership, django_capture_on_commit_callbacks)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.fi"]
    assert message.reply_to == ["kassa@malmi.example"]
    assert message.subject == f"Invoice {invoice.number} from Malmin Ilmailukerho ry"
    assert "Hello Alice Aalto," in message.body
    assert "Amount due: 125,50\xa0€" in message.body
    assert "Reference number: 10016" in message.body
    assert "RF reference: RF08 1001 6" in message.body
    assert reverse("billing:my_invoice", args=[invoice.pk]) in message.body
    [(filename, content, mimetype)] = message.attachments
    assert filename == f"malmin-ilmailukerho-ry-invoice-{invoice.number}.pdf"
    assert mimetype == "application/pdf"
    assert content.startswith(b"%PDF-")
    assert invoice.sent_at is not None


def test_it_records_the_mail_as_a_communication(
    alice_membership, alice, django_capture_on_commit_callbacks
):
    invoice = _sent(alice_membership, django_capture_on_commit_callbacks)
    [record] = CommunicationRecord.objects.all()
    assert record.organization == alice_membership.organization
    assert record.subject == alice
    assert record.counterpart == "alice@example.fi"
    assert record.channel == CommunicationRecord.Channel.EMAIL
    assert record.direction == CommunicationRecord.Direction.OUTGOING
    assert record.subject_line == f"Invoice {invoice.number} from Malmin Ilmailukerho ry"
    assert record.related_object == f"billing.invoice:{invoice.pk}"


def test_a_second_run_sends_nothing(alice_membership, django_capture_on_commit_callbacks):
    invoice = _sent(alice_membership, django_capture_on_commit_callbacks)
    sent_at = invoice.sent_at

    assert invoice_email_send(invoice_id=invoice.pk) is False

    assert len(mail.outbox) == 1
    assert CommunicationRecord.objects.count() == 1
    invoice.refresh_from_db()
    assert invoice.sent_at == sent_at


def test_a_failed_send_leaves_it_unsent_for_the_retry(alice_membership):
    invoice = invoice_for(alice_membership, send=True)  # on_commit never runs here

    with (
        mock.patch.object(EmailMessage, "send", side_effect=OSError("SMTP down")),
        pytest.raises(OSError, match="SMTP down"),
    ):
        invoice_email_send(invoice_id=invoice.pk)

    invoice.refresh_from_db()
    assert invoice.sent_at is None
    assert CommunicationRecord.objects.count() == 0
    assert mail.outbox == []

    # The task's retry, once the server is back.
    assert invoice_email_send(invoice_id=invoice.pk) is True
    assert len(mail.outbox) == 1
    invoice.refresh_from_db()
    assert invoice.sent_at is not None
    assert CommunicationRecord.objects.count() == 1


def test_it_mails_in_the_members_language(club, django_capture_on_commit_callbacks):
    finnish = add_member(
        club, UserFactory(first_name="Aino", last_name="Virtanen", preferred_language="fi")
    )
    _sent(finnish, django_capture_on_commit_callbacks)
    assert mail.outbox[0].body.startswith("Hei Aino Virtanen,")


def test_it_sends_no_draft(alice_membership):
    draft = invoice_for(alice_membership)
    assert invoice_email_send(invoice_id=draft.pk) is False
    assert mail.outbox == []


def test_it_sends_no_invoice_credited_before_the_mail_went(alice_membership):
    invoice = invoice_for(alice_membership, send=True)
    services.invoice_credit(invoice=invoice, actor=None)
    assert invoice_email_send(invoice_id=invoice.pk) is False
    assert mail.outbox == []


def test_it_ignores_an_invoice_that_no_longer_exists(db):
    assert invoice_email_send(invoice_id=987654) is False


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_mail_once(alice_membership):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no row locks to race on")
    with mock.patch("billing.tasks.email_invoice.apply_async"):  # the workers below are the task
        invoice = invoice_for(alice_membership, send=True)
    send = EmailMessage.send

    def slow_send(message, *args, **kwargs):
        time.sleep(0.3)  # hold the row lock while the other worker arrives
        return send(message, *args, **kwargs)

    start = threading.Barrier(2)
    results: list[bool] = []

    def worker() -> None:
        from django.db import connection as thread_connection

        try:
            start.wait()
            results.append(invoice_email_send(invoice_id=invoice.pk))
        finally:
            thread_connection.close()

    with mock.patch.object(EmailMessage, "send", slow_send):
        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

    assert sorted(results) == [False, True]
    assert len(mail.outbox) == 1
    assert CommunicationRecord.objects.count() == 1
