"""Fuzzing the member's privacy pages under /privacy/: requests, marketing choices,
rectification and erasure."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from billing import services as billing
from gdpr.marketing import consents
from gdpr.models import AttachedRecord, Consent, DataSubjectRequest
from gdpr.notice.shown import notice_shown_token
from gdpr.rectification import services as rectification
from gdpr.requests.services import request_file
from gdpr.unlinked.services import records_attach
from tests.factories import StaffFactory

from . import strategies as fz
from .support import assert_refused_cleanly, changed_tables, example, fuzz_settings, row_counts

pytestmark = pytest.mark.django_db

KINDS = [
    "access",
    "portability",
    "restriction",
    "objection",
    "processing_objection",
    "erasure",
    "rectification",
]
# The four grounds of Art. 18(1), and one the form does not know.
GROUNDS = ["a", "b", "c", "d", "accuracy"]
CHANNELS = ["email", "post", "phone", "sms"]


@st.composite
def request_posts(draw) -> dict:
    kind = draw(fz.optional(fz.choice(KINDS)))
    data = {} if kind is None else {"kind": kind}
    # The kind as typed, mostly: the fields are posted under it (prefix).
    prefix = draw(st.sampled_from([kind, kind, "access", ""])) if kind in KINDS else ""
    fields = draw(
        fz.post_data(
            details=fz.optional(fz.field(st.just("Tarkistakaa syntymäaikani."), max_size=2100)),
            ground=fz.optional(fz.choice(GROUNDS)),
            channels=fz.optional(st.lists(fz.choice(CHANNELS), max_size=5)),
            purposes=fz.optional(
                st.lists(fz.choice(["service", "marketing", "billing"]), max_size=3)
            ),
        )
    )
    data.update({f"{prefix}-{key}" if prefix else key: value for key, value in fields.items()})
    return data


@fuzz_settings(500)
@given(data=request_posts())
def test_it_files_a_privacy_request_or_refuses_any_input(member_client, members, data):
    user = members[0].user
    with example("gdpr: privacy requests"):
        before = row_counts()
        response = member_client.post(reverse("gdpr:privacy"), data)
        if response.status_code == 302:
            filed = DataSubjectRequest.objects.filter(subject=user).latest("pk")
            assert filed.kind == data["kind"]
            details = data.get(f"{data['kind']}-details", "").strip()
            assert details in filed.details
        else:
            assert_refused_cleanly(response, before, data)


@fuzz_settings(500)
@given(
    data=fz.post_data(
        action=fz.optional(fz.choice(["ban", "lift", "ban_all", "consent", "withdraw"])),
        channel=fz.optional(fz.choice(CHANNELS)),
        purpose=fz.optional(fz.choice(["email_offers", "sms_offers"])),
        version=fz.optional(fz.text(50)),
        notice_version=fz.optional(fz.field(st.sampled_from(["1", "0", "-1", "99999999999"]))),
    ),
    right_version=st.booleans(),
    signed_notice=st.booleans(),
)
def test_it_applies_a_marketing_choice_or_refuses_any_input(
    member_client, members, data, right_version, signed_notice
):
    if right_version and data.get("purpose") in ("email_offers", "sms_offers"):
        data["version"] = consents.consent_purpose(data["purpose"]).text_version
    if signed_notice:
        data["notice_version"] = notice_shown_token()
    with example("gdpr: marketing choices"):
        before = row_counts()
        before_consents = Consent.objects.filter(withdrawn_at__isnull=True).count()
        response = member_client.post(reverse("gdpr:marketing"), data, follow=False)
        assert response.status_code in (200, 302)
        if response.status_code == 200:
            assert_refused_cleanly(response, before, data)
        else:
            if Consent.objects.filter(withdrawn_at__isnull=True).count() > before_consents:
                # Only a version the page signed is recorded with a consent.
                assert signed_notice
            page = member_client.get(reverse("gdpr:marketing"))
            if b"message-error" in page.content:
                # Refused after the redirect (a consent text changed): nothing written.
                assert not changed_tables(before, row_counts())


@fuzz_settings(300)
@given(data=st.data())
def test_it_files_a_rectification_or_refuses_any_input(member_client, members, data):
    user = members[0].user
    targets = [datum.key for datum in rectification.rectifiable_data(user)]
    posted = data.draw(
        fz.post_data(
            target=fz.optional(fz.choice(targets or ["x"])),
            value=fz.optional(
                fz.field(st.sampled_from(["Aino Virtanen", "18", "15.3.1990"]), max_size=2100)
            ),
            details=fz.optional(fz.text(2100)),
        )
    )
    with example("gdpr: rectification"):
        before = row_counts()
        response = member_client.post(reverse("gdpr:rectification_new"), posted)
        if response.status_code != 302:
            assert response.status_code in (200, 400)
            assert not changed_tables(before, row_counts())


@fuzz_settings(200)
@given(
    data=fz.post_data(
        confirm=fz.optional(fz.choice(["on", "true", "1", "false", ""])),
        details=fz.optional(fz.text(2100)),
    )
)
def test_it_files_an_erasure_request_or_refuses_any_input(client, members, password, data):
    user = members[0].user
    client.force_login(user)
    client.post(reverse("account_reauthenticate"), {"password": password})
    with example("gdpr: erasure request"):
        before = row_counts()
        response = client.post(reverse("gdpr:erasure_request"), data)
        if response.status_code == 302:
            assert not response["Location"].startswith(reverse("account_reauthenticate"))
        else:
            assert_refused_cleanly(response, before, data)


@pytest.fixture
def desk(client, members, admin, organization):
    """The controller's staff on a member's request, with two payments under the member's
    name that matched no invoice: one attached, one a candidate to attach."""
    staff = StaffFactory()
    user = members[0].user

    def payment(amount: str):
        return billing.payment_record(
            organization=organization,
            amount=Decimal(amount),
            paid_on=datetime.date(2026, 3, 3),
            payer_name=user.get_full_name(),
            actor=admin,
        )

    request = request_file(subject=user, kind="access", actor=user)
    first = payment("10.00")
    attached = records_attach(request=request, rows=[f"billing.payment:{first.pk}"], actor=staff)
    candidate = payment("11.00")
    client.force_login(staff)
    client.get("/")
    return client, request, attached[0], f"billing.payment:{candidate.pk}"


# Placeholders for the keys of the world's rows, which exist only once the fixture ran.
CANDIDATE, ATTACHED = "<candidate>", "<attached>"


@fuzz_settings(200)
@given(
    data=fz.post_data(
        rows=fz.optional(
            st.lists(
                fz.field(st.sampled_from([CANDIDATE, ATTACHED, "billing.payment:0"])), max_size=4
            )
        ),
        attached=fz.optional(st.one_of(fz.number(), st.just(ATTACHED))),
    ),
    detach=st.booleans(),
)
def test_the_desk_attaches_and_detaches_or_refuses_any_input(desk, data, detach):
    client, request, attached, candidate = desk
    keys = {CANDIDATE: candidate, ATTACHED: f"billing.payment:{attached.object_id}"}
    posted = {
        "rows": [keys.get(row, row) for row in data.get("rows", [])],
        **({"attached": str(attached.pk)} if data.get("attached") == ATTACHED else {}),
        **({"attached": data["attached"]} if data.get("attached") not in (None, ATTACHED) else {}),
    }
    view = "detach" if detach else "attach"
    with example("gdpr: the desk's records not linked to the account"):
        before = AttachedRecord.objects.filter(request=request).count()
        response = client.post(
            reverse(f"admin:gdpr_datasubjectrequest_{view}", args=[request.pk]), posted
        )
        # Always back to the request's page, with a message: never a 500.
        assert response.status_code == 302, response.status_code
        assert response["Location"].endswith("#gdpr-unlinked")
        after = AttachedRecord.objects.filter(request=request).count()
        if detach:
            assert after in (before, before - 1)
            if after < before:
                assert posted["attached"].strip().lstrip("+").lstrip("0") == str(attached.pk)
        else:
            assert after in (before, before + 1)
            if after > before:
                assert candidate in posted["rows"]
                assert set(posted["rows"]) == {candidate}


@pytest.fixture
def operator_client(client):
    """The controller's staff, allowed to run the retention jobs now."""
    client.force_login(StaffFactory())
    client.get("/")
    return client


JOB_NAMES = ["accounts.login_events", "gdpr.consent_proofs", "no.such_job", ""]


@fuzz_settings(100)
@given(
    data=fz.post_data(
        job=fz.optional(fz.choice(JOB_NAMES)),
        due=fz.optional(fz.field(st.sampled_from(["on", "1", "true"]))),
    )
)
def test_run_now_starts_a_registered_job_or_refuses_any_input(operator_client, data):
    from gdpr.models import RetentionRun
    from gdpr.retention.jobs import registered_jobs

    with example("gdpr: run a retention job now"):
        before = set(RetentionRun.objects.values_list("pk", flat=True))
        response = operator_client.post(reverse("admin:gdpr_retentionrun_run_now"), data)
        # Always back to the list of jobs, with a message: never a 500.
        assert response.status_code == 302, response.status_code
        assert response["Location"] == reverse("admin:gdpr_retentionrun_jobs")
        started = set(RetentionRun.objects.exclude(pk__in=before).values_list("job", flat=True))
        names = {job.name for job in registered_jobs()}
        assert started <= names
        # A job nobody registered starts nothing, whatever else is posted.
        if data.get("job") and data["job"] not in names:
            assert not started


STATISTICS_URLS = ["admin:gdpr_datasubjectrequest_statistics"] + [
    f"admin:gdpr_datasubjectrequest_statistics_{slug.replace('-', '_')}"
    for slug in ("requests", "answer-days", "within-deadline", "marketing", "retention")
]


@fuzz_settings(60)
@given(
    name=st.sampled_from(STATISTICS_URLS),
    params=fz.post_data(
        format=fz.optional(fz.choice(["svg", "csv"])),
        months=fz.optional(fz.number()),
        page=fz.optional(fz.text(12)),
    ),
)
def test_the_statistics_answer_any_query(operator_client, name, params):
    with example("gdpr: the controller's statistics"):
        response = operator_client.get(reverse(name), params)
        # The page, or the figure as its CSV when asked and as its chart otherwise.
        assert response.status_code == 200, response.status_code
        kind = response["Content-Type"]
        if name.endswith("_statistics"):
            assert kind.startswith("text/html")
        elif params.get("format") == "csv":
            assert kind.startswith("text/csv")
        else:
            assert kind == "image/svg+xml"
