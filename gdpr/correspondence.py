"""The mail the service sends to people, handed to whichever app keeps the log of it.

gdpr, organizations and billing send mail about people (acknowledgements, invitations,
invoices); communications keeps the record of it. Senders call the functions here and
the keeper declares itself with ``register_correspondence_log`` from its
``AppConfig.ready()``, so no sender imports the keeper. Without a keeper, nothing is
logged (and nothing needs forgetting).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models

if TYPE_CHECKING:
    from accounts.models import User


@dataclass(frozen=True)
class CorrespondenceLog:
    """How the keeper of the mail log takes each event.

    ``record_mail`` takes the keyword arguments of ``log_mail``; ``forget`` deletes the
    records about objects that are deleted and returns how many went; ``attach_person``
    links records about an object to the person once known and returns how many."""

    record_mail: Callable[..., Any]
    forget: Callable[[list[models.Model]], int]
    attach_person: Callable[[models.Model, User], int]


_logs: list[CorrespondenceLog] = []


def register_correspondence_log(log: CorrespondenceLog) -> CorrespondenceLog:
    if log not in _logs:
        _logs.append(log)
    return log


def log_mail(
    *,
    organization: models.Model | None,
    subject: User | None,
    counterpart: str,
    subject_line: str,
    summary: str = "",
    related: models.Model | None = None,
) -> None:
    """Record an email the service sent automatically (invitation, invoice, answer)."""
    for log in _logs:
        log.record_mail(
            organization=organization,
            subject=subject,
            counterpart=counterpart,
            subject_line=subject_line,
            summary=summary,
            related=related,
        )


def forget_mail_about(*, related: Iterable[models.Model]) -> int:
    """The records about these objects that reached nobody's account go with them."""
    objects = list(related)
    if not objects:
        return 0
    return sum(log.forget(objects) for log in _logs)


def attach_mail_to_person(*, related: models.Model, user: User) -> int:
    """Records about ``related`` (e.g. an invitation) are linked to the person once known."""
    return sum(log.attach_person(related, user) for log in _logs)
