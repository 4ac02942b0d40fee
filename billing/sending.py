"""Mailing a sent invoice, a credit note or a reminder to the member, with its PDF, once."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gdpr.api import log_mail

from . import pdf, states
from .models import Invoice, Reminder


def _language(invoice: Invoice) -> str:
    user = invoice.membership.user
    return user.preferred_language if user is not None else settings.LANGUAGE_CODE


def _site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _message(invoice: Invoice, to: str) -> EmailMessage:
    """The mail with its PDF, in the active language."""
    document = pdf.invoice_document_context(invoice=invoice)
    names = {"number": invoice.number, "organization": invoice.organization.name}
    if invoice.is_credit_note:
        subject = _("Credit note %(number)s from %(organization)s") % names
    else:
        subject = _("Invoice %(number)s from %(organization)s") % names
    body = render_to_string(
        "billing/email/credit_note.txt" if invoice.is_credit_note else "billing/email/invoice.txt",
        {**document, "url": _site_url(reverse("billing:my_invoice", args=[invoice.pk]))},
    )
    message = EmailMessage(
        subject=subject,
        body=body,
        to=[to],
        reply_to=[invoice.organization.email] if invoice.organization.email else None,
    )
    message.attach(
        pdf.invoice_pdf_filename(invoice),
        pdf.invoice_pdf(invoice=invoice, document=document),
        "application/pdf",
    )
    return message


@transaction.atomic
def invoice_email_send(*, invoice_id: int) -> bool:
    """Mail a sent invoice to its recipient once; False when there was nothing to send.

    The row stays locked while mailing, so a task delivered twice waits and then finds
    ``sent_at`` set; a failed send rolls everything back and the task's retry tries again.
    (A crash between the SMTP server's acceptance and the commit can still mail twice:
    at least once is the promise a mail server lets us keep.)
    """
    # of=("self",): PostgreSQL cannot lock the nullable side of the outer join to the user.
    invoice = (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("organization", "membership__user", "credit_note_for")
        .filter(pk=invoice_id)
        .first()
    )
    # Sent (it may be paid or overdue by the time the mail goes), not void, mailed once.
    if invoice is None or invoice.sent_at is not None or not states.is_mailable(invoice):
        return False
    to = invoice.recipient_email or invoice.membership.email
    if not to:
        return False
    with translation.override(_language(invoice)):
        message = _message(invoice, to)
    message.send()
    invoice.sent_at = timezone.now()
    invoice.save(update_fields=["sent_at"])
    log_mail(
        organization=invoice.organization,
        subject=invoice.membership.user,
        counterpart=to,
        subject_line=message.subject,
        summary=message.attachments[0].filename,
        related=invoice,
    )
    return True


@transaction.atomic
def reminder_email_send(*, reminder_id: int) -> bool:
    """Mail a reminder with its PDF to the member once, in the member's language; False
    when there was nothing to send. Locked and marked as ``invoice_email_send`` does."""
    reminder = (
        Reminder.objects.select_for_update(of=("self",))
        .select_related("invoice__organization", "invoice__membership__user")
        .filter(pk=reminder_id)
        .first()
    )
    if reminder is None or reminder.sent_at is not None:
        return False
    invoice = reminder.invoice
    # Paid or credited before the mail went: the reminder is no longer true.
    if not states.allows(invoice, states.Action.REMIND):
        return False
    to = invoice.recipient_email or invoice.membership.email
    if not to:
        return False
    with translation.override(_language(invoice)):
        document = pdf.reminder_document_context(reminder=reminder)
        subject = _("Payment reminder: invoice %(number)s from %(organization)s") % {
            "number": invoice.number,
            "organization": invoice.organization.name,
        }
        body = render_to_string(
            "billing/email/reminder.txt",
            {**document, "url": _site_url(reverse("billing:my_invoice", args=[invoice.pk]))},
        )
        message = EmailMessage(
            subject=subject,
            body=body,
            to=[to],
            reply_to=[invoice.organization.email] if invoice.organization.email else None,
        )
        attachment = pdf.reminder_pdf(reminder=reminder)
        message.attach(pdf.reminder_pdf_filename(reminder), attachment, "application/pdf")
    message.send()
    reminder.sent_at = timezone.now()
    reminder.save(update_fields=["sent_at"])
    log_mail(
        organization=invoice.organization,
        subject=invoice.membership.user,
        counterpart=to,
        subject_line=message.subject,
        summary=message.attachments[0].filename,
        related=reminder,
    )
    return True
