"""Direct-marketing bans and audiences: a banned person never appears in any marketing
audience, and the bans take effect at once, recorded with time and source."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from gdpr.keys import address_key, email_key, phone_key
from gdpr.marketing import consents
from gdpr.marketing import services as marketing
from gdpr.marketing.hooks import marketing_audience_for
from gdpr.models import (
    Consent,
    MarketingBan,
    MarketingChannel,
    ProcessingRestriction,
    RequestKind,
    Suppression,
)
from gdpr.notice.shown import notice_shown_token
from gdpr.requests.member import member_request_file
from organizations.models import Membership
from tests.factories import UserFactory
from tests.organizations.factories import add_member, organization_with_admin

pytestmark = pytest.mark.django_db

CHANNELS = list(MarketingChannel.values)
MARKETING_URL = reverse("gdpr:marketing")


@pytest.fixture
def organization():
    # Nothing to send to and no consents: the admin is in no audience of these tests.
    admin = UserFactory(
        email="aila.admin@example.fi", preferred_language="en", street_address="", phone=""
    )
    return organization_with_admin(admin, name="Malmin Ilmailukerho ry")


@pytest.fixture
def admin(organization):
    return Membership.objects.get(organization=organization, role=Membership.Role.ADMIN).user


def reachable_person(organization, email: str, **profile) -> Membership:
    """A member with an address, a phone number and both consents: every channel may reach
    them unless something says otherwise. Each has their own address and number."""
    n = Membership.objects.count()
    profile = {"street_address": f"Kiitotie {n}", "phone": f"+35840{n:07d}", **profile}
    user = UserFactory(email=email, preferred_language="en", **profile)
    # The rows consent_give writes (tested in test_consents), without publishing the
    # privacy notice for each of the many people here.
    for purpose in (consents.EMAIL_OFFERS, consents.SMS_OFFERS):
        spec = consents.consent_purpose(purpose)
        Consent.objects.create(
            user=user,
            subject_key=email_key(user.email),
            purpose=purpose,
            text_version=spec.text_version,
            text_shown=spec.text_in("en"),
            language="en",
        )
    return add_member(organization, user)


def audience_emails(organization, channel: str) -> list[str]:
    memberships = Membership.objects.filter(organization=organization).order_by("pk")
    return [
        m.user.email if m.user else m.email
        for m in marketing.marketing_audience(rows=memberships, channel=channel)
    ]


# --- Every way out of an audience, on every channel ---------------------------------------


def _ban_one(m: Membership, channel: str) -> None:
    marketing.marketing_ban(m.user, channels=[channel], source="subject", actor=m.user)


def _ban_all(m: Membership, channel: str) -> None:
    marketing.marketing_ban_all(m.user, source="subject", actor=m.user)


def _objection(m: Membership, channel: str) -> None:
    member_request_file(m.user, kind=RequestKind.OBJECTION, marketing_channels=[channel])


def _suppressed_on_return(m: Membership, channel: str) -> None:
    # Erased earlier with a ban in force; came back with the same address and consented.
    key = marketing.suppression_keys(m.user)[channel][0]
    Suppression.objects.create(channel=channel, key=key)


def _restricted(m: Membership, channel: str) -> None:
    ProcessingRestriction.objects.create(user=m.user, reason="Accuracy contested")


def _erased(m: Membership, channel: str) -> None:
    m.user.is_active = False
    m.user.save(update_fields=["is_active"])


EXCLUSIONS = {
    "single-channel ban": _ban_one,
    "ban all": _ban_all,
    "objection request": _objection,
    "suppression entry": _suppressed_on_return,
    "restriction": _restricted,
    "erased account": _erased,
}


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("exclusion", list(EXCLUSIONS))
def test_a_person_who_said_no_never_appears_in_an_audience(organization, channel, exclusion):
    banned = reachable_person(organization, "banned@example.fi")
    reachable_person(organization, "welcome@example.fi")
    assert "banned@example.fi" in audience_emails(organization, channel)

    EXCLUSIONS[exclusion](banned, channel)

    assert audience_emails(organization, channel) == ["welcome@example.fi"]


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_ban_on_another_channel_does_not_exclude(organization, channel):
    person = reachable_person(organization, "person@example.fi")
    other = next(c for c in CHANNELS if c != channel)
    marketing.marketing_ban(person.user, channels=[other], source="subject", actor=person.user)
    assert audience_emails(organization, channel) == ["person@example.fi"]


@pytest.mark.parametrize("channel", ["email", "sms"])
def test_email_and_sms_need_a_live_consent(organization, channel):
    never = add_member(organization, UserFactory(email="never@example.fi"))
    withdrawn = reachable_person(organization, "withdrawn@example.fi")
    reachable_person(organization, "consents@example.fi")
    purpose = consents.EMAIL_OFFERS if channel == "email" else consents.SMS_OFFERS
    consents.consent_withdraw(withdrawn.user, purpose=purpose, actor=withdrawn.user)
    assert audience_emails(organization, channel) == ["consents@example.fi"]
    assert never.user.email not in audience_emails(organization, channel)


@pytest.mark.parametrize("channel", ["post", "phone"])
def test_post_and_calls_need_no_consent(organization, channel):
    add_member(organization, UserFactory(email="no-consent@example.fi"))
    assert "no-consent@example.fi" in audience_emails(organization, channel)


def test_an_erased_persons_address_readded_without_an_account_stays_out(organization):
    Suppression.objects.create(channel="email", key=email_key("Palannut@Example.fi"))
    Membership.objects.create(
        organization=organization,
        email="palannut@example.fi",
        name="Palannut Henkilö",
        status=Membership.Status.ACTIVE,
    )
    memberships = Membership.objects.filter(organization=organization)
    assert all(
        m.email != "palannut@example.fi"
        for m in marketing.marketing_audience(rows=memberships, channel="email")
    )
    # The check itself: the address typed by the admin is recognised by its hash.
    suppressed = {email_key("palannut@example.fi")}
    membership = memberships.get(email="palannut@example.fi")
    declared = marketing_audience_for(Membership)
    assert marketing._suppressed(membership, declared, "email", suppressed)


def test_suppression_keys_cover_every_channel():
    user = UserFactory(email="A@Example.fi", phone="+358401112222", street_address="Tie 1")
    keys = marketing.suppression_keys(user)
    assert keys["email"] == [email_key("a@example.fi")]
    assert keys["phone"] == keys["sms"] == [phone_key("040 111 2222")]
    assert keys["post"][0] == address_key("Tie 1", user.postal_code)
    # A ban kept before addresses were normalised still counts.
    from gdpr.keys import keyed_hash

    assert keyed_hash("address", f"tie 1|{user.postal_code}") in keys["post"]
    assert address_key("TIE  1", user.postal_code) == address_key("Tie 1", user.postal_code)


def test_people_without_anything_to_send_to_are_left_out(organization):
    reachable_person(organization, "no-phone@example.fi", phone="", street_address="")
    assert audience_emails(organization, "phone") == []
    assert audience_emails(organization, "sms") == []
    assert audience_emails(organization, "post") == []
    assert audience_emails(organization, "email") == ["no-phone@example.fi"]


@pytest.mark.parametrize("channel", CHANNELS)
def test_lifting_a_ban_puts_the_person_back(organization, channel):
    person = reachable_person(organization, "person@example.fi")
    marketing.marketing_ban_all(person.user, source="subject", actor=person.user)
    assert audience_emails(organization, channel) == []
    marketing.marketing_lift(person.user, channel=channel, actor=person.user)
    assert audience_emails(organization, channel) == ["person@example.fi"]


def test_lifting_removes_the_persons_own_suppression_entry(organization):
    person = reachable_person(organization, "back@example.fi")
    Suppression.objects.create(channel="email", key=email_key("back@example.fi"))
    Suppression.objects.create(channel="email", key=email_key("someone-else@example.fi"))
    marketing.marketing_lift(person.user, channel="email", actor=person.user)
    assert audience_emails(organization, "email") == ["back@example.fi"]
    assert Suppression.objects.filter(key=email_key("someone-else@example.fi")).exists()


@pytest.mark.parametrize("channel", CHANNELS)
def test_the_audience_streams_in_a_fixed_number_of_queries(
    organization, channel, django_assert_num_queries
):
    for count in (3, 30):
        for i in range(count):
            reachable_person(organization, f"p{count}-{i}@example.fi")
        Suppression.objects.create(channel=channel, key=f"k{count}")
        memberships = Membership.objects.filter(organization=organization)
        with django_assert_num_queries(2):
            people = list(
                marketing.marketing_audience(rows=memberships, channel=channel, chunk_size=7)
            )
        assert len(people) >= count


# --- Bans: at once, with time and source --------------------------------------------------


def test_a_ban_takes_effect_at_once_with_time_and_source(member):
    before = timezone.now()
    (ban,) = marketing.marketing_ban(member, channels=["phone"], source="controller", actor=None)
    assert ban.pk and ban.lifted_at is None
    assert before <= ban.banned_at <= timezone.now()
    assert ban.source == "controller"


def test_banning_twice_keeps_the_first_ban(member):
    (first,) = marketing.marketing_ban(member, channels=["email"], source="subject", actor=member)
    (again,) = marketing.marketing_ban(member, channels=["email"], source="subject", actor=member)
    assert again.pk == first.pk
    assert MarketingBan.objects.filter(user=member).count() == 1


def test_lifting_keeps_the_row_with_the_time(member):
    marketing.marketing_ban_all(member, source="subject", actor=member)
    lifted = marketing.marketing_lift(member, channel="sms", actor=member)
    assert lifted.lifted_at is not None
    assert MarketingBan.objects.filter(user=member).count() == 4
    assert marketing.marketing_lift(member, channel="sms", actor=member) is None
    # A new ban after a lift is a new row: the history shows both periods.
    marketing.marketing_ban(member, channels=["sms"], source="subject", actor=member)
    assert MarketingBan.objects.filter(user=member, channel="sms").count() == 2


@pytest.mark.parametrize("channels", [[], ["fax"], ["email", "fax"]])
def test_an_unknown_or_missing_channel_is_refused(member, channels):
    with pytest.raises(marketing.MarketingError):
        marketing.marketing_ban(member, channels=channels, source="subject", actor=member)
    assert not MarketingBan.objects.exists()


def test_bans_are_in_the_audit_trail_with_the_actor(member):
    from gdpr.models import AuditEntry

    marketing.marketing_ban(member, channels=["post"], source="subject", actor=member)
    entry = AuditEntry.objects.get(model="gdpr.marketingban")
    assert entry.actor == member
    assert entry.subject == member


# --- The member's marketing page -----------------------------------------------------------


@pytest.fixture
def english_member(db):
    return UserFactory(email="eino.english@example.fi", preferred_language="en")


@pytest.fixture
def english_client(client, english_member):
    client.force_login(english_member)
    return client


def test_the_page_bans_one_channel_at_once(english_client, english_member):
    response = english_client.post(MARKETING_URL, {"action": "ban", "channel": "post"})
    assert response.status_code == 302
    ban = MarketingBan.objects.get(user=english_member)
    assert (ban.channel, ban.source, ban.lifted_at) == ("post", "subject", None)
    content = english_client.get(MARKETING_URL).content.decode()
    assert "Direct marketing by Post has stopped." in content
    assert 'value="lift"' in content


def test_the_page_bans_everything_in_one_click(english_client, english_member):
    english_client.post(MARKETING_URL, {"action": "ban_all"})
    bans = MarketingBan.objects.filter(user=english_member, lifted_at__isnull=True)
    assert sorted(b.channel for b in bans) == sorted(CHANNELS)
    content = english_client.get(MARKETING_URL).content.decode()
    assert "All direct marketing to you is banned." in content


def test_the_page_lifts_a_ban(english_client, english_member):
    marketing.marketing_ban_all(english_member, source="subject", actor=english_member)
    english_client.post(MARKETING_URL, {"action": "lift", "channel": "phone"})
    assert MarketingBan.objects.get(user=english_member, channel="phone").lifted_at is not None
    assert MarketingBan.objects.filter(user=english_member, lifted_at__isnull=True).count() == 3


def test_the_page_shows_a_ban_kept_from_an_earlier_account(english_client, english_member):
    Suppression.objects.create(channel="email", key=email_key(english_member.email))
    content = english_client.get(MARKETING_URL).content.decode()
    assert "kept from your earlier account" in content


def test_the_page_gives_and_withdraws_a_consent(english_client, english_member):
    purpose = consents.consent_purpose(consents.EMAIL_OFFERS)
    english_client.post(
        MARKETING_URL,
        {
            "action": "consent",
            "purpose": purpose.key,
            "version": purpose.text_version,
            "notice_version": notice_shown_token(),
        },
    )
    consent = Consent.objects.get(user=english_member)
    assert consent.text_shown == purpose.text_in("en")
    assert consent.language == "en"
    content = english_client.get(MARKETING_URL).content.decode()
    email_row = content.split('id="channel-email"')[1].split("</tr>")[0]
    assert "state-allowed" in email_row
    sms_row = content.split('id="channel-sms"')[1].split("</tr>")[0]
    assert "Only with your consent" in sms_row
    english_client.post(MARKETING_URL, {"action": "withdraw", "purpose": purpose.key})
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None


def test_a_consent_records_the_notice_version_its_page_linked(english_client, english_member):
    from gdpr.models import NoticeVersion
    from gdpr.notice.document import notice_publish

    page = english_client.get(MARKETING_URL).content.decode()
    shown = notice_publish()
    token = re.search(r'name="notice_version" value="([^"]+)"', page)[1]
    newer = NoticeVersion.objects.create(
        number=shown.number + 1, content_hash="f" * 64, content=shown.content
    )
    purpose = consents.consent_purpose(consents.EMAIL_OFFERS)
    english_client.post(
        MARKETING_URL,
        {
            "action": "consent",
            "purpose": purpose.key,
            "version": purpose.text_version,
            "notice_version": token,
        },
    )
    consent = Consent.objects.get(user=english_member)
    assert consent.notice_version == shown != newer


def test_a_consent_to_a_text_no_longer_shown_is_not_recorded(english_client, english_member):
    response = english_client.post(
        MARKETING_URL,
        {
            "action": "consent",
            "purpose": consents.EMAIL_OFFERS,
            "version": "old-version",
            "notice_version": notice_shown_token(),
        },
        follow=True,
    )
    assert "The text of this consent has changed." in response.content.decode()
    assert not Consent.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"action": "explode"},
        {"action": "ban"},
        {"action": "ban", "channel": "fax"},
        {"action": "consent", "purpose": "nonsense"},
    ],
)
def test_bad_input_changes_nothing_and_says_so(english_client, data):
    response = english_client.post(MARKETING_URL, data)
    assert response.status_code == 200
    assert 'class="message message-error"' in response.content.decode()
    assert not MarketingBan.objects.exists()
    assert not Consent.objects.exists()


def test_the_marketing_page_query_count_is_fixed(
    client, english_member, django_assert_max_num_queries
):
    marketing.marketing_ban_all(english_member, source="subject", actor=english_member)
    for channel in CHANNELS:
        marketing.marketing_lift(english_member, channel=channel, actor=english_member)
        marketing.marketing_ban(english_member, channels=[channel], source="subject", actor=None)
    client.force_login(english_member)
    client.get(MARKETING_URL)
    # The page's 7, bans, suppressions, live consents, and the notice version it links
    # (the latest version and the disclosure facts it is built from).
    with django_assert_max_num_queries(13):
        assert client.get(MARKETING_URL).status_code == 200
