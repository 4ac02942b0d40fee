"""Behind reverse proxies the rate limits and every recorded address count the person,
not the proxy; without trusted proxies X-Forwarded-For counts for nothing."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.client_ip import client_ip
from accounts.models import LoginEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("account_login")
ATTACKER = "203.0.113.66"
PERSON = "198.51.100.7"

# (trusted proxies, the chain as the app receives it from a client, the last proxy).
# Each proxy appends the address it was reached from; the client may have written
# anything in front (here 192.0.2.250).
THROUGH_PROXIES = [
    (1, "192.0.2.250, {client}", "10.0.0.1"),
    (2, "192.0.2.250, {client}, 10.0.0.1", "10.0.0.2"),
]


def via(proxies: str, proxy: str, client: str) -> dict[str, str]:
    return {"HTTP_X_FORWARDED_FOR": proxies.format(client=client), "REMOTE_ADDR": proxy}


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize(("count", "chain", "proxy"), THROUGH_PROXIES)
def test_failed_logins_of_one_client_do_not_block_another_behind_the_same_proxy(
    settings, password, count, chain, proxy
):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = count
    member = UserFactory()
    attacker = Client()
    for i in range(12):
        attacker.post(
            LOGIN,
            {"login": f"guess{i}@example.fi", "password": "wrong-wrong"},
            **via(chain, proxy, ATTACKER),
        )
    # The attacker has used up their limit: even a right password is refused to them...
    right = {"login": member.email, "password": password}
    attacker.post(LOGIN, right, **via(chain, proxy, ATTACKER))
    assert not signed_in(attacker)
    # ...but the person behind the same proxy signs in.
    person = Client()
    person.post(LOGIN, right, **via(chain, proxy, PERSON))
    assert signed_in(person)


@pytest.mark.parametrize(("count", "chain", "proxy"), THROUGH_PROXIES)
def test_sign_in_history_records_the_client_behind_the_proxies(
    client, settings, member, password, count, chain, proxy
):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = count
    client.post(
        LOGIN, {"login": member.email, "password": "wrong-wrong"}, **via(chain, proxy, PERSON)
    )
    client.post(LOGIN, {"login": member.email, "password": password}, **via(chain, proxy, PERSON))
    assert set(LoginEvent.objects.values_list("outcome", "ip_address")) == {
        (LoginEvent.Outcome.FAILURE, PERSON),
        (LoginEvent.Outcome.SUCCESS, PERSON),
    }


def test_without_trusted_proxies_a_forged_forwarded_for_is_ignored(client, member, password):
    client.post(
        LOGIN,
        {"login": member.email, "password": "wrong-wrong"},
        HTTP_X_FORWARDED_FOR="192.0.2.100",
        REMOTE_ADDR=ATTACKER,
    )
    assert LoginEvent.objects.get(user=member).ip_address == ATTACKER
    # A new false address on every attempt does not escape the limit either.
    for i in range(12):
        client.post(
            LOGIN,
            {"login": f"guess{i}@example.fi", "password": "wrong-wrong"},
            HTTP_X_FORWARDED_FOR=f"192.0.2.{i}",
            REMOTE_ADDR=ATTACKER,
        )
    client.post(
        LOGIN,
        {"login": member.email, "password": password},
        HTTP_X_FORWARDED_FOR="192.0.2.200",
        REMOTE_ADDR=ATTACKER,
    )
    assert not signed_in(client)


def test_a_configured_client_ip_header_is_used(client, settings, member, password):
    settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"
    client.post(
        LOGIN,
        {"login": member.email, "password": password},
        HTTP_X_REAL_IP=PERSON,
        HTTP_X_FORWARDED_FOR="192.0.2.250",
        REMOTE_ADDR="10.0.0.1",
    )
    assert signed_in(client)
    assert LoginEvent.objects.get(user=member).ip_address == PERSON


@pytest.mark.parametrize(
    ("overrides", "meta", "expected"),
    [
        # No proxy trusted: the connection's address, whatever the headers say.
        ({}, {"HTTP_X_FORWARDED_FOR": "192.0.2.1", "REMOTE_ADDR": "10.0.0.1"}, "10.0.0.1"),
        # Fewer entries than trusted proxies (the outer one was skipped): no error page,
        # the entry nearest the client.
        (
            {"ALLAUTH_TRUSTED_PROXY_COUNT": 2},
            {"HTTP_X_FORWARDED_FOR": PERSON, "REMOTE_ADDR": "10.0.0.2"},
            PERSON,
        ),
        # The trusted header missing or garbled: the request did not come through the
        # proxy that sets it, so the connection is the client.
        ({"ALLAUTH_TRUSTED_CLIENT_IP_HEADER": "X-Real-IP"}, {"REMOTE_ADDR": PERSON}, PERSON),
        (
            {"ALLAUTH_TRUSTED_CLIENT_IP_HEADER": "X-Real-IP"},
            {"HTTP_X_REAL_IP": "not-an-address", "REMOTE_ADDR": PERSON},
            PERSON,
        ),
        ({}, {"REMOTE_ADDR": ""}, None),
    ],
)
def test_client_ip(settings, overrides, meta, expected):
    for name, value in overrides.items():
        setattr(settings, name, value)
    request = RequestFactory().get("/", **meta)
    assert client_ip(request) == expected
