"""Walking the URL conf: every pattern, filled with real objects, and what an answer means.

No tests here; ``test_url_walk.py`` holds the table of who may see what and the tests.
"""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import Resolver404

from .world import Side, World

if TYPE_CHECKING:
    from collections.abc import Iterator


# What only a draft allows: these URLs name the draft.
DRAFT_PAGES = {"billing:invoice_send", "billing:invoice_edit", "billing:invoice_discard"}


@dataclass(frozen=True)
class Pattern:
    """One URL pattern of the URL conf, wherever it is included."""

    key: str  # the qualified name ("billing:invoice"), or the route for an unnamed one
    name: str | None
    route: str  # the whole route, prefixes included, as written in the URL confs
    params: tuple[str, ...]

    @property
    def is_admin(self) -> bool:
        return self.route.startswith("admin/")


_REGEX_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")
_CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")


def _params(route: str) -> tuple[str, ...]:
    return tuple(_REGEX_GROUP.findall(route) + _CONVERTER.findall(route))


def _walk(patterns, prefix: str = "", namespace: str = "") -> Iterator[Pattern]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            name = f"{namespace}{entry.name}" if entry.name else None
            yield Pattern(key=name or route, name=name, route=route, params=_params(route))


def url_patterns() -> list[Pattern]:
    """Every pattern of the root URL conf, admin and allauth included."""
    return list(_walk(get_resolver().url_patterns))


# --- Filling a pattern with objects --------------------------------------------------------


def _admin_model(pattern: Pattern):
    """The model behind an admin pattern ``admin/<app>/<model>/...``, if any."""
    parts = pattern.route.split("/")
    if len(parts) < 3:
        return None
    try:
        return apps.get_model(parts[1], parts[2])
    except (LookupError, ValueError):
        return None


def admin_object(model):
    """The object an admin change, delete or history page of ``model`` is opened on."""
    return model._default_manager.order_by("pk").first()


def fill(pattern: Pattern, world: World, side: Side, objects: Side | None = None) -> dict:
    """Values for the pattern's parameters: ``side``'s organization and (unless
    ``objects`` names the other side) its objects."""
    objects = objects or side
    o = objects.objects
    values: dict[str, object] = {}
    for param in pattern.params:
        if pattern.is_admin:
            model = _admin_model(pattern)
            special = world.shared["admin_objects"].get(pattern.key)
            if param == "object_id" and special is not None:
                values[param] = special.pk
            elif param == "object_id" and model is not None:
                values[param] = admin_object(model).pk
            elif param in ("content_type_id", "object_id"):
                # The admin's "view on site" of organization A (no model has a page there).
                content_type = ContentType.objects.get_for_model(side.organization)
                values["content_type_id"] = content_type.pk
                values["object_id"] = side.organization.pk
            elif param == "app_label":
                values[param] = "organizations"
            elif param == "url":
                values[param] = "no-such-page/"
            elif param == "id":
                values[param] = side.admin.pk
            else:
                raise AssertionError(f"the walk does not know how to fill {param} of {pattern}")
        elif param == "pk" and pattern.route.startswith("accounts/2fa/webauthn/"):
            values[param] = o["webauthn"].pk
        elif param == "pk":
            values[param] = side.organization.pk
        elif param == "public_id":
            key = "rectification" if pattern.key == "organizations:rectification_decide" else param
            values[param] = o[key].public_id
        elif param == "invoice_pk" and pattern.key in DRAFT_PAGES:
            values[param] = o["draft"].pk
        elif param == "export_id":
            values[param] = o[param].pk
        elif param == "key" and pattern.key == "account_reset_password_from_key":
            values[param] = world.shared["reset_key"]
        elif param in o:
            value = o[param]
            values[param] = value if isinstance(value, str) else value.pk
        elif param in world.shared:
            values[param] = world.shared[param]
        else:
            raise AssertionError(f"the walk does not know how to fill {param} of {pattern}")
    return values


def url_for(pattern: Pattern, values: dict) -> str:
    if pattern.name:
        return reverse(pattern.name, kwargs=values)
    route = _REGEX_GROUP.sub(lambda m: str(values[m.group(1)]), pattern.route)
    route = _CONVERTER.sub(lambda m: str(values[m.group(1)]), route)
    return "/" + route.lstrip("^").replace("^", "").rstrip("$")


# --- Asking -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    location: str = ""
    error: str = ""

    @property
    def outcome(self) -> str:
        """content, refused, neutral (no answer about permission) or error."""
        if self.error or self.status >= 500:
            return "error"
        if self.status in (400, 405):
            # Input or method refused before any question of who asks: no content given.
            return "neutral"
        if self.status >= 400:
            return "refused"
        if 300 <= self.status < 400:
            return "refused" if _is_refusal_target(self.location) else "content"
        return "content"

    def __str__(self) -> str:
        if self.error:
            return f"500 {self.error}"
        return f"{self.status} → {self.location}" if self.location else str(self.status)


# Where a refusal sends a browser: to sign in (again), to set up two-factor
# authentication, or home.
_REFUSAL_VIEWS = {
    "account_login",
    "account_reauthenticate",
    "mfa_authenticate",
    "mfa_reauthenticate",
    "mfa_index",
    "admin:login",
    "home",
}


def _is_refusal_target(location: str) -> bool:
    path = location.split("?", 1)[0]
    if path.startswith("http"):
        return False
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return match.view_name in _REFUSAL_VIEWS


def ask(method: str, url: str, session_key: str | None) -> Answer:
    """One request, whose writes are rolled back: the next role finds the world as it was."""
    client = Client()
    if session_key:
        from django.conf import settings

        client.cookies[settings.SESSION_COOKIE_NAME] = session_key
    # Rate limits stay on; each request starts from an empty count.
    cache.clear()
    try:
        with transaction.atomic():
            response: HttpResponse = getattr(client, method)(url, {})
            transaction.set_rollback(True)
    except Exception as error:
        frame = traceback.extract_tb(error.__traceback__)[-1]
        where = f"{frame.filename.rsplit('/', 2)[-1]}:{frame.lineno}"
        return Answer(status=500, error=f"{type(error).__name__}: {error} ({where})")
    if getattr(response, "streaming", False):
        # Read to the end through the test client's wrapper: closing the response directly
        # would fire request_finished, which closes the test's connection on PostgreSQL.
        b"".join(response.streaming_content)
    return Answer(status=response.status_code, location=response.get("Location", ""))


# --- What the walk saw, for the summary at the end of the run ------------------------------


class Summary:
    def __init__(self) -> None:
        self.patterns: set[str] = set()
        self.requests = 0
        self.by_outcome: dict[str, int] = {}
        # (URL, method, role, answer) that did not follow the table.
        self.unauthorized: list[tuple[str, str, str, str]] = []
        # The same for the doors in KNOWN_OPEN, which are being closed elsewhere.
        self.known_open: list[tuple[str, str, str, str]] = []

    def record(self, key: str, method: str, role: str, answer: Answer) -> None:
        self.patterns.add(key.removesuffix(" (B's objects)"))
        self.requests += 1
        self.by_outcome[answer.outcome] = self.by_outcome.get(answer.outcome, 0) + 1

    def lines(self) -> list[str]:
        if not self.requests:
            return []
        outcomes = ", ".join(f"{n} {name}" for name, n in sorted(self.by_outcome.items()))
        lines = [
            f"URL walk: {len(self.patterns)} URL patterns, {self.requests} requests "
            f"(URLs x roles x GET/POST, and B's objects as A's admin and member): {outcomes}",
            f"URL walk: {len(self.unauthorized)} answers against the table, "
            f"{len(self.known_open)} through doors known to be open",
        ]
        lines += [
            f"  {key} {method.upper()} as {role}: {answer}"
            for key, method, role, answer in self.unauthorized
        ]
        lines += [
            f"  known open: {key} {method.upper()} as {role}: {answer}"
            for key, method, role, answer in self.known_open
        ]
        return lines


SUMMARY = Summary()
