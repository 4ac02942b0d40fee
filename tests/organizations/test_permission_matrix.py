"""Who gets what from every URL of the organizations app.

The matrix is keyed by URL name and the tests walk ``organizations.urls.urlpatterns``: a new
URL without an entry here fails until someone decides who may use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

import pytest
from django.urls import reverse

from accounts.models import User
from gdpr.models import DataSubjectRequest
from gdpr.rectification.services import rectification_file
from organizations import services
from organizations.models import (
    BankAccount,
    ContactPerson,
    Invitation,
    Membership,
    Organization,
    OrganizationClaim,
)
from organizations.urls import urlpatterns
from tests.factories import StaffFactory, UserFactory

from .factories import BankAccountFactory, ContactPersonFactory, add_member, organization_with_admin

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "member", "admin", "other_admin", "outsider", "staff")

# What each kind of page answers to each role, GET and POST. 302 from an allowed POST is the
# redirect after the action; "login" is the redirect to the sign-in page.
PERSONAL = {"get": dict.fromkeys(ROLES[1:], 200)}
MEMBER_PAGE = {
    "get": {"member": 200, "admin": 200, "other_admin": 404, "outsider": 404, "staff": 404},
}
# Leaving: a confirmation page for the organization's members, shown again to a POST
# without the confirmation (only the page's own form leaves).
LEAVE = {
    "get": {"member": 200, "admin": 200, "other_admin": 404, "outsider": 404, "staff": 404},
    "post": {"member": 200, "admin": 200, "other_admin": 404, "outsider": 404, "staff": 404},
}
ADMIN_PAGE = {
    "get": {"member": 404, "admin": 200, "other_admin": 404, "outsider": 404, "staff": 404},
}
ADMIN_ACTION = {
    "get": dict.fromkeys(ROLES[1:], 405),
    "post": {"member": 404, "admin": 302, "other_admin": 404, "outsider": 404, "staff": 404},
}
# An action that cannot be undone: its confirmation page, to GET and to a POST without the
# confirmation alike.
ADMIN_CONFIRM = {"get": ADMIN_PAGE["get"], "post": ADMIN_PAGE["get"]}
PUBLIC = {"get": dict.fromkeys(ROLES, 200)}
# A claim to an organization is seen by the person who filed it (the outsider) and nobody
# else: not the organization's admins, whom the controller decides against.
CLAIMANT_PAGE = {
    "get": {"member": 404, "admin": 404, "other_admin": 404, "outsider": 200, "staff": 404},
}

MATRIX = {
    "mine": PERSONAL,
    "create": PERSONAL,
    "claim_new": PERSONAL,
    "claim": CLAIMANT_PAGE,
    "detail": MEMBER_PAGE,
    "leave": LEAVE,
    "edit": ADMIN_PAGE,
    "bank_account_add": ADMIN_PAGE,
    "bank_account_edit": ADMIN_PAGE,
    "bank_account_delete": ADMIN_CONFIRM,
    "contact_add": ADMIN_PAGE,
    "contact_edit": ADMIN_PAGE,
    "contact_delete": ADMIN_CONFIRM,
    "members": ADMIN_PAGE,
    "members_export": ADMIN_PAGE,
    "mailing_list": ADMIN_PAGE,
    "member": ADMIN_PAGE,
    "member_end": ADMIN_CONFIRM,
    "member_admin_rights": ADMIN_ACTION,
    "admins": ADMIN_PAGE,
    "statistics": ADMIN_PAGE,
    "statistics_figure": ADMIN_PAGE,
    "invitations": ADMIN_PAGE,
    "invitations_import": ADMIN_PAGE,
    "invitation_revoke": ADMIN_CONFIRM,
    "invitation": PUBLIC,
    # Members' requests to correct the organization's records (decided through gdpr.api).
    "rectifications": ADMIN_PAGE,
    "rectification_decide": ADMIN_PAGE,
}

URL_NAMES = [pattern.name for pattern in urlpatterns]


def cases() -> list[tuple[str, str, str]]:
    found = []
    for name in URL_NAMES:
        entry = MATRIX.get(name, {"get": {}})
        methods = [m for m in ("get", "post") if m in entry] if name in MATRIX else ["get"]
        found += [(name, method, role) for method in methods for role in ROLES]
    return found


@dataclass
class World:
    organization: Organization
    other_organization: Organization
    users: dict[str, User | None]
    membership: Membership
    account: BankAccount
    contact: ContactPerson
    invitation: Invitation
    token: str
    # The same kinds of objects in the other organization, for the id-swapping tests.
    other_membership: Membership
    other_account: BankAccount
    other_contact: ContactPerson
    other_invitation: Invitation
    # The outsider's claim to the organization.
    claim: OrganizationClaim
    # The member's request to correct their member number.
    rectification: DataSubjectRequest

    def kwargs(self, name: str, *, swap: bool = False) -> dict[str, object]:
        """The URL's arguments: this organization's objects, or (swap) the other one's."""
        pattern = next(p for p in urlpatterns if p.name == name)
        values = {
            "pk": self.organization.pk,
            "membership_pk": (self.other_membership if swap else self.membership).pk,
            "account_pk": (self.other_account if swap else self.account).pk,
            "contact_pk": (self.other_contact if swap else self.contact).pk,
            "invitation_pk": (self.other_invitation if swap else self.invitation).pk,
            "token": self.token,
            "business_id": self.organization.business_id,
            "claim_pk": self.claim.pk,
            "channel": "email",
            "public_id": self.rectification.public_id,
            "figure": "members-by-age",
        }
        names = pattern.pattern.converters.keys()
        unknown = set(names) - set(values)
        assert not unknown, f"the matrix does not know how to fill {unknown} of {name}"
        return {key: values[key] for key in names}

    def url(self, name: str, *, swap: bool = False) -> str:
        return reverse(f"organizations:{name}", kwargs=self.kwargs(name, swap=swap))


@pytest.fixture
def world(db) -> World:
    admin = UserFactory(first_name="Anna", last_name="Admin")
    member = UserFactory(first_name="Aino", last_name="Jäsen")
    other_admin = UserFactory(first_name="Bertta", last_name="Bossi")
    organization = organization_with_admin(
        admin, name="Malmin Ilmailukerho ry", business_id="2468823-3"
    )
    other_organization = organization_with_admin(other_admin, name="Vaasan Lentokerho ry")
    outsider = UserFactory(first_name="Ulla", last_name="Ulkopuolinen")
    membership = add_member(organization, member, member_number="1")
    new = services.invitation_create(
        organization=organization, email="kutsuttu@example.fi", actor=admin
    )
    other_new = services.invitation_create(
        organization=other_organization, email="toinen@example.fi", actor=other_admin
    )
    return World(
        organization=organization,
        other_organization=other_organization,
        users={
            "anonymous": None,
            "member": member,
            "admin": admin,
            "other_admin": other_admin,
            "outsider": outsider,
            "staff": StaffFactory(first_name="Laura", last_name="Staff"),
        },
        membership=membership,
        account=BankAccountFactory(organization=organization),
        contact=ContactPersonFactory(organization=organization),
        invitation=new.invitation,
        token=new.token,
        other_membership=add_member(other_organization, member_number="1"),
        other_account=BankAccountFactory(organization=other_organization),
        other_contact=ContactPersonFactory(organization=other_organization),
        other_invitation=other_new.invitation,
        claim=services.organization_claim_file(
            business_id="2468823-3", claimant=outsider, statement="Olen kerhon puheenjohtaja."
        ),
        rectification=rectification_file(
            member,
            target=f"organizations.membership:{membership.pk}:member_number",
            value="2",
            details="",
            actor=member,
        ),
    )


def client_for(client, world: World, role: str):
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    return client


def test_it_has_a_matrix_entry_for_every_url():
    assert sorted(set(URL_NAMES) - set(MATRIX)) == [], "add the new URLs to MATRIX"
    assert sorted(set(MATRIX) - set(URL_NAMES)) == [], "remove URLs that no longer exist"
    assert len(URL_NAMES) == len(set(URL_NAMES)), "every URL needs its own name"


@pytest.mark.parametrize(("name", "method", "role"), cases())
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


def test_it_covers_every_role_for_every_method():
    for name, entry in MATRIX.items():
        for method, expected in entry.items():
            missing = set(ROLES) - set(expected) - {"anonymous"}
            assert not missing, f"{name} {method}: no expectation for {missing}"


def test_it_never_lets_staff_in_through_the_organization_pages(client, world):
    # Staff are superusers; object permissions are not granted implicitly to them.
    client.force_login(world.users["staff"])
    for name in MATRIX:
        if MATRIX[name] in (ADMIN_PAGE, MEMBER_PAGE):
            assert client.get(world.url(name)).status_code == 404, name


# --- Swapping ids --------------------------------------------------------------------------

SWAPPABLE = [
    name
    for name in URL_NAMES
    if {"membership_pk", "account_pk", "contact_pk", "invitation_pk"}
    & set(next(p for p in urlpatterns if p.name == name).pattern.converters)
]


def snapshot(world: World) -> dict[str, object]:
    """Everything about the other organization's objects that a request could change."""
    return {
        "membership": Membership.objects.filter(pk=world.other_membership.pk)
        .values("status", "role", "ended_on", "member_number", "user_id")
        .get(),
        "account": BankAccount.objects.filter(pk=world.other_account.pk)
        .values("organization_id", "iban", "bic", "description", "is_primary")
        .get(),
        "contact": ContactPerson.objects.filter(pk=world.other_contact.pk)
        .values("organization_id", "name", "role", "email")
        .get(),
        "invitation": Invitation.objects.filter(pk=world.other_invitation.pk)
        .values("revoked_at", "accepted_at")
        .get(),
        "admins": sorted(
            Membership.objects.filter(
                organization=world.other_organization, role=Membership.Role.ADMIN
            ).values_list("pk", flat=True)
        ),
    }


def test_it_has_swappable_urls_to_check():
    assert set(SWAPPABLE) == {
        "bank_account_edit",
        "bank_account_delete",
        "contact_edit",
        "contact_delete",
        "member",
        "member_end",
        "member_admin_rights",
        "invitation_revoke",
    }


@pytest.mark.parametrize("name", SWAPPABLE)
def test_it_hides_another_organizations_objects_behind_this_ones_url(client, world, name):
    client.force_login(world.users["admin"])
    before = snapshot(world)
    method = "post" if "post" in MATRIX[name] else "get"
    url = world.url(name, swap=True)
    assert getattr(client, method)(url).status_code == 404
    if method == "get":
        # The edit forms are also posted to.
        assert client.post(url, FORM_DATA.get(name, {})).status_code == 404
    assert snapshot(world) == before


FORM_DATA = {
    "bank_account_edit": {"iban": "DE89 3704 0044 0532 0130 00", "description": "Kaapattu"},
    "contact_edit": {"name": "Kaapattu", "role": "Kaappaaja", "email": "x@example.fi"},
    "member_admin_rights": {"action": "grant"},
}


def test_it_grants_no_admin_rights_in_another_organization(client, world):
    client.force_login(world.users["admin"])
    before = snapshot(world)
    response = client.post(
        world.url("member_admin_rights", swap=True), {"action": "grant", "back": "member"}
    )
    assert response.status_code == 404
    assert snapshot(world) == before


def test_it_ignores_a_smuggled_organization_in_posted_forms(client, world):
    """Forms posted to organization A's URLs only ever write to A, whatever the fields say."""
    client.force_login(world.users["admin"])
    other = world.other_organization
    before = snapshot(world)
    other_name = other.name

    client.post(
        world.url("bank_account_add"),
        {"iban": "DE89 3704 0044 0532 0130 00", "organization": other.pk, "is_primary": "on"},
    )
    client.post(
        world.url("contact_add"),
        {"name": "Uusi yhteyshenkilö", "organization": other.pk, "user": world.users["admin"].pk},
    )
    client.post(
        world.url("edit"),
        {"name": "Malmin Ilmailukerho ry", "kind": "flying_club", "pk": other.pk, "id": other.pk},
    )
    client.post(world.url("invitations"), {"email": "uusi@example.fi", "organization": other.pk})

    assert BankAccount.objects.get(iban="DE89370400440532013000").organization == world.organization
    contact = ContactPerson.objects.get(name="Uusi yhteyshenkilö")
    assert (contact.organization, contact.user) == (world.organization, None)
    assert Membership.objects.get(email="uusi@example.fi").organization == world.organization
    other.refresh_from_db()
    assert other.name == other_name
    assert snapshot(world) == before
    assert not BankAccount.objects.filter(organization=other).exclude(pk=world.other_account.pk)
    assert not ContactPerson.objects.filter(organization=other).exclude(pk=world.other_contact.pk)
