"""Inputs people (and scripts) type: plausible values, and the nasty ones next to them."""

from __future__ import annotations

from hypothesis import strategies as st

# Lone surrogates cannot be encoded into a request, so category Cs is left out; NUL stays.
ANY_CHAR = st.characters(exclude_categories=("Cs",))
PRINTABLE = st.characters(exclude_categories=("Cs", "Cc"), include_characters="\x00\t\n\r")

KIB_128 = 128 * 1024

NASTY_TEXT = [
    "",
    " ",
    "   \t  ",
    "\n\n",
    "\u00a0\u2003",  # no-break and em space: whitespace-only to str.split()
    "\x00",
    "a\x00b",
    "\r",
    "line one\rline two",
    "line one\r\nline two",
    "=SUM(A1:A9)",
    "+358401234567",
    "-1+1",
    "@cmd",
    '=HYPERLINK("http://example.com")',
    "\u202eevil\u202c",
    "\u200f\u200e\u200b",
    "\ufeffBOM",
    "✈️🛩️👩‍✈️",
    "Åsa Öhman-Ääkkönen",
    "١٢٣٤٥",  # Arabic-Indic digits: \d and int() accept them
    "\uff11\uff12\uff13\uff14\uff15",  # fullwidth digits
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%s %(name)s {0} {{ x }}",
    "../../etc/passwd",
    "x" * 301,
    "Ä" * 2001,
    "y" * 10_001,
    "z" * KIB_128,
]

NASTY_NUMBERS = [
    "0",
    "-0",
    "-1",
    "0.01",
    "-0.01",
    "1e10",
    "1E-7",
    "10000000000",
    "-10000000000",
    "99999999.99",
    "100000000",
    "9" * 40,
    "0.000000001",
    "1.005",
    "123.456789",
    "1,5",
    "1 234,50",
    "1\u00a0234,50",
    "12 €",
    "\u22125",  # minus sign
    "NaN",
    "nan",
    "-NaN",
    "sNaN",
    "Infinity",
    "-inf",
    "0x10",
    "1_000",
    "١٢",
    "",
    " ",
]

NASTY_DATES = [
    "9999-12-31",
    "0001-01-01",
    "31.12.9999",
    "1.1.0001",
    "1.1.1",
    "29.02.2023",
    "29.02.2024",
    "2026-02-30",
    "2026-13-01",
    "00.00.0000",
    "1899-12-31",
    "1900-01-01",
    "2099-12-31",
    "2100-01-01",
    "1999-12-31",
    "2000-01-01",
    "2026-03-02",
    "2026-03-02T10:00",
    "2026-03-02 10:00",
    "0001-01-01T00:00",
    "9999-12-31T23:59",
    "+002026-03-02",
    "٢٠٢٦-٠٣-٠٢",
    "",
    "yesterday",
]


def nasty_text() -> st.SearchStrategy[str]:
    return st.sampled_from(NASTY_TEXT)


def text(max_size: int = 60) -> st.SearchStrategy[str]:
    """Generated text from the whole of Unicode (NUL included), or a hand-picked nasty."""
    return st.one_of(
        st.text(ANY_CHAR, max_size=max_size),
        st.text(PRINTABLE, max_size=max_size),
        nasty_text(),
    )


def field(valid: st.SearchStrategy[str], *, max_size: int = 60) -> st.SearchStrategy[str]:
    """Mostly a plausible value, so that forms get accepted too, else anything."""
    return st.one_of(valid, valid, text(max_size))


def number() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(NASTY_NUMBERS),
        st.decimals(allow_nan=True, allow_infinity=True).map(str),
        st.integers(min_value=-(10**12), max_value=10**12).map(str),
        st.decimals(min_value=-1000, max_value=100000, places=2).map(str),
        st.decimals(min_value=0, max_value=1000, places=2).map(lambda d: str(d).replace(".", ",")),
    )


def date() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(NASTY_DATES),
        st.dates().map(lambda d: d.isoformat()),
        st.dates().map(lambda d: f"{d.day}.{d.month}.{d.year}"),
        text(12),
    )


def choice(values: list[str]) -> st.SearchStrategy[str]:
    """A valid choice, or something that is not one."""
    return st.one_of(st.sampled_from(values), st.sampled_from(values), text(12))


def optional(strategy: st.SearchStrategy) -> st.SearchStrategy:
    """A value, or the key left out of the post altogether (``None``)."""
    return st.one_of(st.none(), strategy)


def post_data(**fields: st.SearchStrategy) -> st.SearchStrategy[dict]:
    """A POST body: each field generated, the ``None`` ones left out."""
    return st.fixed_dictionaries(fields).map(
        lambda data: {key: value for key, value in data.items() if value is not None}
    )
