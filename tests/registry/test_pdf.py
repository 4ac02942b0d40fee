"""The one HTML-to-PDF helper: it renders, and it fetches nothing a document points to."""

from __future__ import annotations

import logging

import pytest

from registry.pdf import html_to_pdf, no_fetching


def test_it_renders_with_and_without_a_stylesheet():
    for pdf in (html_to_pdf("<p>Hei</p>"), html_to_pdf("<p>Hei</p>", "css/notice.css")):
        assert pdf.startswith(b"%PDF-")
        assert pdf.rstrip().endswith(b"%%EOF")


def test_a_file_or_address_in_the_document_is_refused_and_skipped(tmp_path, caplog):
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"TOP SECRET")
    html = (
        f'<link rel="stylesheet" href="file://{secret}">'
        f'<img src="file://{secret}"><img src="http://127.0.0.1:9/x.png"><p>Hei</p>'
    )
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = html_to_pdf(html)
    assert pdf.startswith(b"%PDF-")
    assert b"TOP SECRET" not in pdf
    refused = [r.getMessage() for r in caplog.records if "no external resources" in r.getMessage()]
    assert len(refused) >= 3


def test_the_fetcher_refuses_every_url():
    for url in ("file:///etc/passwd", "https://example.com/a.css", "data:text/plain,hello"):
        with pytest.raises(ValueError, match="no external resources"):
            no_fetching()(url)
