from __future__ import annotations

import datetime

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.db import connection
from django.test.client import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from guardian.admin import GuardedModelAdmin
from guardian.shortcuts import assign_perm

from accounts.models import User
from organizations import services
from organizations.admin import MembershipAdmin
from organizations.models import (
    AdminRightChange,
    BankAccount,
    ContactPerson,
    Invitation,
    MemberDataView,
    MemberListExport,
    Membership,
    Organization,
    OrganizationClaim,
    OrganizationGroupObjectPermission,
    OrganizationUserObjectPermission,
)
from organizations.permissions import ADMINISTER_CODENAME, is_organization_admin
from registry import admin_tools
from registry.admin_tools import EstimatedCountPaginator
from tests.factories import StaffFactory, UserFactory

from .factories import (
    BankAccountFactory,
    ContactPersonFactory,
    add_member,
    organization_with_admin,
)

pytestmark = pytest.mark.django_db

ORGANIZATION_MODELS = [
    Organization,
    Membership,
    Invitation,
    AdminRightChange,
    MemberDataView,
    OrganizationUserObjectPermission,
    OrganizationGroupObjectPermission,
    OrganizationClaim,
]


def changelist_url(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def controller(db) -> User:
    # English, so that the assertions read the source strings, translated or not.
    user = StaffFactory(email="laura.controller@example.fi", preferred_language="en")
    return user


@pytest.fixture
def controller_client(client, controller):
    client.force_login(controller)
    return client


@pytest.fixture
def club_admin(db) -> User:
    return UserFactory(email="aino.admin@example.fi", first_name="Aino", last_name="Virtanen")


@pytest.fixture
def club(club_admin) -> Organization:
    return organization_with_admin(club_admin, name="Malmin Ilmailukerho ry")


def admin_membership(organization: Organization, user: User) -> Membership:
    return Membership.objects.get(organization=organization, user=user)


def populate(count: int) -> None:
    """``count`` organizations with every kind of row the admin lists."""
    group, _ = Group.objects.get_or_create(name="Controllers")
    for _i in range(count):
        organization = organization_with_admin(name=f"Kerho {Organization.objects.count()}")
        admin_user = organization.memberships.get().user
        member = add_member(organization, member_number=f"A{Membership.objects.count()}")
        services.member_data_view_record(viewer=admin_user, membership=member)
        services.member_export_record(
            viewer=admin_user, memberships=Membership.objects.filter(pk=member.pk)
        )
        services.invitation_create(
            organization=organization,
            email=f"invitee{Invitation.objects.count()}@example.fi",
            actor=admin_user,
        )
        BankAccountFactory(organization=organization)
        ContactPersonFactory(organization=organization)
        assign_perm(ADMINISTER_CODENAME, group, organization)
        OrganizationClaim.objects.create(
            organization=organization, claimant=UserFactory(), statement="Olen puheenjohtaja."
        )


def post_action(client, model, action: str, objects, *, confirm: bool = True) -> object:
    """Run an admin action; ``confirm`` answers the page an irreversible one asks first."""
    return client.post(
        changelist_url(model),
        {
            "action": action,
            "_selected_action": [o.pk for o in objects],
            **({"confirm": "yes"} if confirm else {}),
        },
        follow=True,
    )


# --- Organizations ----------------------------------------------------------------------


def organization_post_data(**overrides) -> dict:
    data = {
        "name": "Kymin Lentokerho ry",
        "kind": Organization.Kind.FLYING_CLUB,
        "business_id": "2468823-3",
        "association_register_number": "",
        "email": "kerho@example.fi",
        "phone": "",
        "street_address": "",
        "postal_code": "45200",
        "city": "Kouvola",
        "website": "",
        "e_invoice_address": "",
        "e_invoice_operator": "",
        "bank_accounts-TOTAL_FORMS": "1",
        "bank_accounts-INITIAL_FORMS": "0",
        "bank_accounts-0-iban": "FI21 1234 5600 0007 85",
        "bank_accounts-0-bic": "",
        "bank_accounts-0-description": "Jäsenmaksut",
        "contact_persons-TOTAL_FORMS": "1",
        "contact_persons-INITIAL_FORMS": "0",
        "contact_persons-0-name": "Pekka Puheenjohtaja",
        "contact_persons-0-role": "Puheenjohtaja",
        "contact_persons-0-phone": "040 123 4567",
        "contact_persons-0-email": "pj@example.fi",
    }
    return data | overrides


def test_it_creates_an_organization_with_its_first_admin(controller_client, controller):
    first_admin = UserFactory(first_name="Elina", last_name="Nieminen")
    response = controller_client.post(
        reverse("admin:organizations_organization_add"),
        organization_post_data(first_admin=first_admin.pk),
    )
    assert response.status_code == 302
    organization = Organization.objects.get(name="Kymin Lentokerho ry")
    assert organization.created_by == controller
    membership = Membership.objects.get(organization=organization)
    assert membership.user == first_admin
    assert membership.role == Membership.Role.ADMIN
    assert membership.status == Membership.Status.ACTIVE
    assert membership.search_text == f"elina nieminen {first_admin.email}"
    assert is_organization_admin(first_admin, organization)
    change = AdminRightChange.objects.get(membership=membership)
    assert (change.action, change.changed_by) == (AdminRightChange.Action.GRANT, controller)


def test_it_saves_the_inlines_through_the_services(controller_client):
    controller_client.post(
        reverse("admin:organizations_organization_add"),
        organization_post_data(first_admin=UserFactory().pk),
    )
    organization = Organization.objects.get(name="Kymin Lentokerho ry")
    account = BankAccount.objects.get(organization=organization)
    assert account.iban == "FI2112345600000785"
    assert account.is_primary  # the only account becomes the primary one
    assert account.bic  # derived from the IBAN by the form
    contact = ContactPerson.objects.get(organization=organization)
    assert contact.name == "Pekka Puheenjohtaja"


def test_the_added_organization_is_logged_and_opened_with_its_own_id(controller_client):
    from django.contrib.admin.models import ADDITION, LogEntry

    response = controller_client.post(
        reverse("admin:organizations_organization_add"),
        organization_post_data(first_admin=UserFactory().pk, _continue="1"),
    )
    organization = Organization.objects.get(name="Kymin Lentokerho ry")
    assert response.url == reverse(
        "admin:organizations_organization_change", args=[organization.pk]
    )
    entry = LogEntry.objects.get(action_flag=ADDITION)
    assert entry.object_id == str(organization.pk)


def test_it_requires_the_first_admin(controller_client):
    response = controller_client.post(
        reverse("admin:organizations_organization_add"), organization_post_data()
    )
    assert response.status_code == 200
    assert "first_admin" in response.context["adminform"].form.errors
    assert not Organization.objects.exists()


def test_it_validates_the_business_id(controller_client):
    response = controller_client.post(
        reverse("admin:organizations_organization_add"),
        organization_post_data(first_admin=UserFactory().pk, business_id="1234567-8"),
    )
    assert response.status_code == 200
    assert "business_id" in response.context["adminform"].form.errors
    assert not Organization.objects.exists()


def test_it_offers_the_first_admin_by_search(controller_client):
    response = controller_client.get(reverse("admin:organizations_organization_add"))
    assert response.status_code == 200
    assert 'data-field-name="user"' in response.content.decode()
    wanted = UserFactory(email="elina.etsitty@example.fi")
    found = controller_client.get(
        reverse("admin:autocomplete"),
        {
            "term": "etsitty",
            "app_label": "organizations",
            "model_name": "membership",
            "field_name": "user",
        },
    )
    assert [r["id"] for r in found.json()["results"]] == [str(wanted.pk)]


def test_it_shows_the_admins_on_the_change_form(controller_client, club, club_admin):
    other = UserFactory(first_name="Olli", last_name="Ulkopuolinen")
    organization_with_admin(other, name="Toinen kerho")
    response = controller_client.get(
        reverse("admin:organizations_organization_change", args=[club.pk])
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "Aino Virtanen" in content
    assert club_admin.email in content
    assert other.email not in content
    assert "first_admin" not in content


def test_it_links_the_organizations_own_lists(controller_client, club, club_admin):
    other_admin = UserFactory()
    organization_with_admin(other_admin, name="Toinen kerho")
    response = controller_client.get(
        reverse("admin:organizations_organization_change", args=[club.pk])
    )
    content = response.content.decode()
    for model in (Membership, AdminRightChange, MemberDataView, MemberListExport):
        link = f"{changelist_url(model)}?organization__id__exact={club.pk}"
        assert link in content
        listed = controller_client.get(link).context["cl"].result_list
        assert {obj.organization_id for obj in listed} <= {club.pk}
    memberships = controller_client.get(
        changelist_url(Membership), {"organization__id__exact": club.pk}
    ).context["cl"]
    assert [m.user for m in memberships.result_list] == [club_admin]


def test_it_changes_an_organization(controller_client, club):
    BankAccountFactory(organization=club)
    data = organization_post_data(
        name="Malmin Ilmailukerho ry",
        city="Helsinki",
        business_id="",
        postal_code="00700",
        **{
            "bank_accounts-TOTAL_FORMS": "1",
            "bank_accounts-INITIAL_FORMS": "1",
            "bank_accounts-0-id": str(club.bank_accounts.get().pk),
            "bank_accounts-0-organization": str(club.pk),
            "bank_accounts-0-iban": "FI2112345600000785",
            "bank_accounts-0-DELETE": "on",
            "contact_persons-TOTAL_FORMS": "0",
        },
    )
    response = controller_client.post(
        reverse("admin:organizations_organization_change", args=[club.pk]), data
    )
    assert response.status_code == 302
    club.refresh_from_db()
    assert (club.city, club.postal_code) == ("Helsinki", "00700")
    assert not club.bank_accounts.exists()


def test_it_never_uses_guardians_permission_pages(controller_client, club):
    for model_admin in admin.site._registry.values():
        assert not isinstance(model_admin, GuardedModelAdmin)
    with pytest.raises(NoReverseMatch):
        reverse("admin:organizations_organization_permissions", args=[club.pk])
    response = controller_client.get(
        f"/admin/organizations/organization/{club.pk}/permissions/", follow=True
    )
    assert "user_permissions_manage" not in response.content.decode()


# --- Memberships ------------------------------------------------------------------------


def test_it_grants_admin_rights(controller_client, controller, club):
    membership = add_member(club)
    response = post_action(controller_client, Membership, "grant_admin_rights", [membership])
    assert response.status_code == 200
    assert messages_of(response) == ["Admin rights granted to 1 member."]
    assert is_organization_admin(membership.user, club)
    assert AdminRightChange.objects.filter(
        membership=membership, action=AdminRightChange.Action.GRANT, changed_by=controller
    ).exists()


def test_it_keeps_the_last_admin(controller_client, club, club_admin):
    response = post_action(
        controller_client,
        Membership,
        "revoke_admin_rights",
        [admin_membership(club, club_admin)],
    )
    assert response.status_code == 200
    assert messages_of(response) == [
        "Aino Virtanen: The organization must keep at least one admin."
    ]
    assert is_organization_admin(club_admin, club)


def test_it_revokes_all_but_the_last_admin(controller_client, club, club_admin):
    second = add_member(club)
    services.membership_admin_grant(membership=second, actor=club_admin)
    response = post_action(
        controller_client,
        Membership,
        "revoke_admin_rights",
        [admin_membership(club, club_admin), second],
    )
    shown = messages_of(response)
    assert "Admin rights revoked from 1 member." in shown
    assert any("at least one admin" in m for m in shown)
    assert is_organization_admin(club_admin, club) != is_organization_admin(second.user, club)


def test_it_will_not_end_the_last_admins_membership(controller_client, club, club_admin):
    response = post_action(
        controller_client, Membership, "end_membership", [admin_membership(club, club_admin)]
    )
    assert response.status_code == 200
    assert messages_of(response) == [
        "Aino Virtanen: The last admin cannot leave. Make another member an admin first."
    ]
    assert admin_membership(club, club_admin).status == Membership.Status.ACTIVE


def test_it_asks_before_ending_a_membership_or_revoking_admin_rights(
    controller_client, club, club_admin
):
    membership = add_member(club)
    for action in ("end_membership", "revoke_admin_rights"):
        response = post_action(
            controller_client,
            Membership,
            action,
            [membership, admin_membership(club, club_admin)],
            confirm=False,
        )
        assert response.templates[0].name == "admin/confirm_action.html"
        content = response.content.decode()
        assert str(membership) in content
        assert f'name="action" value="{action}"' in content
    membership.refresh_from_db()
    assert membership.status == Membership.Status.ACTIVE
    assert is_organization_admin(club_admin, club)


def test_it_ends_a_membership(controller_client, club):
    membership = add_member(club)
    response = post_action(controller_client, Membership, "end_membership", [membership])
    assert messages_of(response) == ["1 membership ended."]
    membership.refresh_from_db()
    assert membership.status == Membership.Status.ENDED
    assert membership.ended_on == timezone.localdate()


def test_it_shows_a_membership_read_only(controller_client, club, club_admin):
    membership = admin_membership(club, club_admin)
    url = reverse("admin:organizations_membership_change", args=[membership.pk])
    response = controller_client.get(url)
    assert response.status_code == 200
    assert 'name="role"' not in response.content.decode()
    response = controller_client.post(url, {"role": "member", "status": "ended"})
    assert response.status_code == 403
    membership.refresh_from_db()
    assert membership.is_admin


def test_it_does_not_add_or_delete_memberships(controller_client, club, club_admin):
    membership = admin_membership(club, club_admin)
    assert controller_client.get(reverse("admin:organizations_membership_add")).status_code == 403
    delete_url = reverse("admin:organizations_membership_delete", args=[membership.pk])
    assert controller_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert Membership.objects.filter(pk=membership.pk).exists()


@pytest.mark.parametrize(
    "query",
    ["virtanen", "VIRTANEN", "aino virtanen", "Virtanen Aino", "AINO.ADMIN@example", "K-17"],
)
def test_it_searches_memberships_by_name_email_and_member_number(
    controller_client, club, club_admin, query
):
    Membership.objects.filter(user=club_admin).update(member_number="K-17")
    services.memberships_sync_user(user=club_admin)
    add_member(club, UserFactory(first_name="Mikko", last_name="Korhonen"), member_number="K-18")
    response = controller_client.get(changelist_url(Membership), {"q": query})
    assert response.status_code == 200
    assert [m.user for m in response.context["cl"].result_list] == [club_admin]


def test_it_searches_on_the_trigram_index(club, controller):
    if connection.vendor != "postgresql":
        pytest.skip("the trigram index exists on PostgreSQL only")
    request = RequestFactory().get("/")
    request.user = controller
    model_admin = MembershipAdmin(Membership, admin.site)
    queryset, _ = model_admin.get_search_results(request, Membership.objects.all(), "Virtanen")
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            plan = queryset.explain()
        finally:
            cursor.execute("RESET enable_seqscan")
    assert "membership_search_trgm_idx" in plan


# --- Invitations ------------------------------------------------------------------------


@pytest.fixture
def invitation(club, club_admin) -> Invitation:
    return services.invitation_create(
        organization=club,
        email="kutsuttu@example.fi",
        name="Kalle Kutsuttu",
        actor=club_admin,
    ).invitation


def test_it_asks_before_revoking_an_invitation(controller_client, invitation):
    response = post_action(
        controller_client, Invitation, "revoke_invitations", [invitation], confirm=False
    )
    assert response.templates[0].name == "admin/confirm_action.html"
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_it_revokes_an_invitation(controller_client, invitation):
    response = post_action(controller_client, Invitation, "revoke_invitations", [invitation])
    assert messages_of(response) == ["1 invitation revoked."]
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert invitation.membership.status == Membership.Status.ENDED


def test_it_reports_an_accepted_invitation_instead_of_revoking(controller_client, invitation):
    Invitation.objects.filter(pk=invitation.pk).update(accepted_at=timezone.now())
    response = post_action(controller_client, Invitation, "revoke_invitations", [invitation])
    assert response.status_code == 200
    assert messages_of(response) == ["Kalle Kutsuttu: The invitation was already accepted."]


def test_it_never_shows_the_token_hash(controller_client, invitation):
    pages = [
        changelist_url(Invitation),
        reverse("admin:organizations_invitation_change", args=[invitation.pk]),
    ]
    for url in pages:
        response = controller_client.get(url)
        assert response.status_code == 200
        assert invitation.token_hash not in response.content.decode()
        assert "kutsuttu@example.fi" in response.content.decode()


def test_it_searches_and_filters_invitations(controller_client, invitation, club, club_admin):
    services.invitation_create(organization=club, email="toinen@example.fi", actor=club_admin)
    response = controller_client.get(changelist_url(Invitation), {"q": "KUTSUTTU"})
    assert list(response.context["cl"].result_list) == [invitation]
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - datetime.timedelta(days=1)
    )
    response = controller_client.get(changelist_url(Invitation), {"state": "expired"})
    assert list(response.context["cl"].result_list) == [invitation]


# --- Logs and guardian's tables -----------------------------------------------------------


@pytest.mark.parametrize(
    "model",
    [
        AdminRightChange,
        MemberDataView,
        MemberListExport,
        OrganizationUserObjectPermission,
        OrganizationGroupObjectPermission,
        Invitation,
        OrganizationClaim,
    ],
)
def test_it_keeps_the_records_read_only(controller_client, controller, model):
    populate(1)
    obj = model.objects.first()
    opts = model._meta
    add_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
    change_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    delete_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[obj.pk])
    assert controller_client.get(add_url).status_code == 403
    assert controller_client.get(change_url).status_code == 200
    assert controller_client.post(change_url, {}).status_code == 403
    assert controller_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()


def test_it_searches_the_read_log(controller_client, club, club_admin):
    seen = add_member(club, UserFactory(email="nahty@example.fi"))
    other = add_member(club)
    services.member_data_view_record(viewer=club_admin, membership=seen)
    services.member_data_view_record(viewer=club_admin, membership=other)
    response = controller_client.get(changelist_url(MemberDataView), {"q": "nahty"})
    assert [v.subject for v in response.context["cl"].result_list] == [seen.user]


def test_it_searches_admin_right_changes_by_member(controller_client, club, club_admin):
    organization_with_admin(UserFactory(last_name="Korhonen"), name="Toinen kerho")
    response = controller_client.get(changelist_url(AdminRightChange), {"q": "Virtanen"})
    assert [c.membership.user for c in response.context["cl"].result_list] == [club_admin]


# --- Changelists at scale -----------------------------------------------------------------


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda m: m._meta.label_lower)
def test_it_opens_every_changelist(controller_client, model):
    populate(2)
    response = controller_client.get(changelist_url(model))
    assert response.status_code == 200
    if model in ORGANIZATION_MODELS:
        response = controller_client.get(changelist_url(model), {"q": "kerho"})
        assert response.status_code == 200


@pytest.mark.parametrize("model", ORGANIZATION_MODELS, ids=lambda m: m._meta.label_lower)
def test_it_lists_in_a_fixed_number_of_queries(
    controller_client, model, django_assert_max_num_queries
):
    url = changelist_url(model)
    populate(2)
    controller_client.get(url)  # warms the session and the content type cache
    with CaptureQueriesContext(connection) as few:
        assert controller_client.get(url).status_code == 200
    populate(10)
    with django_assert_max_num_queries(len(few)):
        response = controller_client.get(url)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) > 10


@pytest.mark.parametrize("model", ORGANIZATION_MODELS, ids=lambda m: m._meta.label_lower)
def test_it_opens_every_change_page(controller_client, model):
    populate(1)
    obj = model.objects.first()
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    assert controller_client.get(url).status_code == 200


# --- The estimated count ------------------------------------------------------------------


@pytest.fixture
def estimate(monkeypatch):
    """Pretend the planner estimates the table at the returned box's value."""
    box = {"rows": 0}
    monkeypatch.setattr(admin_tools, "table_row_estimate", lambda model, using: box["rows"])
    return box


def test_it_uses_the_estimate_for_a_big_unfiltered_table(estimate, club):
    estimate["rows"] = 2_000_000
    paginator = EstimatedCountPaginator(Membership.objects.order_by("pk"), 100)
    with CaptureQueriesContext(connection) as queries:
        assert paginator.count == 2_000_000
    assert queries.captured_queries == []
    assert paginator.is_estimated
    assert paginator.num_pages == 20_000


def test_it_counts_a_filtered_list(estimate, club):
    estimate["rows"] = 2_000_000
    queryset = Membership.objects.filter(status=Membership.Status.ACTIVE).order_by("pk")
    paginator = EstimatedCountPaginator(queryset, 100)
    assert paginator.count == 1
    assert not paginator.is_estimated


@pytest.mark.parametrize("rows", [9_999, -1, None])
def test_it_counts_small_unanalysed_or_unknown_tables(estimate, club, rows):
    estimate["rows"] = rows
    paginator = EstimatedCountPaginator(Membership.objects.order_by("pk"), 100)
    assert paginator.count == 1
    assert not paginator.is_estimated


def test_it_does_not_cut_the_last_page_at_a_low_estimate(estimate):
    populate(2)  # six memberships
    estimate["rows"] = 4
    paginator = EstimatedCountPaginator(Membership.objects.order_by("pk"), 3)
    paginator.estimate_threshold = 1
    assert paginator.num_pages == 2
    assert len(paginator.page(2).object_list) == 3


def test_it_estimates_the_changelist_only_while_unfiltered(controller_client, estimate, club):
    estimate["rows"] = 2_000_000
    url = changelist_url(Membership)
    response = controller_client.get(url)
    assert response.context["cl"].result_count == 2_000_000
    assert len(response.context["cl"].result_list) == 1
    for params in ({"status": "active"}, {"q": "virtanen"}, {"role__exact": "member"}):
        response = controller_client.get(url, params)
        assert response.status_code == 200
        assert response.context["cl"].result_count in (0, 1), params


def test_it_reads_the_estimate_from_postgresql(club):
    if connection.vendor != "postgresql":
        assert admin_tools.table_row_estimate(Membership, using="default") is None
        return
    add_member(club)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Membership._meta.db_table}")
    assert admin_tools.table_row_estimate(Membership, using="default") == 2
