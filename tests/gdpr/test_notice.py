"""The privacy notice is generated from the personal-data registry, versioned, and public."""

from __future__ import annotations

import re
from html import escape

import pytest
from django.urls import reverse
from django.utils import translation

from billing.models import Product
from gdpr import declarations as registry
from gdpr.declarations import (
    Category,
    Erasure,
    LegalBasis,
    ModelEntry,
    Purpose,
    Recipient,
    Retention,
    RetentionKind,
)
from gdpr.models import ControllerDetails, Disclosure, NoticeAcknowledgement, NoticeVersion
from gdpr.notice.document import notice_content, notice_publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def extra_personal_field():
    yield from _classify_product_descriptions()


@pytest.fixture
def classify_later():
    """The same override, made when the test says so (after publishing a version)."""
    added = []

    def classify():
        generator = _classify_product_descriptions()
        added.append(generator)
        return next(generator)

    yield classify
    for generator in added:
        next(generator, None)


def _classify_product_descriptions():
    """A test-only override: products' descriptions become personal data of a new
    category, as if a developer had classified a new field."""
    original = registry.entry_for(Product)
    category = registry.register_category(
        Category(
            key="test_flight_hours",
            label="Logged flight hours (test category)",
            purposes=(Purpose.SERVICE,),
            legal_basis=LegalBasis.CONTRACT,
            retention=Retention(RetentionKind.WHILE_ACCOUNT_EXISTS, "While the account exists."),
            sources=("subject",),
            recipients=(Recipient.ORGANIZATION_ADMINS,),
        )
    )
    registry.register_model(
        ModelEntry(
            model=Product,
            person=lambda user: Product.objects.none(),
            personal={"description": category.key},
            not_personal=original.not_personal - {"description"},
            erasure=Erasure.none(),
        )
    )
    yield category
    registry.register_model(original)
    registry._categories.pop(category.key)


def field_label(entry: ModelEntry, name: str) -> str:
    return f"{str(entry.record_name()).capitalize()}: {entry.field_label(name)}"


def registry_category_keys() -> set[str]:
    return {key for entry in registry.registered_models() for key in entry.personal.values()}


def test_every_registry_category_is_in_the_notice_and_nothing_else():
    content = notice_content("en")
    assert {c["key"] for c in content["categories"]} == registry_category_keys()


def test_every_classified_field_is_listed_under_its_category_and_nothing_else():
    content = notice_content("en")
    shown = {(c["key"], field) for c in content["categories"] for field in c["fields"]}
    with translation.override("en"):
        expected = {
            (key, field_label(e, n))
            for e in registry.registered_models()
            for n, key in e.personal.items()
        }
    assert shown == expected


def test_the_periods_stated_are_the_ones_the_retention_jobs_use(settings):
    """The notice names the numbers in force, so changing a period changes the notice."""
    settings.ENDED_MEMBERSHIP_RETENTION_DAYS = 500
    settings.LOGIN_EVENT_RETENTION_DAYS = 45
    settings.CONSENT_PROOF_YEARS = 4
    settings.UNACCEPTED_INVITATION_RETENTION_DAYS = 21
    settings.DRAFT_INVOICE_RETENTION_DAYS = 77
    rows = {row["key"]: row["retention"] for row in notice_content("en")["categories"]}
    assert "Until 500 days after the membership ends" in rows["membership"]
    assert "21 days after its link expired" in rows["membership"]
    assert "deleted 77 days after it was written" in rows["invoicing"]
    assert rows["security_log"].startswith("Sign-ins are kept for 45 days")
    assert "limitation period of 4 years" in rows["marketing_choices"]
    assert all("{" not in text for text in rows.values())
    for language in ("fi", "sv"):  # translations keep the placeholders
        translated = notice_content(language)["categories"]
        assert all("{" not in row["retention"] for row in translated)
        assert any("500" in row["retention"] for row in translated)
    # A changed period is a new version of the notice.
    first = notice_publish()
    settings.ENDED_MEMBERSHIP_RETENTION_DAYS = 400
    second = notice_publish()
    assert second.number == first.number + 1
    assert "Until 400 days" in str(second.content["en"]["categories"])


def test_purposes_sources_and_retention_come_from_the_categories():
    content = notice_content("en")
    categories = {c.key: c for c in registry.categories()}
    for row in content["categories"]:
        category = categories[row["key"]]
        with translation.override("en"):
            assert row["retention"] == category.retention.describe()
            assert row["legal_basis"].endswith(f"({category.legal_basis.article})")
            assert set(row["purposes"]) == {str(p.label) for p in category.purposes}


@pytest.mark.parametrize(
    ("language", "heading"),
    [("fi", 'lang="fi"'), ("sv", 'lang="sv"'), ("en", 'lang="en"')],
)
def test_the_notice_renders_in_each_language(client, language, heading):
    client.cookies["django_language"] = language
    response = client.get(reverse("gdpr:notice"))
    assert response.status_code == 200
    body = response.content.decode()
    assert heading in body
    with translation.override(language):
        for category in registry.categories():
            if category.key in registry_category_keys():
                assert escape(str(category.label)) in body


def test_the_notice_is_public_and_linked_from_every_page_footer(client):
    response = client.get(reverse("home"))
    assert reverse("gdpr:notice") in response.content.decode()
    assert client.get(reverse("gdpr:notice")).status_code == 200


def _shown_token(page: str) -> str:
    """The signed notice version the page put into its form."""
    return re.search(r'name="notice_version" value="([^"]+)"', page)[1]


def test_signup_links_the_notice_and_records_the_version_shown(client):
    page = client.get(reverse("account_signup"))
    assert reverse("gdpr:notice") in page.content.decode()
    client.post(
        reverse("account_signup"),
        {
            "email": "uusi@example.fi",
            "password1": "pitkä-salasana-77",
            "password2": "pitkä-salasana-77",
            "notice_version": _shown_token(page.content.decode()),
        },
    )
    acknowledgement = NoticeAcknowledgement.objects.get(user__email="uusi@example.fi")
    assert acknowledgement.context == NoticeAcknowledgement.Context.SIGNUP
    assert acknowledgement.version == NoticeVersion.objects.order_by("-number").first()


def test_signup_records_the_version_its_page_linked_even_if_a_newer_one_came_since(
    client, classify_later
):
    page = client.get(reverse("account_signup")).content.decode()
    shown = notice_publish()
    token = _shown_token(page)
    classify_later()  # a new version is published while the person types
    client.post(
        reverse("account_signup"),
        {
            "email": "hidas@example.fi",
            "password1": "pitkä-salasana-77",
            "password2": "pitkä-salasana-77",
            "notice_version": token,
        },
    )
    assert notice_publish().number == shown.number + 1
    acknowledgement = NoticeAcknowledgement.objects.get(user__email="hidas@example.fi")
    assert acknowledgement.version == shown


def test_an_unchanged_registry_publishes_no_new_version():
    first = notice_publish()
    again = notice_publish()
    assert first.pk == again.pk
    assert NoticeVersion.objects.count() == 1


def test_a_newly_classified_field_changes_the_notice_and_makes_a_new_version(
    client, classify_later
):
    before = notice_publish()
    classify_later()
    version = notice_publish()
    assert version.number == before.number + 1
    assert notice_publish().pk == version.pk
    client.cookies["django_language"] = "en"
    body = client.get(reverse("gdpr:notice")).content.decode()
    assert "Logged flight hours (test category)" in body
    assert "Product: description" in body
    old = client.get(reverse("gdpr:notice_version", args=[before.number])).content.decode()
    assert "Logged flight hours (test category)" not in old


def test_a_change_in_the_wording_is_a_new_version_and_the_old_wording_stays(client, monkeypatch):
    """The fixed text of the notice (headings, the rights' explanations) is part of a
    version: a later template does not rewrite what an earlier version said."""
    from gdpr.notice import document as notice_module

    first = notice_publish()
    render = notice_module._render_sections
    monkeypatch.setattr(
        notice_module,
        "_render_sections",
        lambda notice, language: render(notice, language) + "<p>Uusi lause ilmoituksessa.</p>",
    )
    notice_module._built.clear()  # as after a deploy: a new process renders anew
    monkeypatch.setattr(notice_module, "_built", {})  # and the next test starts clean
    second = notice_publish()
    assert second.number == first.number + 1
    assert "Uusi lause ilmoituksessa." in second.content["fi"]["html"]
    client.cookies["django_language"] = "fi"
    assert "Uusi lause ilmoituksessa." in client.get(reverse("gdpr:notice")).content.decode()
    old = client.get(reverse("gdpr:notice_version", args=[first.number])).content.decode()
    assert "Uusi lause ilmoituksessa." not in old
    assert "Oikeutesi" in old or "oikeudet" in old.lower()


def test_a_change_of_controller_details_is_a_new_version_and_old_ones_stay_readable(client):
    first = notice_publish()
    ControllerDetails.objects.create(name="Lentorekisteri Oy", business_id="2468823-3")
    second = notice_publish()
    assert second.number == first.number + 1
    client.cookies["django_language"] = "en"
    current = client.get(reverse("gdpr:notice")).content.decode()
    assert "Lentorekisteri Oy" in current
    old = client.get(reverse("gdpr:notice_version", args=[first.number])).content.decode()
    assert "Lentorekisteri Oy" not in old
    assert "earlier version" in old
    assert client.get(reverse("gdpr:notice_version", args=[99])).status_code == 404


def test_recorded_disclosures_and_transfers_appear_in_the_notice():
    assert notice_content("en")["disclosure_kinds"] == []
    assert notice_content("en")["outside_eea"] is False
    Disclosure.objects.create(
        kind=Disclosure.Kind.AUTHORITY,
        recipient_name="Verohallinto",
        purpose="Tax audit",
        legal_basis="Act on Assessment Procedure",
        starts_on="2026-01-01",
    )
    Disclosure.objects.create(
        kind=Disclosure.Kind.PARTNER,
        recipient_name="Logbook Inc.",
        purpose="Flight logbook service",
        legal_basis="Consent",
        starts_on="2026-01-01",
        ends_on="2026-12-31",
        outside_eea=True,
        destination_country="United States",
        transfer_safeguards="EU-US Data Privacy Framework (adequacy decision)",
    )
    content = notice_content("en")
    assert content["disclosure_kinds"] == ["Authority", "Partner"]
    assert content["outside_eea"] is True
    # Art. 13(1)(f): to whom, where, and under what safeguard.
    assert content["transfers"] == [
        {
            "recipient": "Logbook Inc.",
            "country": "United States",
            "safeguards": "EU-US Data Privacy Framework (adequacy decision)",
        }
    ]
    from gdpr.notice.records import records_of_processing

    transfers = {a["transfers"] for a in records_of_processing("en")["activities"]}
    assert transfers == {
        "Logbook Inc., United States: EU-US Data Privacy Framework (adequacy decision)"
    }


def test_the_pdf_opens(client):
    response = client.get(reverse("gdpr:notice_pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_the_notice_page_has_a_fixed_query_budget(client, django_assert_max_num_queries):
    first = notice_publish()
    for number in range(2, 30):
        NoticeVersion.objects.create(
            number=number, content_hash=f"{number:064d}", content=first.content
        )
    notice_publish()
    with django_assert_max_num_queries(8):
        assert client.get(reverse("gdpr:notice_version", args=[1])).status_code == 200


def test_the_controllers_business_id_is_checked_and_normalised():
    from django.core.exceptions import ValidationError

    details = ControllerDetails(name="Lentorekisteri Oy", business_id="24688233")
    details.full_clean()
    assert details.business_id == "2468823-3"
    details.business_id = "2468823-4"
    with translation.override("en"):
        with pytest.raises(ValidationError) as error:
            details.full_clean()
        assert error.value.message_dict["business_id"] == [
            "2468823-4 is not a valid business ID (Y-tunnus), e.g. 2468823-3."
        ]


def test_every_datum_is_named_in_the_readers_language():
    """Field and record names of models other packages own, and of columns without a
    label, come translated from the registry: no English line in the Finnish notice."""
    english = {line for c in notice_content("en")["categories"] for line in c["fields"]}
    for language in ("fi", "sv"):
        lines = {line for c in notice_content(language)["categories"] for line in c["fields"]}
        assert lines & english == set(), language
