"""Template tags for long lists: the same output as ``{% url %}``, ``get_FOO_display`` and
``|date:"j.n.Y"``, at a fraction of their cost per row.

A list page of 50 rows called ``reverse()`` once or twice per row and built a dictionary of
choices for every label it printed: a third of the page's time. Here a URL pattern is
reversed once per process, language and prefix with placeholder numbers and then filled in;
a field's labels are looked up in a dictionary built once per language. Loaded as a
builtin-free library: ``{% load listing %}`` (``TEMPLATES`` ``libraries``).
"""

from __future__ import annotations

import datetime
import html
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import Any

from django import template
from django.db import models
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.safestring import SafeData, SafeString, mark_safe
from django.utils.translation import get_language

register = template.Library()

# Numbers no real id reaches in a test or a register: each stands for one argument.
_PLACEHOLDER = 987_654_320


@lru_cache(maxsize=512)
def _pattern(
    name: str, arity: int, prefix: str, language: str | None, urlconf: str | None
) -> tuple[str, ...] | None:
    """The URL of ``name`` split around its ``arity`` integer arguments, or None when the
    placeholders do not come back out as they went in (then ``reverse`` is called)."""
    placeholders = [str(_PLACEHOLDER + index) for index in range(arity)]
    url = reverse(name, args=placeholders)
    parts: list[str] = []
    for placeholder in placeholders:
        before, found, url = url.partition(placeholder)
        if not found or placeholder in url:
            return None
        parts.append(before)
    parts.append(url)
    return tuple(parts)


@register.simple_tag
def fast_url(name: str, *args: int) -> str:
    """``{% url name args %}`` for integer arguments (ids) or none, reversed once per pattern."""
    parts = _pattern(name, len(args), get_script_prefix(), get_language(), get_urlconf())
    return _filled(name, parts, args)


def _filled(name: str, parts: tuple[str, ...] | None, args: tuple) -> str:
    """The URL of ``name`` with ``args`` put between its ``parts``; ``reverse`` when an
    argument is not an id or the pattern could not be split."""
    ids = all(isinstance(arg, int) and not isinstance(arg, bool) for arg in args)
    if parts is None or not ids:
        return reverse(name, args=args)
    pieces = [parts[0]]
    for arg, after in zip(args, parts[1:], strict=True):
        pieces.append(str(arg))
        pieces.append(after)
    return "".join(pieces)


def url_filler(name: str, arity: int) -> Callable[..., str]:
    """``fast_url(name, …)`` for every row of a page: the pattern (and the language, prefix
    and URLconf it depends on) looked up once, not once a row."""
    parts = _pattern(name, arity, get_script_prefix(), get_language(), get_urlconf())
    return lambda *args: _filled(name, parts, args)


def labels_of(model: type[models.Model], field: str) -> dict:
    """``label`` for every row of a page: the field's choices and their labels in the
    active language, one dictionary."""
    return _labels(model, field, get_language())


@lru_cache(maxsize=256)
def _labels(model: type[models.Model], field: str, language: str | None) -> dict:
    return {value: str(label) for value, label in model._meta.get_field(field).flatchoices}


@register.filter
def label(obj: models.Model, field: str) -> str:
    """``obj.get_<field>_display()``: the choice's label in the active language."""
    value = getattr(obj, field)
    return labels_of(type(obj), field).get(value, value)


@register.filter
def short_date(value: datetime.date | None) -> str:
    """``|date:"j.n.Y"`` (31.1.2026), the short date of every list; empty for none."""
    if not value:
        return ""
    return f"{value.day}.{value.month}.{value.year}"


def _escaped(value: Any) -> str:
    """``conditional_escape`` for the values of a list's rows (text, numbers, safe markup):
    the same characters, without the check for lazy text Django's ``escape`` makes on each
    call, which cost more than the escaping itself at 400 values a page."""
    return str(value) if isinstance(value, SafeData) else html.escape(str(value))


def rows_html(row: str, rows: Iterable[Sequence[Any]]) -> SafeString:
    """``format_html_join("", row, rows)``: each row's values escaped (safe markup kept as
    it is) into the ``{}`` of ``row``."""
    # Safe: every value put into the row's own markup is escaped just above.
    return mark_safe(  # noqa: S308
        "".join(row.format(*[_escaped(value) for value in values]) for values in rows)
    )
