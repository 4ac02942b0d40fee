"""The three people whose screens the browser walk looks at, and the pages each reaches.

The pages come from the URL walk's table (``tests/security/test_url_walk.py``): a URL
added to the service, once the table says who may see it, is walked here too. Pages are
filled with the objects of the security tests' world (``tests/security/world.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpRequest
from playwright.sync_api import BrowserContext

from tests.security.test_url_walk import ANY_USER, PATTERNS, TABLE
from tests.security.walk import Pattern, fill, url_for
from tests.security.world import ADMIN_A, MEMBER_A, SUPERUSER_MFA, World


@dataclass(frozen=True)
class Persona:
    name: str
    role: str
    description: str


MEMBER = Persona("member", MEMBER_A, "a member: their own data, privacy, invoices, account")
ORG_ADMIN = Persona("org_admin", ADMIN_A, "an organization's admin: its management pages")
CONTROLLER = Persona("controller", SUPERUSER_MFA, "the controller's staff: the Django admin")
PERSONAS = (MEMBER, ORG_ADMIN, CONTROLLER)

# Words in a URL name that mean the answer is a file, not a page.
_DOWNLOAD_WORDS = ("pdf", "csv", "export", "download", "attachment", "mailing_list", "finvoice")
# Pages that are no screen to look at: they act and go elsewhere, or answer with data.
_NOT_PAGES = {
    "account_logout",
    "accounts:set_language",
    "admin:logout",
    "admin:jsi18n",
    "admin:autocomplete",
    "admin:view_on_site",
}
# The admin's pages a controller works in: every list and change form, the desk's steps
# and the admin's own pages. Add forms are change forms without the object, delete
# confirmations and histories the admin's stock pages: they add only time to the walk.
_ADMIN_SKIPPED_SUFFIXES = ("_add", "_delete", "_history")


def is_page(pattern: Pattern) -> bool:
    """Whether the pattern answers with an HTML page to look at (not a file or an action)."""
    key = pattern.key
    if key in _NOT_PAGES:
        return False
    if any(word in key.lower() for word in _DOWNLOAD_WORDS):
        return False
    if pattern.is_admin:
        if not pattern.name:  # the bare object URL (a redirect) and the catch-all
            return False
        return not key.endswith(_ADMIN_SKIPPED_SUFFIXES)
    return True


def patterns_for(persona: Persona) -> list[Pattern]:
    """The pages ``persona`` may open, as the URL walk's table says.

    The member walks every page open to them; the organization's admin the pages opened by
    their role (the pages any signed-in person sees are the member's); the controller the
    admin's pages and the records of processing.
    """
    chosen = []
    for pattern in PATTERNS:
        rule = TABLE.get(pattern.key)
        if rule is None or persona.role not in rule.get or not is_page(pattern):
            continue
        if persona is ORG_ADMIN and rule.get >= ANY_USER:
            continue
        if persona is CONTROLLER and not (pattern.is_admin or pattern.key == "gdpr_records"):
            continue
        chosen.append(pattern)
    return chosen


def urls_for(persona: Persona, world: World) -> list[tuple[str, str]]:
    """(URL name, URL) of every page ``persona`` walks, filled with organization A's objects."""
    return [
        (pattern.key, url_for(pattern, fill(pattern, world, world.a)))
        for pattern in patterns_for(persona)
    ]


def sign_in(context: BrowserContext, world: World, persona: Persona, base_url: str) -> None:
    """Give the browser a signed-in session of ``persona`` (as after a password sign-in)."""
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": world.session_cookie(persona.role),
                "url": base_url,
            }
        ]
    )


def message_cookie(text: str, level: int = constants.SUCCESS) -> dict[str, str]:
    """The messages cookie Django reads a pending message from: the next page shows it."""
    storage = CookieStorage(HttpRequest())
    return {"name": storage.cookie_name, "value": storage._encode([Message(level, text)])}
