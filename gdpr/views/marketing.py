"""The member's marketing choices: bans per channel and consents. (An organization admin's
mailing lists are organizations' pages, built on ``gdpr.api.marketing_audience``.)"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.sources import DataSource
from gdpr.forms import MarketingChoiceForm
from gdpr.marketing import consents
from gdpr.marketing import services as marketing
from gdpr.models import MarketingChannel, Suppression
from gdpr.notice.shown import notice_shown_token


@login_required
def marketing_choices(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = MarketingChoiceForm(request.POST)
        if form.is_valid():
            done = _apply(form.cleaned_data, user)
            if done:
                messages.success(request, done)
                return redirect("gdpr:marketing")
            # Only a consent can fail here: its text changed after the page was shown.
            messages.error(request, _("The text of this consent has changed. Read it again below."))
            return redirect("gdpr:marketing")
        for message in form.non_field_errors() or [_("Unknown choice.")]:
            messages.error(request, message)
    state = marketing.marketing_state(user)
    live = consents.live_consents(user)
    language = get_language() or user.preferred_language
    return render(
        request,
        "gdpr/marketing.html",
        {
            "channels": [
                {
                    "value": channel.value,
                    "label": channel.label,
                    "ban": state[channel.value],
                    # A ban kept from an erased earlier account, under the address's hash.
                    "kept": isinstance(state[channel.value], Suppression),
                    "needs_consent": channel in marketing.CONSENT_CHANNELS
                    and not set(consents.purposes_for_channel(channel)) & live.keys(),
                }
                for channel in MarketingChannel
            ],
            "all_banned": all(state.values()),
            # The consent forms carry it signed: the consent records the version linked here.
            "notice_version": notice_shown_token(),
            "consents": [
                {"purpose": p, "text": p.text_in(language), "consent": live.get(p.key)}
                for p in consents.consent_purposes()
            ],
        },
    )


def _apply(data: dict, user) -> str | None:
    """Carry out one choice at once (no controller step) and say what happened; ``None``
    when a consent's text is no longer the one the person read."""
    action = data["action"]
    source = DataSource.SUBJECT
    if action == MarketingChoiceForm.BAN_ALL:
        marketing.marketing_ban_all(user, source=source, actor=user)
        return _("All direct marketing to you has stopped.")
    if action == MarketingChoiceForm.BAN:
        marketing.marketing_ban(user, channels=[data["channel"]], source=source, actor=user)
        return _("Direct marketing by %(channel)s has stopped.") % {
            "channel": MarketingChannel(data["channel"]).label
        }
    if action == MarketingChoiceForm.LIFT:
        marketing.marketing_lift(user, channel=data["channel"], actor=user)
        return _("Your ban on marketing by %(channel)s was lifted.") % {
            "channel": MarketingChannel(data["channel"]).label
        }
    purpose = consents.consent_purpose(data["purpose"])
    if action == MarketingChoiceForm.CONSENT:
        if data["version"] != purpose.text_version:
            return None
        consents.consent_give(
            user,
            purpose=purpose.key,
            language=get_language() or user.preferred_language,
            source=source,
            actor=user,
            notice_shown=data.get("notice_version"),
        )
        return _("Your consent was recorded: %(purpose)s.") % {"purpose": purpose.label}
    consents.consent_withdraw(user, purpose=purpose.key, actor=user)
    return _("Your consent was withdrawn: %(purpose)s.") % {"purpose": purpose.label}
