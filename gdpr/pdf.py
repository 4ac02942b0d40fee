"""HTML to PDF with WeasyPrint, fetching nothing: the stylesheet is read from disk and
every URL in the document is refused, so text in a document can never make the server
fetch a file or a network address."""

from __future__ import annotations

from django.contrib.staticfiles import finders


class _NoFetching:
    def __call__(self, url: str, *args, **kwargs):
        raise ValueError(f"The PDF loads no external resources: {url[:80]}")

    fetch = __call__


def html_to_pdf(html: str, stylesheet: str) -> bytes:
    """``html`` as an A4 PDF styled by the static file ``stylesheet``."""
    # WeasyPrint loads pango and fonts at import: only the code paths that print pay for it.
    from weasyprint import CSS, HTML

    path = finders.find(stylesheet)
    if not path:  # pragma: no cover - the file ships with the code
        raise FileNotFoundError(stylesheet)
    fetcher = _NoFetching()
    return HTML(string=html, url_fetcher=fetcher).write_pdf(
        stylesheets=[CSS(filename=path, url_fetcher=fetcher)]
    )
