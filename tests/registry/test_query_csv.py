"""The CSV PostgreSQL writes itself (``COPY``) reads as the file Python's writer makes of the
same rows: the same cells, the same formula guard and labels (COPY ends lines with LF)."""

import codecs
import csv
import io

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import User
from registry.csv_download import csv_download, query_csv_download
from tests.factories import UserFactory
from tests.fuzz.strategies import NASTY_TEXT

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's"),
]

# PostgreSQL stores no NUL in text; everything else goes.
TEXT = st.one_of(
    st.sampled_from([text for text in NASTY_TEXT if "\x00" not in text and len(text) <= 100]),
    st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=40),
)
LABELS = {"language": {"fi": "suomi", "sv": "ruotsi"}}


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def _rows(response) -> list[list[str]]:
    body = _body(response)
    assert body.startswith(codecs.BOM_UTF8)
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=";"))


@pytest.fixture
def person(db):
    return UserFactory(preferred_language="sv")


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(first=TEXT, city=TEXT)
def test_copy_writes_what_the_python_writer_writes(person, first, city):
    User.objects.filter(pk=person.pk).update(first_name=first, city=city)
    rows = User.objects.filter(pk=person.pk)
    columns = {
        "first": "first_name",
        "town": "city",
        "language": "preferred_language",
        "born": "date_of_birth",
    }

    copied = _rows(
        query_csv_download(["A", "B", "C", "D"], rows, columns, labels=LABELS, filename="x.csv")
    )

    person.refresh_from_db()
    expected = _rows(
        csv_download(
            ["A", "B", "C", "D"],
            [[person.first_name, person.city, "ruotsi", person.date_of_birth]],
            filename="x.csv",
        )
    )
    assert copied == expected


def test_it_keeps_the_order_and_streams_in_chunks(db):
    people = UserFactory.create_batch(30)
    rows = User.objects.filter(pk__in=[p.pk for p in people]).order_by("-email")

    response = query_csv_download(["Email"], rows, {"e": "email"}, filename="x.csv")

    lines = _body(response).decode("utf-8-sig").splitlines()
    assert lines == ["Email", *sorted((p.email for p in people), reverse=True)]
    assert response["Cache-Control"] == "no-store, private"
