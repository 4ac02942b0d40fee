"""Bare baseline views: one query for the same rows as the real page, a trivial template.

Each real page is measured against its bare twin, through the same middleware in the same
process, so the ratio shows what the page itself costs beyond fetching its rows. They check
no permission: they are mounted only by the benchmark's URLconf (``benchmarks.urls``).
"""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import path

from accounts.models import User
from billing.models import Payment
from organizations import permissions, selectors
from organizations.models import Membership, Organization
from registry.pagination import paginate

FRAME = engines["django"].from_string(
    '{% extends "organizations/_admin_base.html" %}{% block head_title %}frame{% endblock %}'
    "{% block content %}<p>{{ page.paginator.count }}</p>{% endblock %}"
)
TABLE = engines["django"].from_string(
    "<!doctype html><title>bare</title><table>{% for row in rows %}<tr>"
    "{% for value in row %}<td>{{ value }}</td>{% endfor %}</tr>{% endfor %}</table>"
)

MEMBER_COLUMNS = ("id", "member_number", "name", "email", "status", "role", "joined_on")
PEOPLE_COLUMNS = ("id", "email", "first_name", "last_name", "city", "is_staff", "is_active")
PAYMENT_COLUMNS = (
    "id", "paid_on", "amount", "reference", "payer_name", "invoice__number", "invoice__status",
)  # fmt: skip


def _slice(request: HttpRequest, default: int = 50) -> slice:
    try:
        size = int(request.GET.get("per_page", default))
        page = max(1, int(request.GET.get("page", 1)))
    except ValueError:
        size, page = default, 1
    return slice((page - 1) * size, page * size)


def _table(request: HttpRequest, rows) -> HttpResponse:
    return HttpResponse(TABLE.render({"rows": list(rows)}, request))


def members(request: HttpRequest, pk: int) -> HttpResponse:
    """The member list's rows: the same filter and order as the real list."""
    memberships = selectors.member_list(
        organization=Organization(pk=pk),
        filters=selectors.MemberFilter(query=request.GET.get("q", "")),
    )
    return _table(request, memberships.values_list(*MEMBER_COLUMNS)[_slice(request)])


def members_frame(request: HttpRequest, pk: int) -> HttpResponse:
    """What every page of an organization pays before its own content: the admin-rights
    check, the page's count (as the member list gets it: from the tally) and the site's and
    organization's menus, with no rows and no
    filter form. Not a goal's baseline: it shows how much of a page's cost is its frame."""
    organization = permissions.get_organization_for_admin(request.user, pk)
    count = selectors.member_list_count(organization=organization, filters=selectors.MemberFilter())
    memberships = Membership.objects.filter(organization=organization)
    page, _query = paginate(request, memberships, count=count)
    return HttpResponse(FRAME.render({"organization": organization, "page": page}, request))


def people_queryset(term: str):
    """What the admin's user search looks up (``UserAdmin.search_fields``), as the admin
    does it: ``icontains`` on each field."""
    return User.objects.filter(
        Q(email__icontains=term) | Q(first_name__icontains=term) | Q(last_name__icontains=term)
    )


def people(request: HttpRequest) -> HttpResponse:
    """The admin's user search: the same lookups on the same fields, first 100 rows."""
    found = people_queryset(request.GET.get("q", ""))
    return _table(request, found.values_list(*PEOPLE_COLUMNS)[:100])


def payments(request: HttpRequest, pk: int) -> HttpResponse:
    """The payments list's rows, newest first."""
    rows = (
        Payment.objects.filter(organization_id=pk)
        .order_by("-paid_on", "-id")
        .values_list(*PAYMENT_COLUMNS)
    )
    return _table(request, rows[_slice(request)])


urlpatterns = [
    path("members/<int:pk>/", members, name="bench_members"),
    path("members/<int:pk>/frame/", members_frame, name="bench_members_frame"),
    path("people/", people, name="bench_people"),
    path("payments/<int:pk>/", payments, name="bench_payments"),
]
