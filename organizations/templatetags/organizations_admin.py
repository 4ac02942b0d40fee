"""The organizations' notices on the Django admin's home page."""

from __future__ import annotations

from typing import Any

from django import template

from organizations.selectors import organizations_without_admin

register = template.Library()

# The home page names a few; the list filter shows them all.
SHOWN = 10


@register.inclusion_tag("admin/organizations/_without_admin.html", takes_context=True)
def organizations_without_admin_alert(context: template.Context) -> dict[str, Any]:
    """Organizations nobody administers: the controller should find them an admin."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.has_perm("organizations.view_organization"):
        return {"organizations": [], "count": 0}
    found = organizations_without_admin()
    return {"organizations": list(found[:SHOWN]), "count": found.count()}
