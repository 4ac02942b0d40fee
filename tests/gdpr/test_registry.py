from __future__ import annotations

import pytest
from django.apps import apps
from django.db import models

from gdpr import declarations as registry
from gdpr.declarations import (
    Erasure,
    ErasureStrategy,
    LegalBasis,
    ModelEntry,
    classification_problems,
    entry_for,
    registered_models,
)
from tests.factories import UserFactory

# Apps whose models must each have an entry: the project's own, plus the third-party apps
# that hold data about people (allauth's addresses, authenticators and sessions; the user
# model itself is accounts.User).
WALKED_APPS = {
    "accounts",
    "organizations",
    "billing",
    "communications",
    "gdpr",
    "flightlog",  # stands for the next app (tests/flightlog)
    "account",
    "mfa",
    "usersessions",
}

# Bookkeeping tables of Django and guardian that hold no data about people of their own
# (or are cleaned with the rows they point at). Migrations (django_migrations) are not a
# model and never show up here.
NOT_WALKED = {
    "contenttypes.contenttype",  # model names
    "sessions.session",  # signed session blobs; expire on their own, UserSession covers them
    "admin.logentry",  # the Django admin's own log
    # Tasks waiting for the broker: ids, deleted once published (a data subject's mail,
    # already rendered to go out, waits here only while the broker is down).
    "outbox.outboxmessage",
    "auth.permission",  # permission names
    "auth.group",  # group names; a person's groups are classified on accounts.User
    "guardian.userobjectpermission",  # guardian's generic tables (the project uses its own)
    "guardian.groupobjectpermission",
}


def walked_models() -> list[type[models.Model]]:
    # Auto-created through tables (User.groups…) are covered by their many-to-many field.
    return [
        model
        for model in apps.get_models()
        if model._meta.label_lower not in NOT_WALKED and not model._meta.auto_created
    ]


def test_it_has_an_entry_for_every_model_of_the_project_and_allauth():
    missing = [
        model._meta.label
        for model in walked_models()
        if entry_for(model) is None
        and (model._meta.app_label in WALKED_APPS or model is apps.get_model("accounts.User"))
    ]
    assert missing == [], f"models with no personal-data entry: {missing}"


def test_it_walks_every_installed_model_the_allow_list_does_not_name():
    # A new third-party app with models must be decided on, not silently ignored.
    unexpected = [
        model._meta.label for model in walked_models() if model._meta.app_label not in WALKED_APPS
    ]
    assert unexpected == []


def test_it_classifies_every_field_of_every_model():
    problems = [
        problem
        for model in walked_models()
        if (entry := entry_for(model)) is not None
        for problem in classification_problems(entry)
    ]
    assert problems == [], "\n".join(problems)


def test_it_registers_every_category_an_entry_uses():
    known = {category.key for category in registry.categories()}
    unknown = {
        f"{entry.label}.{name} → {key}"
        for entry in registered_models()
        for name, key in entry.personal.items()
        if key not in known
    }
    assert unknown == set()


def test_it_gives_every_category_a_purpose_basis_source_and_recipient():
    for category in registry.categories():
        assert category.purposes, category.key
        assert category.sources, category.key
        assert category.recipients, category.key
        assert isinstance(category.legal_basis, LegalBasis)
        assert category.legal_basis.article.startswith("Art. 6(1)(")
        assert str(category.label)
        assert str(category.retention.text)


def test_it_names_an_existing_date_field_for_every_keep_until_entry():
    keep = [e for e in registered_models() if e.erasure.strategy is ErasureStrategy.KEEP_UNTIL]
    assert keep  # invoices, payments…
    for entry in keep:
        assert registry._is_date_path(entry.model, entry.erasure.date_field), entry.label
        assert str(entry.erasure.basis)


@pytest.mark.django_db
def test_it_finds_a_persons_rows_in_every_entry():
    user = UserFactory()
    for entry in registered_models():
        rows = list(entry.rows_for(user))
        if entry.model is apps.get_model("accounts.User"):
            assert rows == [user]
        elif entry.person is None:
            assert rows == []


@pytest.mark.django_db
def test_it_finds_the_persons_own_rows_through_a_lookup_path():
    from allauth.account.models import EmailAddress

    user = UserFactory()
    other = UserFactory()
    entry = entry_for(EmailAddress)
    assert {address.email for address in entry.rows_for(user)} == {user.email}
    assert user.email not in {address.email for address in entry.rows_for(other)}


def _entry_without(model: type[models.Model], field_name: str) -> ModelEntry:
    entry = entry_for(model)
    return ModelEntry(
        model=entry.model,
        person=entry.person,
        personal={k: v for k, v in entry.personal.items() if k != field_name},
        not_personal=entry.not_personal - {field_name},
        erasure=entry.erasure,
    )


def test_it_catches_a_field_that_is_not_classified():
    from accounts.models import User

    problems = classification_problems(_entry_without(User, "date_of_birth"))
    assert problems == ["accounts.User.date_of_birth: neither personal nor listed as not personal"]


def test_it_catches_a_field_classified_twice_or_not_existing():
    from billing.models import Payment

    entry = entry_for(Payment)
    broken = ModelEntry(
        model=Payment,
        person=entry.person,
        personal={**entry.personal, "shoe_size": "payments"},
        not_personal=entry.not_personal | {"payer_name"},
        erasure=Erasure.keep_until("paid_at", "x"),
    )
    problems = classification_problems(broken)
    assert "billing.Payment.payer_name: classified both as personal and not personal" in problems
    assert "billing.Payment.shoe_size: classified but the model has no such field" in problems
    assert "billing.Payment.paid_at: KEEP_UNTIL needs a date field" in problems


def test_it_refuses_an_erasure_rule_without_its_details():
    with pytest.raises(ValueError):
        Erasure(ErasureStrategy.ANONYMISE)
    with pytest.raises(ValueError):
        Erasure(ErasureStrategy.KEEP_UNTIL, date_field="retain_until")


def test_it_looks_a_date_path_up_through_relations():
    from billing.models import InvoiceLine

    assert registry._is_date_path(InvoiceLine, "invoice__retain_until")
    assert not registry._is_date_path(InvoiceLine, "invoice__reference")
    assert not registry._is_date_path(InvoiceLine, "invoice__nothing")


@pytest.mark.django_db
def test_an_unverified_address_pulls_nobody_elses_rows_into_an_export():
    """Rows under an address count as the person's only once they have shown it is theirs."""
    from allauth.account.models import EmailAddress

    from organizations.models import Membership
    from tests.factories import UserFactory
    from tests.organizations.factories import organization_with_admin

    admin = UserFactory()
    club = organization_with_admin(admin, name="Osoitekerho ry")
    Membership.objects.create(
        organization=club, status=Membership.Status.INVITED, email="toinen@example.fi"
    )
    intruder = UserFactory(email="toinen@example.fi", verified_email=False)
    entry = registry.entry_for(Membership)
    assert not entry.rows_for(intruder).exists()
    EmailAddress.objects.filter(user=intruder).update(verified=True)
    assert entry.rows_for(intruder).count() == 1
