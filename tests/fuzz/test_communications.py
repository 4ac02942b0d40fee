"""Fuzzing the organization's communication log: a record by hand (with an attachment), and
the log's parameters."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from communications.models import CommunicationRecord

from . import strategies as fz
from .support import assert_refused_cleanly, changed_tables, example, fuzz_settings, row_counts

pytestmark = pytest.mark.django_db

CHANNELS = [c.value for c in CommunicationRecord.Channel]
DIRECTIONS = [d.value for d in CommunicationRecord.Direction]

attachments = st.one_of(
    st.none(),
    st.builds(
        lambda name, content: SimpleUploadedFile(name, content),
        st.one_of(
            st.sampled_from(
                [
                    "kirje.pdf",
                    "scan 1.JPG",
                    "a" * 250 + ".pdf",
                    "../../etc/passwd",
                    "\u202efdp.exe",
                    "✈️.txt",
                    "noext",
                    ".hidden",
                    "con.txt",
                    "a\x00b.pdf",
                    "x" * 90 + ".tar.gz",
                ]
            ),
            fz.text(30).filter(lambda n: n.strip("./\\\x00 ")),
        ),
        st.one_of(st.just(b""), st.binary(max_size=256), st.just(b"%PDF-1.4 " + b"x" * 70_000)),
    ),
)


@fuzz_settings(500)
@given(data=st.data())
def test_it_records_a_communication_or_refuses_any_input(admin_client, organization, members, data):
    posted = data.draw(
        fz.post_data(
            member=fz.optional(
                fz.field(st.sampled_from([str(m.pk) for m in members] + ["0", "9999999"]))
            ),
            channel=fz.optional(fz.choice(CHANNELS)),
            direction=fz.optional(fz.choice(DIRECTIONS)),
            occurred_at=fz.optional(
                fz.field(
                    st.sampled_from(["2026-03-02T10:15", "2026-03-02 10:15", "2020-01-01T00:00"])
                )
            ),
            subject_line=fz.optional(fz.field(st.just("Jäsenmaksu"), max_size=400)),
            summary=fz.optional(fz.field(st.just("Soitti jäsenmaksusta."), max_size=400)),
        )
    )
    attachment = data.draw(attachments)
    if attachment is not None:
        posted["attachment"] = attachment
    url = reverse("communications:org_record_add", args=[organization.pk])
    with example("communications: record with attachment"):
        before = row_counts()
        response = admin_client.post(url, posted)
        if response.status_code == 302:
            record = CommunicationRecord.objects.latest("pk")
            assert record.summary == posted["summary"].strip()
            assert record.subject_line == posted.get("subject_line", "").strip()
            if attachment is not None and attachment.size:
                with record.attachment.open("rb") as stored:
                    attachment.seek(0)
                    assert stored.read() == attachment.read()
        else:
            # A file alone is no submission: the view binds ``request.POST or None``.
            fields = {k: v for k, v in posted.items() if k != "attachment"}
            assert_refused_cleanly(response, before, fields)


@fuzz_settings(300)
@given(
    params=fz.post_data(
        channel=fz.optional(fz.choice([*CHANNELS, ""])),
        page=fz.optional(fz.field(st.sampled_from(["1", "2", "last", "0", "-1", "9" * 30]))),
    ),
    member=fz.optional(fz.text(20)),
)
def test_it_lists_the_log_for_any_parameters(admin_client, organization, members, params, member):
    with example("communications: log parameters"):
        before = row_counts()
        response = admin_client.get(
            reverse("communications:org_records", args=[organization.pk]), params
        )
        assert response.status_code == 200
        # The new record form's ?member= preselection.
        query = {"member": member} if member is not None else {}
        response = admin_client.get(
            reverse("communications:org_record_add", args=[organization.pk]), query
        )
        assert response.status_code == 200
        assert not changed_tables(before, row_counts())


def test_an_upload_the_server_cannot_read_gets_a_page_that_says_so(admin_client, organization):
    # A control character in the file's name breaks the multipart headers (a hand-made
    # post, found by the fuzzing above): the answer is a 400 that tells what happened.
    url = reverse("communications:org_record_add", args=[organization.pk])
    before = row_counts()
    attachment = SimpleUploadedFile("\x1f", b"%PDF-1.4 " + b"x" * 70_000)
    response = admin_client.post(url, {"summary": "Soitti.", "attachment": attachment})
    assert response.status_code == 400
    assert "could not read what the browser sent" in response.content.decode()
    assert not changed_tables(before, row_counts())
