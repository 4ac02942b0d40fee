"""The bank barcode (*pankkiviivakoodi*) drawn as Code 128, for the giro form of an invoice.

Finance Finland's "Pankkiviivakoodi-opas" (version 5.3): the 54 digits of the virtual
barcode (``numbers.virtual_barcode``, version 4 or 5) are printed as a Code 128 symbol in
code set C, two digits a symbol character; the narrowest bar (the module) is 0.25-0.5 mm
wide, the bars at least 10 mm high, with at least 6.4 mm of blank space on either side.

python-barcode encodes the symbol (start character, check character, stop pattern); the
drawing is ours, an inline SVG whose bars are painted with presentation attributes: the
library's SVG colours its bars with ``style`` attributes, which the pages' CSP refuses, and
an inline SVG needs no URL, which the PDF renderer would refuse to fetch.
"""

from __future__ import annotations

import re

from barcode.codex import Code128
from django.utils.html import format_html
from django.utils.safestring import SafeString

MODULE_MM = 0.33
"""Width of the narrowest bar; the guide allows 0.25-0.5 mm."""

HEIGHT_MM = 13.0
"""Height of the bars; the guide asks for at least 10 mm."""

QUIET_ZONE_MM = 6.6
"""Blank space left and right of the bars (20 modules); the guide asks for at least 6.4 mm."""

START_C = 105
"""Code 128's "Start C" symbol value."""

_BANK_BARCODE = re.compile(r"[45][0-9]{53}")


def bank_barcode_symbols(digits: str) -> list[int]:
    """The Code 128 symbol values of a virtual barcode, start character first, no check.

    Raises ``ValueError`` unless ``digits`` is a version 4 or 5 virtual barcode, and when the
    encoder would leave code set C (it never should on an even number of digits).
    """
    if _BANK_BARCODE.fullmatch(digits) is None:
        raise ValueError("A bank barcode is 54 digits and starts with 4 or 5.")
    symbols = Code128(digits).encoded
    if symbols[0] != START_C or any(value > 99 for value in symbols[1:]):
        raise ValueError("The bank barcode must be encoded in Code 128 set C only.")
    return symbols


def bank_barcode_modules(digits: str) -> str:
    """The symbol as modules, ``"1"`` a bar and ``"0"`` a space, quiet zones excluded."""
    bank_barcode_symbols(digits)
    return Code128(digits).build()[0]


def _bars(modules: str) -> list[tuple[int, int]]:
    """(start, width) of each bar, in modules."""
    return [(match.start(), len(match.group())) for match in re.finditer("1+", modules)]


def bank_barcode_svg(digits: str) -> SafeString:
    """The bank barcode as an inline ``<svg>`` element, quiet zones included, sized in mm.

    Hidden from screen readers: the page prints the same digits as text.
    """
    modules = bank_barcode_modules(digits)
    quiet = round(QUIET_ZONE_MM / MODULE_MM)
    width = len(modules) + 2 * quiet
    height = HEIGHT_MM / MODULE_MM
    path = "".join(
        f"M{quiet + start} 0h{size}v{height:g}h-{size}z" for start, size in _bars(modules)
    )
    return format_html(
        '<svg class="bank-barcode" xmlns="http://www.w3.org/2000/svg" aria-hidden="true" '
        'data-digits="{digits}" width="{width_mm}mm" height="{height_mm}mm" '
        'viewBox="0 0 {width} {height}" preserveAspectRatio="none" shape-rendering="crispEdges">'
        '<rect width="{width}" height="{height}" fill="#fff"/>'
        '<path fill="#000" d="{path}"/></svg>',
        digits=digits,
        width_mm=f"{width * MODULE_MM:.2f}",
        height_mm=f"{HEIGHT_MM:g}",
        width=width,
        height=f"{height:g}",
        path=path,
    )
