"""What changed from one version of the privacy notice to the next, read from the notices
as they were rendered (``NoticeVersion.content[language]["html"]``): section by section,
the lines added, removed and changed, a changed line word by word.

The rendered notice is our own template's output; it is read here as text only (no markup
of it is passed on), so the comparison is of the words a reader saw."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Literal

from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce

from gdpr.models import NoticeVersion
from gdpr.notice.document import LANGUAGES

Kind = Literal["same", "ins", "del"]

# Tags that end a line of the text a reader sees.
_LINE_BREAKS = frozenset(
    {"p", "br", "li", "tr", "dt", "dd", "h1", "h2", "h3", "h4", "caption", "div", "section"}
)
# Cells of a table row are read on one line, apart.
_CELLS = frozenset({"td", "th"})


@dataclass
class Section:
    key: str
    title: str = ""
    lines: list[str] = field(default_factory=list)


class _Sections(HTMLParser):
    """The rendered notice's top-level sections as lines of text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: list[Section] = []
        self._depth = 0
        self._line: list[str] = []
        self._in_h2 = False

    def _current(self) -> Section:
        # Text outside any section (none in our template): a section of its own.
        outside = not self.sections or not self._depth
        if outside and (not self.sections or self.sections[-1].key != ""):
            self.sections.append(Section(key=""))
        return self.sections[-1]

    def _end_line(self) -> None:
        text = " ".join("".join(self._line).split())
        self._line = []
        if text:
            self._current().lines.append(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "section":
            if not self._depth:
                self._end_line()
                attributes = dict(attrs)
                key = attributes.get("id") or attributes.get("aria-labelledby") or ""
                self.sections.append(Section(key=key or f"section-{len(self.sections)}"))
            self._depth += 1
        elif tag in _LINE_BREAKS:
            self._end_line()
        elif tag in _CELLS:
            self._line.append(" | " if self._line else "")
        if tag == "h2" and self._depth == 1 and not self.sections[-1].title:
            self._in_h2 = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "h2" and self._in_h2:
            self._in_h2 = False
            self.sections[-1].title = " ".join("".join(self._line).split())
        if tag in _LINE_BREAKS:
            self._end_line()
        if tag == "section" and self._depth:
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        self._line.append(data)


def notice_sections(html: str) -> list[Section]:
    """The rendered notice's sections, each with its title and its lines of text."""
    parser = _Sections()
    parser.feed(html or "")
    parser.close()
    parser._end_line()
    return [section for section in parser.sections if section.lines]


@dataclass
class Line:
    """One line of a changed section: pieces of text, each kept, inserted or deleted."""

    kind: Kind
    pieces: list[tuple[Kind, str]]


@dataclass
class SectionChange:
    title: str
    # "added", "removed" or "changed".
    change: str
    lines: list[Line]


# Words, single marks and runs of space: an address that gains a phone number after a
# comma keeps the address unmarked.
_WORD = re.compile(r"\w+|[^\w\s]|\s+")


def _words(old: str, new: str) -> list[tuple[Kind, str]]:
    """A changed line, word by word: what stayed, what went, what came."""
    before, after = _WORD.findall(old), _WORD.findall(new)
    pieces: list[tuple[Kind, str]] = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            pieces.append(("same", "".join(before[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(("del", "".join(before[i1:i2])))
        if j2 > j1:
            pieces.append(("ins", "".join(after[j1:j2])))
    return pieces


def _line_changes(old: list[str], new: list[str]) -> list[Line]:
    lines: list[Line] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        removed, added = old[i1:i2], new[j1:j2]
        if op == "replace":
            # Line for line, the changed words; what is left over went or came whole.
            for before, after in zip(removed, added, strict=False):
                lines.append(Line("same", _words(before, after)))
            removed, added = removed[len(added) :], added[len(removed) :]
        lines += [Line("del", [("del", text)]) for text in removed]
        lines += [Line("ins", [("ins", text)]) for text in added]
    return lines


def notice_changes(previous_html: str, html: str) -> list[SectionChange]:
    """The sections added, removed and changed from ``previous_html`` to ``html`` (two
    rendered notices in one language), in the order the newer notice has them."""
    before = {section.key: section for section in notice_sections(previous_html)}
    after = notice_sections(html)
    changes = []
    for section in after:
        old = before.pop(section.key, None)
        if old is None:
            changes.append(
                SectionChange(
                    section.title,
                    "added",
                    [Line("ins", [("ins", text)]) for text in section.lines],
                )
            )
        elif old.lines != section.lines:
            changes.append(
                SectionChange(section.title, "changed", _line_changes(old.lines, section.lines))
            )
    changes += [
        SectionChange(
            section.title, "removed", [Line("del", [("del", text)]) for text in section.lines]
        )
        for section in before.values()
    ]
    return changes


@dataclass
class VersionText:
    """A version as rendered in one language, with the changes from the one before it."""

    language: str
    html: str
    previous_number: int | None
    changes: list[SectionChange]


def notice_version_text(number: int, language: str) -> VersionText:
    """Version ``number`` as rendered in ``language`` (Finnish, the register's language,
    where it has none) and what changed from the version before it. One query: only the
    two rendered texts are read, not the versions' whole content."""
    if language not in LANGUAGES:
        language = "fi"
    rows = list(
        NoticeVersion.objects.filter(number__lte=number)
        .order_by("-number")
        .annotate(html=Coalesce(KT(f"content__{language}__html"), KT("content__fi__html")))
        .values_list("number", "html")[:2]
    )
    html = rows[0][1] or "" if rows and rows[0][0] == number else ""
    if len(rows) < 2:
        return VersionText(language, html, None, [])
    previous_number, previous_html = rows[1]
    return VersionText(language, html, previous_number, notice_changes(previous_html or "", html))
