"""Accessibility checks for the browser tests: axe-core run in the page under test.

``serious_violations(page)`` is all a test needs: it runs axe-core on what the page shows
now and answers one readable line per serious or critical violation (an empty list when
there is none), so a test ends with ``assert serious_violations(page) == []``.

axe-core is injected with ``page.evaluate``, which the browser runs as the debugger's own
script: the site's strict Content Security Policy (``script-src 'self'``) does not apply
to it, so no ``bypass_csp`` is needed and the page is checked under its real policy.
"""

from __future__ import annotations

from functools import cache

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

# Impacts axe-core reports: minor, moderate, serious, critical.
SERIOUS = frozenset({"serious", "critical"})
# WCAG 2.1 A and AA and axe's best practices; "experimental" rules stay out.
AXE_OPTIONS = {
    "resultTypes": ["violations"],
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
}
# How many offending elements of one rule a line names (the rest are counted).
TARGETS_SHOWN = 5


@cache
def _axe() -> Axe:
    return Axe()


def _target(node: dict) -> str:
    # A target is a list of selectors, one more for each frame or shadow root crossed.
    return " >> ".join(
        selector if isinstance(selector, str) else " ".join(selector) for selector in node["target"]
    )


def serious_violations(page: Page, *, context: str | None = None) -> list[str]:
    """Serious and critical axe-core violations on the page as it is now, one line each:
    ``URL: rule-id (impact) help: target, target, ...``.

    ``context`` narrows the check to a CSS selector (the whole document by default).
    """
    results = _axe().run(page, context=context, options=AXE_OPTIONS)
    lines = []
    for violation in results.response["violations"]:
        if violation.get("impact") not in SERIOUS:
            continue
        nodes = violation["nodes"]
        targets = ", ".join(_target(node) for node in nodes[:TARGETS_SHOWN])
        more = f" (+{len(nodes) - TARGETS_SHOWN} more)" if len(nodes) > TARGETS_SHOWN else ""
        lines.append(
            f"{page.url}: {violation['id']} ({violation['impact']}) "
            f"{violation['help']}: {targets}{more}"
        )
    return lines
