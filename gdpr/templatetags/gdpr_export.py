"""Filters for the export's readable report, whose data arrives as plain JSON values."""

from __future__ import annotations

from django import template

from gdpr.exports.words import local_date

register = template.Library()


@register.filter
def iso_date(value: str | None) -> str:
    """An ISO 8601 date or time from data.json as a date in the reader's format."""
    return local_date(value)
