"""HTML to PDF with WeasyPrint, fetching nothing.

Every PDF of the project (invoices, the access export's report, the privacy notice, the
records of processing) is rendered here. WeasyPrint is given a URL fetcher that refuses
every URL: the stylesheet is read from disk by this module, so text in a document (an
invoice line, a member's name, a person's records) can never make the server load a file
or a network address. A refused resource is skipped, as WeasyPrint skips any resource it
cannot load, and the rest of the document is rendered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.staticfiles import finders

if TYPE_CHECKING:
    from weasyprint.urls import URLFetcher

REFUSED = "The PDF loads no external resources"


def no_fetching() -> URLFetcher:
    """A WeasyPrint URL fetcher that fetches nothing (see the module docstring)."""
    # WeasyPrint loads pango and fonts at import: only the code paths that print pay for it.
    from weasyprint.urls import URLFetcher

    class NoFetching(URLFetcher):
        def fetch(self, url: str, headers: dict | None = None):
            raise ValueError(f"{REFUSED}: {url[:80]}")

    return NoFetching()


def html_to_pdf(html: str, stylesheet: str | None = None) -> bytes:
    """``html`` as a PDF, styled by the static file ``stylesheet`` if one is named (a
    document may also carry its CSS inside, as the access export's report does)."""
    from weasyprint import CSS, HTML

    fetcher = no_fetching()
    stylesheets = []
    if stylesheet is not None:
        path = finders.find(stylesheet)
        if not path:  # pragma: no cover - the file ships with the code
            raise FileNotFoundError(stylesheet)
        stylesheets.append(CSS(filename=path, url_fetcher=fetcher))
    return HTML(string=html, url_fetcher=fetcher).write_pdf(stylesheets=stylesheets)


def preload() -> None:
    """Import WeasyPrint now (a worker's start), so no document waits for it."""
    import weasyprint  # noqa: F401
