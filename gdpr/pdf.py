"""gdpr's printed documents (the privacy notice, the records of processing) use the
project's one HTML-to-PDF helper, which fetches nothing: see ``registry.pdf``."""

from __future__ import annotations

from registry.pdf import html_to_pdf

__all__ = ["html_to_pdf"]
