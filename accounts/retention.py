"""Retention of account data: sign-in history and signups that were never confirmed."""

from __future__ import annotations

import datetime
import logging

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, ProtectedError
from django.utils.translation import gettext_lazy as _

from gdpr.api import RetentionJob, register_job

from .models import User
from .services import login_events_purge

logger = logging.getLogger(__name__)


def purge_login_events(now: datetime.datetime) -> dict[str, int]:
    cutoff = now - datetime.timedelta(days=settings.LOGIN_EVENT_RETENTION_DAYS)
    return {"accounts.LoginEvent": login_events_purge(older_than=cutoff)}


def unconfirmed_signups(now: datetime.datetime):
    """Accounts whose address was never confirmed, never signed in, older than the
    confirmation period: nobody can use them, so nothing justifies keeping them."""
    cutoff = now - datetime.timedelta(days=settings.UNCONFIRMED_SIGNUP_RETENTION_DAYS)
    verified = EmailAddress.objects.filter(user=OuterRef("pk"), verified=True)
    return User.objects.filter(
        date_joined__lt=cutoff,
        last_login__isnull=True,
        is_staff=False,
        is_superuser=False,
    ).exclude(Exists(verified))


def purge_unconfirmed_signups(now: datetime.datetime) -> dict[str, int]:
    count = 0
    for user in unconfirmed_signups(now).iterator(chunk_size=500):
        try:
            # One savepoint each: a row another app protects keeps that one account (and
            # is logged) without failing the job for every other account, every day.
            with transaction.atomic():
                user.delete()
        except ProtectedError as error:
            logger.warning("Unconfirmed signup %s kept: %s", user.pk, error)
            continue
        count += 1
    return {"accounts.User": count}


register_job(
    RetentionJob(
        name="accounts.login_events",
        label=_("Sign-in history past its retention period"),
        run=purge_login_events,
    )
)
register_job(
    RetentionJob(
        name="accounts.unconfirmed_signups",
        label=_("Signups whose email address was never confirmed"),
        run=purge_unconfirmed_signups,
    )
)
