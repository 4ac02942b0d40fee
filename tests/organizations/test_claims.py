"""Verification of organizations and claims to a business ID already registered.

Anyone may register an organization and use it at once, but it stays unverified until the
controller verifies it. Registering a business ID that someone already holds files a claim
instead; the controller approves it (the organization passes to the claimant) or rejects it.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.models import User
from communications.models import CommunicationRecord
from organizations import services
from organizations.models import AdminRightChange, BankAccount, Membership, Organization
from organizations.models import OrganizationClaim as Claim
from organizations.permissions import is_organization_admin
from tests.factories import StaffFactory, UserFactory

from .factories import BankAccountFactory, add_member, organization_with_admin

pytestmark = pytest.mark.django_db

BUSINESS_ID = "2468823-3"


@pytest.fixture
def club(admin) -> Organization:
    # Registered by Aila, who may or may not represent the club.
    return organization_with_admin(admin, name="Malmin Ilmailukerho ry", business_id=BUSINESS_ID)


@pytest.fixture
def claimant(db) -> User:
    return UserFactory(
        email="pekka.puheenjohtaja@example.fi",
        first_name="Pekka",
        last_name="Puheenjohtaja",
        preferred_language="en",
    )


@pytest.fixture
def controller(db) -> User:
    user = StaffFactory(email="laura.controller@example.fi", preferred_language="en")
    return user


@pytest.fixture
def controller_client(client, controller):
    client.force_login(controller)
    return client


def file_claim(club: Organization, claimant: User, statement: str = "I chair the board.") -> Claim:
    return services.organization_claim_file(
        business_id=club.business_id, claimant=claimant, statement=statement
    )


def mail_to(mailoutbox, address: str):
    return [m for m in mailoutbox if address in m.to]


# --- Verification ---------------------------------------------------------------------------


def test_it_registers_an_organization_unverified_and_usable_at_once(client, admin):
    client.force_login(admin)
    response = client.post(
        reverse("organizations:create"),
        {"name": "Vaasan Lentokerho ry", "kind": Organization.Kind.FLYING_CLUB},
        follow=True,
    )
    organization = Organization.objects.get(name="Vaasan Lentokerho ry")
    assert not organization.is_verified
    assert organization.verified_by is None
    assert is_organization_admin(admin, organization)
    page = response.content.decode()
    assert "Unverified" in page
    assert "until the controller of the register has verified it" in page
    # Its tools work while unverified.
    assert client.get(reverse("organizations:members", args=[organization.pk])).status_code == 200


def test_it_verifies_an_organization_on_named_evidence(club, controller):
    services.organization_verify(
        organization=club, evidence=" Trade register extract of 3.2.2026 ", actor=controller
    )
    club.refresh_from_db()
    assert club.is_verified
    assert club.verified_by == controller
    assert club.verification_evidence == "Trade register extract of 3.2.2026"


def test_it_logs_who_verified_in_the_audit_trail(club, controller):
    from gdpr.models import AuditEntry

    services.organization_verify(organization=club, evidence="Extract", actor=controller)
    entry = AuditEntry.objects.filter(model="organizations.organization", object_id=str(club.pk))
    assert entry.filter(actor=controller, changes__has_key="verified_by").exists()


def test_it_refuses_a_verification_without_evidence(club, controller):
    with pytest.raises(services.RuleError):
        services.organization_verify(organization=club, evidence="  ", actor=controller)
    club.refresh_from_db()
    assert not club.is_verified


def test_it_withdraws_the_verification_when_the_business_id_changes(club, controller):
    services.organization_verify(organization=club, evidence="Extract", actor=controller)
    services.organization_update(organization=club, data={"city": "Helsinki"})
    club.refresh_from_db()
    assert club.is_verified
    services.organization_update(organization=club, data={"business_id": "0196285-0"})
    club.refresh_from_db()
    assert not club.is_verified
    assert club.verification_evidence == ""


def test_it_shows_the_verification_to_members(client, club, admin, controller, member):
    add_member(club, member)
    services.organization_verify(organization=club, evidence="Extract", actor=controller)
    client.force_login(member)
    detail = client.get(reverse("organizations:detail", args=[club.pk])).content.decode()
    mine = client.get(reverse("organizations:mine")).content.decode()
    assert 'class="badge badge-verified"' in detail
    assert 'class="badge badge-verified"' in mine
    assert "Unverified" not in mine


def test_it_verifies_in_the_admin_with_the_evidence(controller_client, controller, club):
    url = reverse("admin:organizations_organization_verify", args=[club.pk])
    change = controller_client.get(
        reverse("admin:organizations_organization_change", args=[club.pk])
    )
    assert url in change.content.decode()
    assert controller_client.get(url).status_code == 200

    response = controller_client.post(url, {"evidence": ""})
    assert response.status_code == 200
    club.refresh_from_db()
    assert not club.is_verified

    response = controller_client.post(url, {"evidence": "Yhdistysrekisteriote 3.2.2026"})
    assert response.status_code == 302
    club.refresh_from_db()
    assert club.verified_by == controller
    assert club.verification_evidence == "Yhdistysrekisteriote 3.2.2026"


def test_it_lets_only_staff_who_may_change_organizations_verify(client, club):
    clerk = StaffFactory(is_superuser=False)
    clerk.user_permissions.add(Permission.objects.get(codename="view_organization"))
    client.force_login(clerk)
    url = reverse("admin:organizations_organization_verify", args=[club.pk])
    assert client.post(url, {"evidence": "Extract"}).status_code == 403
    club.refresh_from_db()
    assert not club.is_verified


def test_it_filters_the_admin_list_by_verification(controller_client, controller, club):
    other = organization_with_admin(name="Vaasan Lentokerho ry")
    services.organization_verify(organization=club, evidence="Extract", actor=controller)
    url = reverse("admin:organizations_organization_changelist")
    verified = controller_client.get(url, {"verified_at__isempty": "0"}).context["cl"].result_list
    unverified = controller_client.get(url, {"verified_at__isempty": "1"}).context["cl"].result_list
    assert list(verified) == [club]
    assert list(unverified) == [other]


# --- The business ID in the model and the services ------------------------------------------


@pytest.mark.parametrize("business_id", ["2468823-4", "1234567", "ABCDEFG-H"])
def test_it_refuses_a_bad_business_id_in_the_services(admin, club, claimant, business_id):
    before = Organization.objects.count()
    with pytest.raises(services.RuleError):
        services.organization_create(
            data={"name": "Huono ry", "business_id": business_id},
            first_admin=admin,
            actor=admin,
        )
    assert Organization.objects.count() == before
    with pytest.raises(services.RuleError):
        services.organization_update(organization=club, data={"business_id": business_id})
    club.refresh_from_db()
    assert club.business_id == BUSINESS_ID
    with pytest.raises(services.RuleError):
        services.organization_claim_file(
            business_id=business_id, claimant=claimant, statement="I chair the board."
        )


def test_it_stores_a_business_id_in_its_written_form(admin):
    organization = services.organization_create(
        data={"name": "Vaasan Lentokerho ry", "business_id": " 24688233 "},
        first_admin=admin,
        actor=admin,
    )
    assert organization.business_id == BUSINESS_ID


def test_it_refuses_a_bad_or_unwritten_business_id_in_the_model():
    with pytest.raises(ValidationError) as bad:
        Organization(name="Huono ry", business_id="2468823-4").full_clean()
    assert "business_id" in bad.value.message_dict
    with pytest.raises(ValidationError) as compact:
        Organization(name="Huono ry", business_id="24688233").full_clean()
    assert compact.value.message_dict["business_id"] == ["Kirjoita Y-tunnus muodossa 2468823-3."]
    Organization(name="Hyvä ry", business_id=BUSINESS_ID).full_clean()


def test_it_refuses_to_register_a_business_id_twice_in_the_service(club, claimant):
    with pytest.raises(services.RuleError):
        services.organization_create(
            data={"name": "Kaappaaja ry", "business_id": BUSINESS_ID},
            first_admin=claimant,
            actor=claimant,
        )
    assert Organization.objects.filter(business_id=BUSINESS_ID).get() == club


# --- Filing a claim ---------------------------------------------------------------------------


def test_it_turns_a_second_registration_into_a_claim(
    client, club, admin, claimant, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(claimant)
    response = client.post(
        reverse("organizations:create"),
        {"name": "Malmin Ilmailukerho ry", "kind": "flying_club", "business_id": "24688233"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("organizations:claim_new", args=[BUSINESS_ID])
    page = response.content.decode()
    assert "is already registered" in page
    assert "Malmin Ilmailukerho ry" in page
    assert Organization.objects.count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("organizations:claim_new", args=[BUSINESS_ID]),
            {"statement": "I am the chair; the trade register extract names me."},
            follow=True,
        )
    claim = Claim.objects.get()
    assert response.redirect_chain[-1][0] == reverse("organizations:claim", args=[claim.pk])
    page = response.content.decode()
    assert "Your claim went to the controller of the register" in page
    assert (claim.organization, claim.claimant, claim.status) == (
        club,
        claimant,
        Claim.Status.PENDING,
    )
    assert claim.statement == "I am the chair; the trade register extract names me."
    assert Organization.objects.count() == 1
    assert not is_organization_admin(claimant, club)

    # Both sides are told: the claimant that it went to the controller, the admins that a
    # claim was filed (not by whom).
    (to_claimant,) = mail_to(mailoutbox, claimant.email)
    assert "went to the controller" in to_claimant.subject
    assert reverse("organizations:claim", args=[claim.pk]) in to_claimant.body
    (to_admin,) = mail_to(mailoutbox, admin.email)
    assert "Someone has claimed to represent Malmin Ilmailukerho ry" in to_admin.subject
    assert "Pekka" not in to_admin.body and claimant.email not in to_admin.body
    claim.refresh_from_db()
    assert claim.filed_notice_sent_at is not None
    # Logged as communication; the claimant's mail is not in the organization's own log.
    records = CommunicationRecord.objects.filter(
        related_object=f"organizations.organizationclaim:{claim.pk}"
    )
    assert {(r.subject, r.organization) for r in records} == {(claimant, None), (admin, club)}


def test_it_sends_the_filing_notices_once(club, admin, claimant, mailoutbox):
    claim = file_claim(club, claimant)
    assert services.organization_claim_notify(claim_id=claim.pk, event=services.CLAIM_FILED)
    assert not services.organization_claim_notify(claim_id=claim.pk, event=services.CLAIM_FILED)
    assert len(mailoutbox) == 2


def test_it_allows_one_open_claim_per_person_and_organization(club, claimant):
    file_claim(club, claimant)
    with pytest.raises(services.RuleError):
        file_claim(club, claimant)
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.create(organization=club, claimant=claimant, statement="Again")
    assert Claim.objects.count() == 1


def test_it_lets_a_person_claim_again_once_the_first_is_decided(club, claimant, controller):
    services.organization_claim_reject(claim=file_claim(club, claimant), actor=controller)
    file_claim(club, claimant, "Now with the extract.")
    assert Claim.objects.filter(status=Claim.Status.PENDING).count() == 1


def test_it_refuses_a_claim_by_an_admin_or_without_a_statement(club, admin, claimant):
    with pytest.raises(services.RuleError):
        file_claim(club, admin)
    with pytest.raises(services.RuleError):
        file_claim(club, claimant, "   ")
    assert not Claim.objects.exists()


def test_it_keeps_the_statement_when_a_claim_is_refused(client, club, claimant):
    file_claim(club, claimant)
    client.force_login(claimant)
    response = client.post(
        reverse("organizations:claim_new", args=[BUSINESS_ID]), {"statement": "Once more"}
    )
    assert response.status_code == 200
    assert "already have a claim" in response.content.decode()
    assert "Once more" in response.content.decode()
    assert Claim.objects.count() == 1


def test_it_answers_404_for_an_unregistered_or_bad_business_id(client, claimant):
    client.force_login(claimant)
    assert client.get(reverse("organizations:claim_new", args=[BUSINESS_ID])).status_code == 404
    assert client.get(reverse("organizations:claim_new", args=["2468823-4"])).status_code == 404


def test_it_shows_a_claim_only_to_its_claimant(client, club, admin, claimant, member):
    add_member(club, member)
    claim = file_claim(club, claimant, "I chair the board.")
    url = reverse("organizations:claim", args=[claim.pk])
    for someone in (member, admin, UserFactory()):
        client.force_login(someone)
        assert client.get(url).status_code == 404
    client.force_login(claimant)
    response = client.get(url)
    assert response.status_code == 200
    assert "I chair the board." in response.content.decode()


def test_it_lists_the_claimants_claims_on_my_organizations(client, club, claimant, controller):
    other = organization_with_admin(name="Vaasan Lentokerho ry", business_id="0196285-0")
    services.organization_claim_reject(claim=file_claim(club, claimant), actor=controller)
    file_claim(other, claimant)
    client.force_login(claimant)
    response = client.get(reverse("organizations:mine"))
    claims = response.context["claims"]
    assert [(c.organization, c.status) for c in claims] == [
        (other, Claim.Status.PENDING),
        (club, Claim.Status.REJECTED),
    ]
    page = response.content.decode()
    assert "Waiting for the controller" in page and "Rejected" in page
    # Nobody else's claims.
    client.force_login(UserFactory())
    assert list(client.get(reverse("organizations:mine")).context["claims"]) == []


# --- Deciding ---------------------------------------------------------------------------------


def test_it_transfers_the_organization_on_approval_keeping_the_old_admins(
    club, admin, claimant, controller, mailoutbox, django_capture_on_commit_callbacks
):
    claim = file_claim(club, claimant)
    with django_capture_on_commit_callbacks(execute=True):
        services.organization_claim_approve(claim=claim, actor=controller, note="Extract checked.")
    claim.refresh_from_db()
    assert (claim.status, claim.decided_by, claim.decision_note) == (
        Claim.Status.APPROVED,
        controller,
        "Extract checked.",
    )
    assert claim.decided_at is not None
    membership = Membership.objects.get(organization=club, user=claimant)
    assert membership.is_admin
    assert is_organization_admin(claimant, club)
    assert is_organization_admin(admin, club)
    club.refresh_from_db()
    assert club.is_verified
    assert club.verified_by == controller
    assert f"hakemuksen nro {claim.pk}" in club.verification_evidence
    grant = AdminRightChange.objects.get(membership=membership)
    assert (grant.action, grant.changed_by) == (AdminRightChange.Action.GRANT, controller)

    (to_claimant,) = mail_to(mailoutbox, claimant.email)
    assert "you are now an admin of Malmin Ilmailukerho ry" in to_claimant.body
    assert "Extract checked." in to_claimant.body
    (to_admin,) = mail_to(mailoutbox, admin.email)
    assert "You remain an admin" in to_admin.body


def test_it_removes_the_previous_admins_rights_when_the_controller_chooses(
    club, admin, claimant, controller, mailoutbox, django_capture_on_commit_callbacks
):
    second = add_member(club)
    services.membership_admin_grant(membership=second, actor=admin)
    member = add_member(club)
    claim = file_claim(club, claimant)
    with django_capture_on_commit_callbacks(execute=True):
        services.organization_claim_approve(
            claim=claim, actor=controller, remove_previous_admins=True
        )
    assert not is_organization_admin(admin, club)
    assert not is_organization_admin(second.user, club)
    assert is_organization_admin(claimant, club)
    admins = Membership.objects.filter(organization=club, role=Membership.Role.ADMIN)
    assert [m.user for m in admins] == [claimant]
    # Their memberships stay; only the rights go, each change logged.
    assert Membership.objects.get(organization=club, user=admin).status == "active"
    revoked = AdminRightChange.objects.filter(action=AdminRightChange.Action.REVOKE)
    assert {c.membership.user for c in revoked} == {admin, second.user}
    member.refresh_from_db()
    assert member.role == Membership.Role.MEMBER
    (to_admin,) = mail_to(mailoutbox, admin.email)
    assert "Your admin rights in the organization were removed" in to_admin.body
    assert mail_to(mailoutbox, second.user.email)


def test_it_brings_a_former_member_back_as_admin(club, claimant, controller):
    former = add_member(club, claimant, status=Membership.Status.ENDED)
    services.organization_claim_approve(claim=file_claim(club, claimant), actor=controller)
    former.refresh_from_db()
    assert (former.status, former.role, former.ended_on) == ("active", "admin", None)
    assert Membership.objects.filter(organization=club, user=claimant).count() == 1


def test_it_tells_the_claimant_of_a_rejection(
    club, admin, claimant, controller, mailoutbox, django_capture_on_commit_callbacks
):
    claim = file_claim(club, claimant)
    with django_capture_on_commit_callbacks(execute=True):
        services.organization_claim_reject(
            claim=claim, actor=controller, note="The extract names someone else."
        )
    claim.refresh_from_db()
    assert claim.status == Claim.Status.REJECTED
    assert not is_organization_admin(claimant, club)
    assert not Membership.objects.filter(organization=club, user=claimant).exists()
    club.refresh_from_db()
    assert not club.is_verified
    (to_claimant,) = mail_to(mailoutbox, claimant.email)
    assert "rejected your claim" in to_claimant.body
    assert "The extract names someone else." in to_claimant.body
    assert mail_to(mailoutbox, admin.email) == []


def test_it_decides_a_claim_once(club, claimant, controller):
    claim = file_claim(club, claimant)
    services.organization_claim_reject(claim=claim, actor=controller)
    with pytest.raises(services.RuleError):
        services.organization_claim_approve(claim=claim, actor=controller)
    assert not is_organization_admin(claimant, club)


# --- The controller's desk ------------------------------------------------------------------


def test_it_approves_a_claim_in_the_admin(controller_client, club, admin, claimant):
    claim = file_claim(club, claimant, "I chair the board.")
    change_url = reverse("admin:organizations_organizationclaim_change", args=[claim.pk])
    page = controller_client.get(change_url).content.decode()
    assert "I chair the board." in page
    assert "Approve and transfer the organization" in page
    response = controller_client.post(
        reverse("admin:organizations_organizationclaim_decide", args=[claim.pk]),
        {"approve": "1", "note": "Checked", "remove_previous_admins": "on"},
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == Claim.Status.APPROVED
    assert is_organization_admin(claimant, club)
    assert not is_organization_admin(admin, club)
    # Decided: no buttons any more.
    assert "Approve and transfer" not in controller_client.get(change_url).content.decode()


def test_it_rejects_a_claim_in_the_admin(controller_client, club, claimant):
    claim = file_claim(club, claimant)
    response = controller_client.post(
        reverse("admin:organizations_organizationclaim_decide", args=[claim.pk]),
        {"reject": "1", "note": "No evidence"},
        follow=True,
    )
    assert response.status_code == 200
    claim.refresh_from_db()
    assert (claim.status, claim.decision_note) == (Claim.Status.REJECTED, "No evidence")
    # A second decision is a message, not a 500.
    response = controller_client.post(
        reverse("admin:organizations_organizationclaim_decide", args=[claim.pk]),
        {"approve": "1"},
        follow=True,
    )
    assert "already been decided" in response.content.decode()
    assert not is_organization_admin(claim.claimant, club)


def test_it_lets_only_staff_who_may_decide_claims_decide(client, club, claimant):
    claim = file_claim(club, claimant)
    clerk = StaffFactory(is_superuser=False)
    clerk.user_permissions.add(Permission.objects.get(codename="view_organizationclaim"))
    client.force_login(clerk)
    change_url = reverse("admin:organizations_organizationclaim_change", args=[claim.pk])
    assert client.get(change_url).status_code == 200
    assert "Approve and transfer" not in client.get(change_url).content.decode()
    url = reverse("admin:organizations_organizationclaim_decide", args=[claim.pk])
    assert client.post(url, {"approve": "1"}).status_code == 403
    assert client.get(url).status_code == 405
    claim.refresh_from_db()
    assert claim.is_pending


# --- Bank accounts: one organization per IBAN -----------------------------------------------


def test_it_refuses_another_organizations_account_in_the_service(club):
    other = organization_with_admin(name="Vaasan Lentokerho ry")
    BankAccountFactory(organization=other, iban="FI2112345600000785")
    with pytest.raises(services.RuleError) as refused:
        services.bank_account_save(
            organization=club, account=None, data={"iban": "FI21 1234 5600 0007 85"}
        )
    assert "ota yhteyttä rekisterinpitäjään" in refused.value.messages[0]
    assert not club.bank_accounts.exists()


def test_it_lets_an_organization_change_its_own_account(club):
    account = services.bank_account_save(
        organization=club, account=None, data={"iban": "fi21 1234 5600 0007 85"}
    )
    assert account.iban == "FI2112345600000785"
    services.bank_account_save(
        organization=club,
        account=account,
        data={"iban": "FI2112345600000785", "description": "Jäsenmaksut"},
    )
    account.refresh_from_db()
    assert account.description == "Jäsenmaksut"


def test_it_refuses_a_bad_iban_in_the_service(club):
    with pytest.raises(services.RuleError):
        services.bank_account_save(
            organization=club, account=None, data={"iban": "FI21 1234 5600 0007 86"}
        )


def test_it_holds_one_organization_per_iban_in_the_database(club):
    other = organization_with_admin(name="Vaasan Lentokerho ry")
    BankAccount.objects.create(organization=other, iban="FI2112345600000785")
    with pytest.raises(IntegrityError), transaction.atomic():
        BankAccount.objects.create(organization=club, iban="FI2112345600000785")
