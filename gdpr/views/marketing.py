"""The member's marketing choices (bans per channel, consents) and an organization admin's
mailing lists, which are marketing audiences and so leave out everyone who said no."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.sources import DataSource
from gdpr.forms import MarketingChoiceForm
from gdpr.marketing import consents
from gdpr.marketing import services as marketing
from gdpr.models import MarketingChannel, Suppression
from gdpr.notice.document import notice_publish
from organizations import permissions as org_permissions
from organizations import services as org_services
from organizations.models import Membership
from registry.csv_download import csv_download


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
            # The consent forms carry it: the consent records the version linked here.
            "notice_version": notice_publish().number,
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


# --- An organization admin's mailing lists ------------------------------------------------


def _columns(channel: str) -> list[tuple[str, object]]:
    """(header, value of a membership) for the channel's CSV."""

    def name(m: Membership) -> str:
        return m.user.get_full_name() if m.user else m.name

    if channel == MarketingChannel.EMAIL:
        return [
            (_("Name"), name),
            (_("Email address"), lambda m: m.user.email if m.user else m.email),
        ]
    if channel == MarketingChannel.POST:
        return [
            (_("Name"), name),
            (_("Street address"), lambda m: m.user.street_address),
            (_("Postal code"), lambda m: m.user.postal_code),
            (_("City"), lambda m: m.user.city),
            (_("Country"), lambda m: m.user.country.name if m.user.country else ""),
        ]
    # E.164, which spreadsheets do not read as a formula and dialers understand.
    return [(_("Name"), name), (_("Phone number"), lambda m: m.user.phone.as_e164)]


@login_required
def org_mailing_list(request: HttpRequest, pk: int, channel: str) -> StreamingHttpResponse:
    """The organization's active members that marketing may reach on ``channel``, as CSV.

    Built on ``marketing.audience``, so bans, suppressions, restrictions and missing
    consents are left out; the export is logged in "who has seen my data".
    """
    organization = org_permissions.get_organization_for_admin(request.user, pk)
    if channel not in MarketingChannel.values:
        raise Http404
    memberships = Membership.objects.filter(
        organization=organization, status=Membership.Status.ACTIVE
    ).order_by("sort_name", "id")
    # Logged in SQL before streaming; a suppressed person with an account may be logged
    # though left out of the file (the hash check runs in Python) — over-reporting, never
    # under-reporting, who has seen whose data.
    org_services.member_export_record(
        viewer=request.user,
        memberships=marketing.audience_queryset(memberships, channel=channel),
    )
    columns = _columns(channel)
    filename = (
        f"{slugify(organization.name) or 'members'}-{slugify(channel)}"
        f"-{timezone.localdate():%Y-%m-%d}.csv"
    )
    return csv_download(
        [header for header, _value in columns],
        (
            [value(membership) for _header, value in columns]
            for membership in marketing.audience(memberships, channel=channel)
        ),
        filename=filename,
    )
