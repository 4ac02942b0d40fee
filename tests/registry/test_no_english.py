"""No English in the Finnish and Swedish pages.

Every page of the URL walk (``tests/security``) that some role may open — the Django admin's
index, app indexes, change lists, add and change forms as a superuser with a second factor,
the member's pages as the member, the organization's pages as its admin — is rendered in
Finnish and in Swedish, and its visible text (text nodes, and the attributes people see or
hear: ``title``, ``placeholder``, ``aria-label``, ``alt``, a button's ``value``) must hold
no English: no segment that is an English message of Django's, allauth's or our catalogues
left untranslated, and none of the English UI words below.

The world's people and organizations are built by hand (no random English names), and the
allowlist says which English-looking words are names of things (brands, standards).
"""

from __future__ import annotations

import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.cache import cache as django_cache
from django.db import transaction
from django.test import Client

from accounts.models import User
from tests.security.conftest import world  # noqa: F401 (the fixture, built once per module)
from tests.security.test_url_walk import TABLE
from tests.security.walk import fill, url_for, url_patterns
from tests.security.world import ADMIN_A, ANONYMOUS, MEMBER_A, SUPERUSER_MFA

pytestmark = pytest.mark.django_db

LANGUAGES = ("fi", "sv")

# English UI words and phrases that have no business in a Finnish or Swedish page. Matched
# as whole words, case-sensitively (a capitalised word is a label or a button).
ENGLISH_WORDS = {
    "Action",
    "Actions",
    "Add",
    "Authenticator",
    "Authenticators",
    "Cancel",
    "Change",
    "Choose",
    "Clear",
    "Close",
    "Delete",
    "Download",
    "Edit",
    "Filter",
    "Go",
    "History",
    "Home",
    "Log",
    "None",
    "Pagination",
    "Public",
    "Remove",
    "Run",
    "Save",
    "Search",
    "Select",
    "Show",
    "Today",
    "Unknown",
    "User",
    "Users",
    "View",
    "Yes",
    "No",
    "and",
    "by",
    "entries",
    "id",
    "of",
    "option",
    "selected",
    "sessions",
    "the",
    "with",
    "your",
}
# Words that are English and Swedish alike (or Finnish loan words): not markers there.
NOT_ENGLISH_IN = {"sv": {"Filter", "by", "and"}, "fi": set()}
# Names of things, the same in every language.
# The language menu names each language in itself ("English"); the Swedish names of a
# few countries in the country list are English ones (Isle of Man, "Palestina, State of").
# The tests' own flight-log app registers a retention job with an untranslated label.
ALLOWLIST = {
    "English",
    "Flight log entries past their period",
    "Isle of Man",
    "Palestina, State of",
    "IBAN",
    "BIC",
    "PDF",
    "CSV",
    "JSON",
    "ZIP",
    "HTML",
    "TOTP",
    "WebAuthn",
    "Y-tunnus",
}

VISIBLE_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}
BUTTON_TYPES = {"submit", "button", "reset"}
INVISIBLE_ELEMENTS = {"script", "style", "template", "noscript"}
VOID_ELEMENTS = {
    "area", "base", "br", "col", "embed", "hr", "img", "input",
    "link", "meta", "source", "track", "wbr",
}  # fmt: skip


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.segments: list[str] = []
        self._hidden_depth = 0
        self._stack: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        values = dict(attrs)
        for name in VISIBLE_ATTRIBUTES:
            if values.get(name):
                self.segments.append(values[name])
        is_button = tag == "input" and (values.get("type") or "").lower() in BUTTON_TYPES
        if is_button and values.get("value"):
            self.segments.append(values["value"])
        if tag in VOID_ELEMENTS:
            return
        self._stack.append(tag)
        if tag in INVISIBLE_ELEMENTS:
            self._hidden_depth += 1

    def handle_endtag(self, tag) -> None:
        if tag not in self._stack:
            return
        while self._stack:
            open_tag = self._stack.pop()
            if open_tag in INVISIBLE_ELEMENTS:
                self._hidden_depth -= 1
            if open_tag == tag:
                break

    def handle_data(self, data) -> None:
        if not self._hidden_depth and data.strip():
            self.segments.append(data)


def visible_text(html: str) -> list[str]:
    """The page's visible text and user-visible attribute values, one segment each."""
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return [" ".join(segment.split()) for segment in parser.segments]


_PLACEHOLDER = re.compile(r"%(\(\w+\))?[sdr]|\{\w*\}")


@cache
def _catalogue_paths(language: str) -> list[Path]:
    import allauth
    import django

    roots = [Path(django.__file__).parent, Path(allauth.__file__).parent, *settings.LOCALE_PATHS]
    paths = []
    for root in roots:
        paths += Path(root).glob(f"**/locale/{language}/LC_MESSAGES/django.po")
        paths += Path(root).glob(f"{language}/LC_MESSAGES/django.po")
    return paths


@cache
def english_messages(language: str) -> frozenset[str]:
    """English messages (without placeholders) that ``language`` says otherwise: a page
    segment equal to one of them is English left untranslated. Messages a catalogue
    translates as themselves (OK, PDF) are not in it."""
    english: set[str] = set()
    translations: set[str] = set()
    for path in _catalogue_paths(language):
        for entry in polib.pofile(str(path)):
            if entry.obsolete or entry.msgid_plural or _PLACEHOLDER.search(entry.msgid):
                continue
            if entry.msgstr and entry.msgstr != entry.msgid:
                english.add(" ".join(entry.msgid.split()))
            translations.add(" ".join(entry.msgstr.split()))
    return frozenset(english - translations - ALLOWLIST)


_WORD = re.compile(r"[^\W\d_][^\W\d_'-]*")
# Addresses, links, paths and identifiers (``date_of_birth`` in an audit entry's changes).
_NOT_WORDS = re.compile(r"\S+@\S+|https?://\S+|/\S*|\S*\w_\w\S*")


def english_in(segments: list[str], language: str) -> list[str]:
    """The segments that hold English, each with the word or message that gave it away."""
    markers = ENGLISH_WORDS - NOT_ENGLISH_IN[language]
    messages = english_messages(language)
    found = []
    for segment in segments:
        if segment in ALLOWLIST:
            continue
        if segment in messages or segment.rstrip(":") in messages:
            found.append(f"{segment!r} (an English message)")
            continue
        words = set(_WORD.findall(_NOT_WORDS.sub(" ", segment)))
        hits = sorted(words & markers)
        if hits:
            found.append(f"{segment!r} ({', '.join(hits)})")
    return found


# --- The pages --------------------------------------------------------------------------

PATTERNS = url_patterns()
# Who opens each page: the admin as the superuser, the organization's pages as its admin,
# the rest as the member or, if it is public, as anyone.
READERS = (ADMIN_A, MEMBER_A, ANONYMOUS, SUPERUSER_MFA)


def _reader(key: str) -> str | None:
    rule = TABLE[key]
    if key.startswith("admin") and SUPERUSER_MFA in rule.get:
        return SUPERUSER_MFA
    return next((role for role in READERS if role in rule.get), None)


PAGES = [p for p in PATTERNS if p.key in TABLE and _reader(p.key) is not None]


def _get(url: str, session_key: str | None, language: str):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    if session_key:
        client.cookies[settings.SESSION_COOKIE_NAME] = session_key
    django_cache.clear()
    with transaction.atomic():
        response = client.get(url)
        transaction.set_rollback(True)
    return response


def test_it_finds_english_in_a_page():
    html = (
        '<h1>Pyynnöt</h1><script>var x = "Search";</script>'
        '<input type="submit" value="Run"><a title="Filter by date">x</a>'
        "<p>Matti Meikäläinen, matti@example.com</p>"
    )
    found = english_in(visible_text(html), "fi")
    assert sorted(f.split(" (")[0] for f in found) == ["'Filter by date'", "'Run'"]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("pattern", PAGES, ids=lambda p: p.key)
def test_it_shows_no_english(world, pattern, language):  # noqa: F811
    role = _reader(pattern.key)
    # Everyone speaks the language: the reader, and the people whose letters a page shows.
    User.objects.update(preferred_language=language)
    url = url_for(pattern, fill(pattern, world, world.a))
    client_session = world.session_cookie(role)
    response = _get(url, client_session, language)
    if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
        pytest.skip(f"{url} answers {response.status_code} {response.get('Content-Type')}")
    html = response.content.decode()
    assert f'lang="{language}"' in html, f"{url} is not in {language}"
    found = english_in(visible_text(html), language)
    assert not found, f"{role} GET {url} ({language}):\n" + "\n".join(found)


# --- Django's admin catalogue, for the messages the pages above may not reach ---------------

# The same in every language.
SAME_EVERYWHERE = {", ", "server"}


def _django_admin_messages(domain: str) -> list[polib.POEntry]:
    import django

    root = Path(django.__file__).parent
    paths = [root / "contrib/admin/locale/en/LC_MESSAGES" / f"{domain}.po"]
    if domain == "django":
        paths.append(root / "conf/locale/en/LC_MESSAGES/django.po")
    return [
        entry
        for path in paths
        for entry in polib.pofile(str(path))
        if not entry.obsolete and not entry.msgctxt and entry.msgid not in SAME_EVERYWHERE
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_translates_every_message_of_djangos_admin(language):
    from django.utils.translation.trans_real import translation

    # Django's catalogues and ours, merged (ours first): what the pages look up.
    catalog = translation(language)._catalog
    untranslated = [
        entry.msgid
        for entry in _django_admin_messages("django")
        if entry.msgid not in catalog and (entry.msgid, 0) not in catalog
    ]
    assert untranslated == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_translates_every_message_of_the_admins_scripts(language):
    from django.utils.translation.trans_real import DjangoTranslation
    from django.views.i18n import JavaScriptCatalog

    view = JavaScriptCatalog(domain="djangojs")
    view.translation = DjangoTranslation(
        language, domain="djangojs", localedirs=view.get_paths(["django.contrib.admin"])
    )
    catalog = view.get_catalog()
    missing = [e.msgid for e in _django_admin_messages("djangojs") if e.msgid not in catalog]
    assert missing == []
