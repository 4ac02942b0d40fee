"""Registering an organization, its details, its verification, its bank accounts and
contact persons."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.sources import DataSource
from gdpr.api import acting_as, controller_contact
from organizations.models import (
    BankAccount,
    ContactPerson,
    Membership,
    Organization,
    iban_normalise,
)
from organizations.services.base import (
    RuleError,
    _business_id,
    _grant_admin,
    _member_fields_from_user,
    _registered_error,
    _search_fields,
    acting,
    business_id_holder,
)

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)


ORGANIZATION_FIELDS = (
    "name",
    "kind",
    "business_id",
    "association_register_number",
    "email",
    "phone",
    "street_address",
    "postal_code",
    "city",
    "website",
    "e_invoice_address",
    "e_invoice_operator",
    "financial_period_end_month",
)


@transaction.atomic
def organization_create(
    *, data: Mapping[str, Any], first_admin: User, actor: User | None
) -> Organization:
    """Register an organization; ``first_admin`` becomes its first member and admin.

    The organization is usable at once but unverified until the controller verifies it.
    A business ID already registered is refused (the person files a claim instead).
    """
    values = {name: data[name] for name in ORGANIZATION_FIELDS if name in data}
    values["business_id"] = _business_id(values.get("business_id", ""))
    if business_id_holder(business_id=values["business_id"]) is not None:
        raise _registered_error()
    try:
        # A savepoint: two registrations of one business ID at once meet the constraint.
        with transaction.atomic(), acting(actor):
            organization = Organization.objects.create(**values, created_by=actor)
    except IntegrityError as error:
        raise _registered_error() from error
    membership = Membership(
        organization=organization,
        user=first_admin,
        status=Membership.Status.ACTIVE,
        joined_on=timezone.localdate(),
        **_member_fields_from_user(first_admin),
    )
    _search_fields(membership)
    with acting(actor):
        membership.save()
    _grant_admin(membership=membership, actor=actor)
    return organization


@transaction.atomic
def organization_update(*, organization: Organization, data: Mapping[str, Any]) -> Organization:
    """Save the changed fields of an organization's own data."""
    # Compare with the stored row, not the caller's instance: a ModelForm has already
    # copied the new values onto the instance it was given.
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    data = dict(data)
    if "business_id" in data:
        data["business_id"] = _business_id(data["business_id"])
        if business_id_holder(business_id=data["business_id"], exclude=organization) is not None:
            raise _registered_error()
    changed = [n for n in ORGANIZATION_FIELDS if n in data and getattr(organization, n) != data[n]]
    for name in changed:
        setattr(organization, name, data[name])
    if "business_id" in changed and organization.is_verified:
        # The verification vouched for the organization under its business ID: under
        # another one it vouches for nothing, and the controller looks again.
        logger.info(
            "Organization %s changed its business ID; its verification was withdrawn",
            organization.pk,
        )
        organization.verified_at = None
        organization.verified_by = None
        organization.verification_evidence = ""
        changed += ["verified_at", "verified_by", "verification_evidence"]
    if changed:
        try:
            with transaction.atomic():
                organization.save(update_fields=changed)
        except IntegrityError as error:
            raise _registered_error() from error
    return organization


@transaction.atomic
def organization_verify(
    *, organization: Organization, evidence: str, actor: User | None
) -> Organization:
    """The controller confirms that the organization is who it says it is, naming the
    evidence (e.g. a trade register extract). Verifying again replaces the evidence."""
    evidence = evidence.strip()
    if not evidence:
        raise RuleError(_("Name the evidence the verification rests on."), code="evidence")
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    organization.verified_at = timezone.now()
    organization.verified_by = actor
    organization.verification_evidence = evidence
    # The audit trail records who verified (verified_by is an actor field).
    with acting_as(actor):
        organization.save(update_fields=["verified_at", "verified_by", "verification_evidence"])
    logger.info(
        "Organization %s verified by user %s",
        organization.pk,
        getattr(actor, "pk", None),
    )
    return organization


@transaction.atomic
def bank_account_save(
    *, organization: Organization, account: BankAccount | None, data: Mapping[str, Any]
) -> BankAccount:
    """Add or change a bank account; one primary account at most, and an IBAN belongs to
    one organization only."""
    account = account or BankAccount(organization=organization)
    data = dict(data)
    if "iban" in data:
        try:
            data["iban"] = iban_normalise(data["iban"])
        except ValidationError as error:
            raise RuleError(error.messages, code="invalid") from error
    for name in ("iban", "bic", "bank_name", "description", "is_primary"):
        if name in data:
            setattr(account, name, data[name])
    problem = bank_account_iban_problem(
        organization=organization, iban=account.iban, account_pk=account.pk
    )
    if problem:
        raise RuleError(problem, code="iban_taken")
    if account.is_primary:
        organization.bank_accounts.exclude(pk=account.pk).update(is_primary=False)
    elif not organization.bank_accounts.exclude(pk=account.pk).filter(is_primary=True).exists():
        account.is_primary = True
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError as error:
        # Another organization registered the same account a moment earlier.
        raise RuleError(iban_taken_message(), code="iban_taken") from error
    return account


def iban_taken_message() -> str:
    contact = controller_contact()
    controller = contact["name"]
    if contact["email"]:
        controller = f"{controller} ({contact['email']})"
    return _(
        "This account is already registered to another organization. If it belongs to your "
        "organization, contact the controller of the register, %(controller)s."
    ) % {"controller": controller}


def bank_account_iban_problem(
    *, organization: Organization | None, iban: str, account_pk: int | None = None
) -> str:
    """Why ``iban`` (compact) cannot be this organization's account; "" if it can.

    Compared in compact form, the way accounts are stored, so "FI21 1234…" and
    "fi211234…" are one account.
    """
    holders = BankAccount.objects.filter(iban=iban)
    if account_pk is not None:
        holders = holders.exclude(pk=account_pk)
    holder = holders.values_list("organization_id", flat=True).first()
    if holder is None:
        return ""
    if organization is not None and holder == organization.pk:
        return _("This account is already registered.")
    return iban_taken_message()


@transaction.atomic
def bank_account_delete(*, account: BankAccount) -> None:
    organization = account.organization
    was_primary = account.is_primary
    account.delete()
    if was_primary:
        successor = organization.bank_accounts.order_by("pk").first()
        if successor is not None:
            successor.is_primary = True
            successor.save(update_fields=["is_primary"])


def contact_person_save(
    *,
    organization: Organization,
    contact: ContactPerson | None,
    data: Mapping[str, Any],
    source: DataSource = DataSource.ORGANIZATION_ADMIN,
) -> ContactPerson:
    contact = contact or ContactPerson(organization=organization)
    contact.source = source
    for name in ("name", "role", "phone", "email", "user"):
        if name in data:
            setattr(contact, name, data[name])
    contact.save()
    return contact


def contact_person_delete(*, contact: ContactPerson) -> None:
    contact.delete()
