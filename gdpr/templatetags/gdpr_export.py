"""Filters for the export's readable report, whose data arrives as plain JSON values."""

from __future__ import annotations

import datetime

from django import template
from django.utils import formats, timezone

register = template.Library()


@register.filter
def iso_date(value: str | None) -> str:
    """An ISO 8601 date or time from data.json as a date in the reader's format (5.12.2026);
    what is not one is shown as it is."""
    if not value:
        return ""
    try:
        parsed = datetime.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if parsed.tzinfo is not None:
        parsed = timezone.localtime(parsed)
    return formats.date_format(parsed.date(), "SHORT_DATE_FORMAT")
