"""Every page the member, an organization's admin and the controller reach, in Chromium at a
small phone's width, a common phone's and a desktop's: nothing makes the page scroll
sideways, a message above the page leaves the main column as wide as it was, and axe-core
finds no serious or critical accessibility violation (at the phone's and desktop's width).

The pages come from the URL walk's table (see ``personas.py``), so a new page is walked as
soon as the table says who may see it. A full-page screenshot of each page at each width
goes to ``$SCREENSHOT_DIR`` (default ``test-artifacts/screenshots/``) for a person to look
through; the screenshots are not compared with anything.

Each loaded page goes through ``check_page``: a check added to ``PAGE_CHECKS`` runs on every
page of the walk at every width.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page
from playwright.sync_api import Error as PlaywrightError

from tests.gdpr.distinctive import use_private_storage
from tests.organizations.factories import add_member
from tests.security.world import World, build_world

from .a11y import serious_violations
from .personas import PERSONAS, Persona, message_cookie, sign_in, urls_for

PHONE_SMALL, PHONE, DESKTOP = 360, 390, 1280
WIDTHS = (PHONE_SMALL, PHONE, DESKTOP)
HEIGHTS = {PHONE_SMALL: 740, PHONE: 844, DESKTOP: 800}
MESSAGE = "Tallennettu. Tämä viesti kertoo, että muutokset on tallennettu onnistuneesti."

SCREENSHOT_DIR = Path(
    os.environ.get("SCREENSHOT_DIR")
    or Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
)

# How wide the page is against the window, and which element sticks out furthest.
OVERFLOW = """() => {
  const width = window.innerWidth;
  const scroll = document.documentElement.scrollWidth;
  if (scroll <= width) return null;
  let widest = null;
  for (const el of document.body.querySelectorAll("*")) {
    const right = el.getBoundingClientRect().right + window.scrollX;
    if (right > width + 1 && (!widest || right > widest.right)) {
      const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
        + (el.classList.length ? "." + [...el.classList].join(".") : "");
      widest = {name, right: Math.round(right)};
    }
  }
  return {scroll, widest};
}"""
# The column the page's content is in: the site's page body, or the admin's content.
COLUMN_WIDTH = """() => {
  const el = document.querySelector("main .page-body, #content");
  return el ? Math.round(el.getBoundingClientRect().width) : null;
}"""
# The admin's kind of page (its body's classes but the model's, and its content column's),
# or the URL for the site's own pages, each checked with a message.
LAYOUT = """() => document.getElementById("container")
  ? [...document.body.classList].filter((c) => !/^(app|model)-/.test(c)).sort().join(" ")
    + " " + (document.getElementById("content") || {}).className
  : location.href"""
# What Playwright says when a URL answers with no page to look at.
NO_PAGE_SIGNS = ("ERR_HTTP_RESPONSE_CODE_FAILURE", "Download is starting")
HAS_MESSAGE = """(text) => [...document.querySelectorAll(".messages, .messagelist")]
  .some((list) => list.textContent.includes(text))"""


@dataclass(frozen=True)
class Visit:
    """One page of the walk as it is being looked at."""

    persona: Persona
    key: str  # the URL name
    url: str
    width: int
    with_message: bool = False

    def __str__(self) -> str:
        message = " with a message" if self.with_message else ""
        return f"{self.persona.name} {self.key} {self.url} at {self.width}px{message}"


def no_sideways_scrolling(page: Page, visit: Visit) -> list[str]:
    overflow = page.evaluate(OVERFLOW)
    if overflow is None:
        return []
    widest = overflow["widest"] or {"name": "?", "right": overflow["scroll"]}
    return [
        f"{visit}: the page is {overflow['scroll']}px wide "
        f"({widest['name']} reaches {widest['right']}px)"
    ]


# axe-core takes about half a second a page: it looks at the phone's layout and the
# desktop's, and at a page with a message once (the message's own markup).
AXE_WIDTHS = (PHONE, DESKTOP)


def no_serious_accessibility_violation(page: Page, visit: Visit) -> list[str]:
    if visit.width not in AXE_WIDTHS or (visit.with_message and visit.width != DESKTOP):
        return []
    return [f"{visit}: {line}" for line in serious_violations(page)]


PageCheck = Callable[[Page, Visit], list[str]]
# Every check on every loaded page: each returns the problems it found.
PAGE_CHECKS: list[PageCheck] = [no_sideways_scrolling, no_serious_accessibility_violation]


def check_page(page: Page, visit: Visit) -> list[str]:
    """Run every check of the walk on the page loaded for ``visit``."""
    return [problem for check in PAGE_CHECKS for problem in check(page, visit)]


def _screenshot(page: Page, visit: Visit) -> None:
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", visit.key).strip("-")
    suffix = "-message" if visit.with_message else ""
    path = SCREENSHOT_DIR / visit.persona.name / f"{slug}-{visit.width}{suffix}.jpeg"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=path, full_page=True, type="jpeg", quality=70)


def _look_at(page: Page, visit: Visit) -> tuple[list[str], int | None]:
    page.set_viewport_size({"width": visit.width, "height": HEIGHTS[visit.width]})
    problems = check_page(page, visit)
    return problems, page.evaluate(COLUMN_WIDTH)


@dataclass
class Walked:
    """What one persona's walk saw: the pages, those also seen with a message, problems."""

    pages: list[str] = field(default_factory=list)
    with_message: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def walk(context: BrowserContext, persona: Persona, urls: list[tuple[str, str]]) -> Walked:
    """Open each URL, look at it at every width, then again with a message above it."""
    page = context.new_page()
    walked = Walked()
    problems = walked.problems
    seen: set[str] = set()
    layouts_seen: set[str] = set()
    for key, url in urls:
        try:
            response = page.goto(url)
        except PlaywrightError as error:
            # An error answer without a body (405 to a GET of a POST-only URL) or a file
            # is no page.
            if not any(sign in str(error) for sign in NO_PAGE_SIGNS):
                problems.append(f"{persona.name} {key} {url}: {error}")
            # The browser's error page would still be loading into the next navigation:
            # go on in a new tab.
            page.close()
            page = context.new_page()
            continue
        if response is None or not response.ok:
            # Refused or not there for this persona's account (the URL walk checks who
            # may see what): nothing to look at.
            print(f"{persona.name} {key} {url}: HTTP {response and response.status}, not walked")
            continue
        if "text/html" not in (response.headers.get("content-type") or ""):
            continue
        if page.url in seen:  # a redirect to a page already walked
            continue
        seen.add(page.url)
        walked.pages.append(key)
        columns = {}
        for width in WIDTHS:
            visit = Visit(persona, key, url, width)
            found, columns[width] = _look_at(page, visit)
            problems += found
            _screenshot(page, visit)

        # The same page with a message above it: the message goes on top, the columns stay.
        # The admin places messages alike on all its pages of one kind (list, form, ...):
        # one page of each kind is enough there.
        layout = page.evaluate(LAYOUT)
        if layout in layouts_seen:
            continue
        layouts_seen.add(layout)
        context.add_cookies([{**message_cookie(MESSAGE), "url": page.url}])
        page.goto(page.url)
        context.clear_cookies(name="messages")
        if not page.evaluate(HAS_MESSAGE, MESSAGE):
            continue
        walked.with_message.append(key)
        for width in WIDTHS:
            visit = Visit(persona, key, url, width, with_message=True)
            found, column = _look_at(page, visit)
            problems += found
            if width == DESKTOP:
                _screenshot(page, visit)
            if column is not None and columns[width] is not None and column < columns[width] - 1:
                problems.append(
                    f"{visit}: the main column is {column}px wide, {columns[width]}px without"
                )
    return walked


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("persona", PERSONAS, ids=lambda persona: persona.name)
def test_every_page_fits_every_width(
    persona, browser: Browser, live_server, monkeypatch, tmp_path, capsys
):
    """One persona's walk per test, so that parallel test processes share the three."""
    use_private_storage(monkeypatch, tmp_path)
    world: World = build_world()
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", timezone_id="Europe/Helsinki"
    )
    context.set_default_timeout(10_000)
    try:
        sign_in(context, world, persona, live_server.url)
        walked = walk(context, persona, urls_for(persona, world))
    finally:
        context.close()

    with capsys.disabled():
        print(
            f"\n{persona.name}: {len(walked.pages)} pages walked at {WIDTHS} px, "
            f"{len(walked.with_message)} of them again with a message"
        )
    assert len(walked.pages) >= MINIMUM_PAGES[persona.name], walked.pages
    # The message check looked at the pages with the side menu and the admin's home.
    assert WITH_MESSAGE[persona.name] in walked.with_message
    assert walked.problems == [], "\n".join(walked.problems)


# The walk would pass trivially if the personas reached nothing: each sees at least these.
MINIMUM_PAGES = {"member": 30, "org_admin": 25, "controller": 60}
# A page of each persona that must have been looked at again with a message above it.
WITH_MESSAGE = {
    "member": "usersessions_list",
    "org_admin": "organizations:members",
    "controller": "admin:index",
}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_statistics_dashboard_fits_every_width(
    browser: Browser, live_server, monkeypatch, tmp_path
):
    """The organization's dashboard alone (the walk above covers it too, among every page):
    its charts and folded tables at every width, with axe, as its admin sees it."""
    use_private_storage(monkeypatch, tmp_path)
    world: World = build_world()
    # Enough members for the charts to be drawn (fewer than five people hide every cell).
    for _ in range(6):
        add_member(world.a.organization)
    persona = next(p for p in PERSONAS if p.name == "org_admin")
    urls = [(key, url) for key, url in urls_for(persona, world) if "statistics" in key]
    assert {key for key, _url in urls} == {
        "organizations:statistics",
        "organizations:statistics_figure",
    }
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", timezone_id="Europe/Helsinki"
    )
    context.set_default_timeout(10_000)
    try:
        sign_in(context, world, persona, live_server.url)
        walked = walk(context, persona, urls)
    finally:
        context.close()
    assert walked.pages == ["organizations:statistics"]
    assert walked.problems == [], "\n".join(walked.problems)
