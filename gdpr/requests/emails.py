"""Mail to the person a data-subject request is about: the acknowledgement, the
extension with its reasons, the answer, the refusal with the right to complain.

Rendered at once, in the person's language and from the request as it stands in the
transaction; sent by a Celery task only after the commit, so a step that rolls back never
mails anyone, and a mail server that is down is retried without redoing the step.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from gdpr.correspondence import log_mail
from gdpr.models import DataSubjectRequest, RequestEvent
from gdpr.notice.document import controller_contact
from registry.outbox.services import enqueue_on_commit

logger = logging.getLogger(__name__)

TEMPLATE_DIR = "gdpr/email"


def subject_address(request: DataSubjectRequest) -> str:
    """Where the person is answered: their account's address, else the one they gave."""
    user = request.subject
    if user is not None and user.email:
        return user.email
    return request.subject_email


def subject_language(request: DataSubjectRequest) -> str:
    user = request.subject
    language = getattr(user, "preferred_language", "") if user is not None else ""
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _request_url(request: DataSubjectRequest) -> str:
    # Only a person with an account can open the request's page.
    if request.subject_id is None:
        return ""
    try:
        return site_url(reverse("gdpr:request_detail", kwargs={"public_id": request.public_id}))
    except NoReverseMatch:
        return ""


def render_subject_email(
    request: DataSubjectRequest,
    *,
    template: str,
    context: dict | None,
    language: str,
    controller: dict[str, str] | None = None,
) -> tuple[str, str]:
    """The subject line and body of ``template`` in ``language`` (``controller``: the
    controller's contact, when the caller has read it already)."""
    controller = controller or controller_contact()
    full_context: dict[str, Any] = {
        "request": request,
        "name": request.subject_name
        or (request.subject.get_full_name() if request.subject else ""),
        "request_url": _request_url(request),
        "controller": controller,
        "controller_name": controller["name"],
        "deadline": request.deadline,
        **(context or {}),
    }
    with translation.override(language):
        # The request's labels (kind, status) come out in the person's language too.
        full_context.setdefault("kind", request.get_kind_display())
        subject = render_to_string(f"{TEMPLATE_DIR}/{template}_subject.txt", full_context)
        body = render_to_string(f"{TEMPLATE_DIR}/{template}_body.txt", full_context)
    return " ".join(subject.split()), body


def notify_subject(
    request: DataSubjectRequest,
    *,
    template: str,
    context: dict | None = None,
    to: str = "",
    language: str = "",
    record: bool = True,
    sent_step: str = "",
    controller: dict[str, str] | None = None,
) -> None:
    """Mail ``templates/gdpr/email/<template>_subject.txt`` and ``_body.txt`` to the
    person, in their language, once the transaction commits; the mail is logged as a
    communication record (unless ``record`` is False: after an erasure the record would
    keep the address the erasure removed).

    ``sent_step``: a step of the request recorded only once the mail has really left
    (e.g. that the person was told of an extension); a mail that finally fails is a step
    of its own, so the desk sees it.

    ``to``/``language`` override the request's own, for mail sent after an erasure;
    ``controller`` is ``controller_contact()`` when the caller has read it already.
    Without any address there is nobody to mail (nothing happens)."""
    to = to or subject_address(request)
    if not to:
        logger.info("Request %s: no address for the %s mail", request.pk, template)
        return
    language = language or subject_language(request)
    controller = controller or controller_contact()
    subject_line, body = render_subject_email(
        request, template=template, context=context, language=language, controller=controller
    )
    reply_to = controller["email"]
    request_id = request.pk
    # The address and the rendered text travel with the task: a mail sent after an
    # erasure has nothing left in the database to render it from. The outbox row that
    # holds them lives only until the broker takes the task.
    enqueue_on_commit(
        send_subject_email,
        request_id=request_id,
        to=to,
        subject_line=subject_line,
        body=body,
        reply_to=reply_to,
        summary=_mail_summary(request, language) if record else "",
        record=record,
        sent_step=sent_step,
    )


@shared_task(
    bind=True,
    name="gdpr.requests.emails.send_subject_email",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_subject_email(
    self,
    *,
    request_id: int,
    to: str,
    subject_line: str,
    body: str,
    reply_to: str = "",
    summary: str = "",
    record: bool = True,
    sent_step: str = "",
) -> None:
    """Send one rendered mail and log it (SMTP errors are OSErrors: retried)."""
    message = EmailMessage(
        subject=subject_line, body=body, to=[to], reply_to=[reply_to] if reply_to else None
    )
    try:
        message.send()
    except OSError as error:
        if self.request.retries >= self.max_retries:
            # Every retry spent: the request's trail says so, where the handler looks.
            _record_failed(request_id, subject_line, error)
        raise
    if sent_step:
        _record_sent(request_id, sent_step, to)
    if not record:
        return
    request = DataSubjectRequest.objects.select_related("subject").filter(pk=request_id).first()
    log_mail(
        organization=None,
        subject=request.subject if request is not None else None,
        counterpart=to,
        subject_line=subject_line,
        summary=summary,
        related=request,
    )


def _mail_summary(request: DataSubjectRequest, language: str) -> str:
    """The communication record's summary, in the mail's language: what the mail was
    about in words (the template's name is for the code)."""
    with translation.override(language):
        return gettext("Automatic message about your request: %(kind)s") % {
            "kind": request.get_kind_display()
        }


# Steps a mail stands for that the request also stamps, by the field it stamps.
SENT_STEP_STAMPS = {RequestEvent.Action.EXTENSION_NOTIFIED: "extension_notified_at"}


def _record_sent(request_id: int, step: str, to: str) -> None:
    """The step a mail stands for, once it has left; once, however often the task runs."""
    stamp = SENT_STEP_STAMPS.get(step)
    if stamp is not None:
        first = DataSubjectRequest.objects.filter(
            pk=request_id, **{f"{stamp}__isnull": True}
        ).update(**{stamp: timezone.now()})
        if not first:
            return
    RequestEvent.objects.create(request_id=request_id, action=step, note=to, internal=True)


def _record_failed(request_id: int, subject_line: str, error: Exception) -> None:
    if DataSubjectRequest.objects.filter(pk=request_id).exists():
        RequestEvent.objects.create(
            request_id=request_id,
            action=RequestEvent.Action.MAIL_FAILED,
            note=f"{subject_line}: {error}"[:500],
            internal=True,
        )
