"""The controller's desk on the admin's home page: open, overdue and due-soon requests."""

from __future__ import annotations

from typing import Any

from django import template

from gdpr.retention.jobs import failing_jobs
from gdpr.selectors import desk_counts

register = template.Library()


@register.inclusion_tag("admin/gdpr/_retention_alert.html", takes_context=True)
def gdpr_retention_alert(context: template.Context) -> dict[str, Any]:
    """Jobs whose last run failed: data past its period is not being purged."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.has_perm("gdpr.view_retentionrun"):
        return {"failing": []}
    return {"failing": failing_jobs()}


@register.inclusion_tag("admin/gdpr/_desk_counts.html", takes_context=True)
def gdpr_desk_counts(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.has_perm("gdpr.view_datasubjectrequest"):
        return {"counts": None}
    return {"counts": desk_counts()}


@register.inclusion_tag("admin/gdpr/_records_link.html", takes_context=True)
def gdpr_records_link(context: template.Context) -> dict[str, Any]:
    """The records of processing (Art. 30), as a page, CSV and PDF, for who may read them."""
    from gdpr.views.records import PERMISSION

    request = context.get("request")
    user = getattr(request, "user", None)
    return {"show": user is not None and user.has_perm(PERMISSION)}
