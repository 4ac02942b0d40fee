"""Who gets what from every URL of communication records: the app's and the admin's.

The matrices are keyed by URL name and the tests walk ``communications.urls.urlpatterns``
and the admin's URLs for ``CommunicationRecord``: a new URL without an entry here fails
until someone decides who may use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

import pytest
from django.contrib import admin
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import User
from communications import services
from communications.models import CommunicationRecord
from communications.urls import app_name, urlpatterns
from organizations.models import Organization
from tests.factories import StaffFactory, UserFactory
from tests.organizations.factories import add_member, organization_with_admin

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "member", "admin", "other_admin", "outsider", "staff")
SIGNED_IN = ROLES[1:]

# The organization's admins only; everyone else, staff included, gets 404. "login" is the
# redirect to the sign-in page; 405 is a method the URL does not take.
ADMIN_PAGE = {
    "get": {"member": 404, "admin": 200, "other_admin": 404, "outsider": 404, "staff": 404},
    "post": dict.fromkeys(SIGNED_IN, 405),
}
ADMIN_FORM = {
    "get": ADMIN_PAGE["get"],
    # An empty form comes back with its errors.
    "post": {"member": 404, "admin": 200, "other_admin": 404, "outsider": 404, "staff": 404},
}
MATRIX = {
    "org_records": ADMIN_PAGE,
    "org_record_add": ADMIN_FORM,
    "org_record_attachment": ADMIN_PAGE,
}

# The Django admin: staff (with MFA) only; others are sent to the admin's sign-in page.
STAFF_ONLY = dict.fromkeys(ROLES, "admin_login") | {"staff": 200}
ADMIN_MATRIX = {
    "changelist": {"get": STAFF_ONLY},
    "add": {"get": STAFF_ONLY},
    "change": {"get": STAFF_ONLY, "post": STAFF_ONLY | {"staff": 403}},
    "delete": {"get": STAFF_ONLY | {"staff": 403}, "post": STAFF_ONLY | {"staff": 403}},
    "history": {"get": STAFF_ONLY},
    "attachment": {"get": STAFF_ONLY},
}

URL_NAMES = [pattern.name for pattern in urlpatterns]
OPTS = CommunicationRecord._meta
ADMIN_PREFIX = f"{OPTS.app_label}_{OPTS.model_name}_"
ADMIN_URL_NAMES = [
    pattern.name.removeprefix(ADMIN_PREFIX)
    for pattern in admin.site._registry[CommunicationRecord].urls
    if pattern.name
]


@pytest.fixture(autouse=True)
def private_storage(monkeypatch, tmp_path) -> FileSystemStorage:
    """Attachments go to a throwaway private folder instead of the project's."""
    storage = FileSystemStorage(location=tmp_path / "private", base_url=None)
    field = CommunicationRecord._meta.get_field("attachment")
    monkeypatch.setattr(field, "storage", storage)
    return storage


@dataclass
class World:
    organization: Organization
    other_organization: Organization
    users: dict[str, User | None]
    record: CommunicationRecord
    other_record: CommunicationRecord

    def url(self, name: str, *, swap: bool = False) -> str:
        record = self.other_record if swap else self.record
        values = {"pk": self.organization.pk, "record_pk": record.pk}
        pattern = next(p for p in urlpatterns if p.name == name)
        names = pattern.pattern.converters.keys()
        assert not set(names) - set(values), f"the matrix cannot fill the arguments of {name}"
        return reverse(f"{app_name}:{name}", kwargs={key: values[key] for key in names})

    def admin_url(self, name: str) -> str:
        args = [] if name in ("changelist", "add") else [self.record.pk]
        return reverse(f"admin:{ADMIN_PREFIX}{name}", args=args)


def letter(organization: Organization, subject: User, by: User) -> CommunicationRecord:
    return services.communication_record(
        organization=organization,
        subject=subject,
        channel=CommunicationRecord.Channel.LETTER,
        direction=CommunicationRecord.Direction.OUTGOING,
        summary="Kirje",
        attachment=SimpleUploadedFile("kirje.pdf", b"%PDF kirje"),
        actor=by,
    )


@pytest.fixture
def world(db) -> World:
    admin_user = UserFactory(first_name="Anna", last_name="Admin", preferred_language="en")
    member = UserFactory(first_name="Aino", last_name="Jäsen", preferred_language="en")
    other_admin = UserFactory(first_name="Bertta", last_name="Bossi", preferred_language="en")
    organization = organization_with_admin(admin_user, name="Malmin Ilmailukerho ry")
    other_organization = organization_with_admin(other_admin, name="Vaasan Lentokerho ry")
    add_member(organization, member)
    other_member = add_member(other_organization).user
    staff = StaffFactory(first_name="Laura", last_name="Staff", preferred_language="en")
    return World(
        organization=organization,
        other_organization=other_organization,
        users={
            "anonymous": None,
            "member": member,
            "admin": admin_user,
            "other_admin": other_admin,
            "outsider": UserFactory(first_name="Ulla", last_name="Ulkopuolinen"),
            "staff": staff,
        },
        record=letter(organization, member, admin_user),
        other_record=letter(other_organization, other_member, other_admin),
    )


def client_for(client, world: World, role: str):
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    return client


def cases(matrix: dict, names: list[str]) -> list[tuple[str, str, str]]:
    found = []
    for name in names:
        methods = list(matrix.get(name, {"get": {}}))
        found += [(name, method, role) for method in methods for role in ROLES]
    return found


# --- The app's URLs -------------------------------------------------------------------------


def test_it_has_a_matrix_entry_for_every_url():
    assert sorted(set(URL_NAMES) - set(MATRIX)) == [], "add the new URLs to MATRIX"
    assert sorted(set(MATRIX) - set(URL_NAMES)) == [], "remove URLs that no longer exist"
    assert len(URL_NAMES) == len(set(URL_NAMES)), "every URL needs its own name"


def test_it_covers_every_role_for_every_method():
    for name, entry in MATRIX.items():
        for method, expected in entry.items():
            missing = set(SIGNED_IN) - set(expected)
            assert not missing, f"{name} {method}: no expectation for {missing}"


@pytest.mark.parametrize(("name", "method", "role"), cases(MATRIX, URL_NAMES))
def test_it_answers_each_role_as_the_matrix_says(client, world, name, method, role):
    assert name in MATRIX, f"{name} has no entry in the permission matrix"
    url = world.url(name)
    response = getattr(client_for(client, world, role), method)(url)
    expected = MATRIX[name][method].get(role, "login")
    if expected == "login":
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('account_login')}?next={quote(url)}"
    else:
        assert response.status_code == expected, f"{role} {method.upper()} {url}"


def test_it_hides_another_organizations_record_behind_this_ones_url(client, world):
    client.force_login(world.users["admin"])
    assert client.get(world.url("org_record_attachment", swap=True)).status_code == 404


def test_it_records_nothing_for_those_refused(client, world):
    before = CommunicationRecord.objects.count()
    for role in ("anonymous", "member", "other_admin", "outsider", "staff"):
        client.logout()
        client_for(client, world, role).post(
            world.url("org_record_add"),
            {
                "member": world.organization.memberships.get(user=world.users["member"]).pk,
                "channel": "phone",
                "direction": "incoming",
                "occurred_at": "2026-03-02T14:30",
                "summary": "Kaapattu",
            },
        )
    assert CommunicationRecord.objects.count() == before


# --- The admin's URLs -----------------------------------------------------------------------


def test_it_has_an_admin_matrix_entry_for_every_admin_url():
    assert sorted(set(ADMIN_URL_NAMES) - set(ADMIN_MATRIX)) == [], "add them to ADMIN_MATRIX"
    assert sorted(set(ADMIN_MATRIX) - set(ADMIN_URL_NAMES)) == []


@pytest.mark.parametrize(("name", "method", "role"), cases(ADMIN_MATRIX, ADMIN_URL_NAMES))
def test_the_admin_answers_each_role_as_the_matrix_says(client, world, name, method, role):
    url = world.admin_url(name)
    response = getattr(client_for(client, world, role), method)(url)
    expected = ADMIN_MATRIX[name][method][role]
    if expected == "admin_login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    else:
        assert response.status_code == expected, f"{role} {method.upper()} {url}"
