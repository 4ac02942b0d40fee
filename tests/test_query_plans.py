"""The hot searches and lists read indexes on PostgreSQL, not whole tables.

The planner picks a sequential scan on a small table whatever its indexes, so each plan is
asked for with sequential scans priced out (``enable_seqscan = off``): a plan that still
scans the table has no index it can use.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib import admin
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from billing import selectors as billing_selectors
from gdpr.erasure.rows import audit_condition
from gdpr.models import AuditEntry
from tests.factories import UserFactory
from tests.organizations.factories import organization_with_admin

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="indexes of PostgreSQL (trigram, GIN)"
    ),
]


def plan(queryset, *, priced_out: tuple[str, ...] = ("seqscan",)) -> str:
    """The plan with the given strategies priced out (``enable_<name> = off``): what is
    left shows whether an index can serve the query. Priced out, not forbidden: a plan that
    has no other way still uses them, and the test sees it. ``queryset``: a queryset, or
    a function giving the plan."""
    with connection.cursor() as cursor:
        for name in priced_out:
            cursor.execute(f"SET LOCAL enable_{name} = off")
    try:
        return queryset() if callable(queryset) else queryset.explain()
    finally:
        with connection.cursor() as cursor:
            for name in priced_out:
                cursor.execute(f"SET LOCAL enable_{name} = on")


def test_it_searches_people_with_the_trigram_indexes(rf: RequestFactory):
    UserFactory(email="kaarina.koskinen@example.fi", first_name="Kaarina", last_name="Koskinen")
    model_admin = admin.site._registry[User]
    request = rf.get("/", {"q": "koski"})
    queryset, _duplicates = model_admin.get_search_results(request, User.objects.all(), "koski")

    assert list(queryset.values_list("last_name", flat=True)) == ["Koskinen"]
    sql = str(queryset.query)
    assert "UPPER(" not in sql and "ILIKE" in sql
    text = plan(queryset)
    assert "Seq Scan" not in text, text
    for index in ("user_email_trgm_idx", "user_first_name_trgm_idx", "user_last_name_trgm_idx"):
        assert index in text, text
    # The changelist's count is the same search: the same indexes.
    assert "Seq Scan" not in plan(queryset.order_by().values("pk")), text


def test_it_reads_the_payments_list_in_index_order():
    organization = organization_with_admin(UserFactory())
    rows = billing_selectors.payment_list_rows(organization=organization)

    def payments() -> str:
        return rows.query.explain(rows.args, limit=50)

    # Sorting and the join strategies priced out too, so the choice does not hang on the
    # statistics the rest of the suite left in the tables: a sort that still shows up has
    # no index to read the list in order from.
    text = plan(payments, priced_out=("seqscan", "sort", "hashjoin", "mergejoin"))

    assert "payment_org_list_idx" in text, text
    # Read in the list's order: no sort of the organization's payments.
    assert "Sort" not in text, text


def test_it_finds_a_persons_audit_entries_without_scanning_the_trail():
    person = UserFactory()

    text = plan(AuditEntry.objects.filter(audit_condition(person)))

    assert "Seq Scan on gdpr_auditentry" not in text, text


def test_it_sums_up_the_receivables_from_the_covering_index_alone():
    """The statistics' receivables read every column from invoice_receivables_idx, so a
    large organization's sums are an index-only scan, not 10,000 table pages (billing
    0011; the benchmark's P7 shows the plan at full size). Checked on the index's columns,
    not on a plan: on the test database's few rows the planner's choice between this index
    and the others turns on the statistics the rest of the suite left behind."""
    organization = organization_with_admin(UserFactory())
    today = datetime.date(2026, 12, 7)
    with CaptureQueriesContext(connection) as captured:
        billing_selectors.receivables(
            organization=organization, today=today, paid_since=datetime.date(2026, 1, 1)
        )
    (query,) = captured.captured_queries
    read = set(re.findall(r'"billing_invoice"\."(\w+)"', query["sql"]))
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT a.attname, pg_get_expr(i.indpred, i.indrelid)
            FROM pg_index i
            JOIN pg_class c ON c.oid = i.indexrelid
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
            WHERE c.relname = 'invoice_receivables_idx'
            """
        )
        rows = cursor.fetchall()
    covered = {name for name, _predicate in rows}
    predicate = rows[0][1] if rows else ""
    assert read and read <= covered, read - covered
    # Partial on what the query asks: invoices, not credit notes.
    assert "credit_note_for_id IS NULL" in predicate
    assert '"billing_invoice"."credit_note_for_id" IS NULL' in query["sql"]
