"""Writes for organizations: each runs in a transaction and records who did it.

One module a capability: ``organization`` (registering one, its details, bank accounts and
contact persons), ``claims``, ``memberships`` (admin rights, leaving, Art. 16
corrections), ``invitations``, ``read_log`` and ``succession`` (who administers an
organization whose only admin is erased); ``base`` holds what they share. Callers
import from ``organizations.services``, which names them all.
"""

from __future__ import annotations

from organizations.services.base import (
    RuleError,
    _search_fields,
    business_id_holder,
    membership_add,
    memberships_sync_user,
)
from organizations.services.claims import (
    CLAIM_DECIDED,
    CLAIM_FILED,
    organization_claim_approve,
    organization_claim_file,
    organization_claim_notify,
    organization_claim_reject,
)
from organizations.services.invitations import (
    INVITATION_ADDRESS_UNVERIFIED,
    INVITATION_FOR_ANOTHER_ADDRESS,
    ImportResult,
    ImportRow,
    NewInvitation,
    invitation_accept,
    invitation_create,
    invitation_for_token,
    invitation_revoke,
    invitation_send,
    invitations_import,
)
from organizations.services.memberships import (
    MEMBERSHIP_RECTIFIABLE,
    MembershipEnding,
    membership_admin_grant,
    membership_admin_revoke,
    membership_end,
    membership_leave,
    membership_rectify,
)
from organizations.services.organization import (
    ORGANIZATION_FIELDS,
    bank_account_delete,
    bank_account_iban_problem,
    bank_account_save,
    contact_person_delete,
    contact_person_save,
    iban_taken_message,
    organization_create,
    organization_update,
    organization_verify,
)
from organizations.services.read_log import (
    controller_data_view_record,
    member_data_view_record,
    member_export_record,
    member_exports_forget,
)
from organizations.services.succession import (
    organization_leave_without_admin,
    organization_without_admin_notify,
    sole_admin_organizations,
    successor_appoint,
    successor_candidates,
    successor_notify,
)

__all__ = [
    "CLAIM_DECIDED",
    "CLAIM_FILED",
    "INVITATION_ADDRESS_UNVERIFIED",
    "INVITATION_FOR_ANOTHER_ADDRESS",
    "MEMBERSHIP_RECTIFIABLE",
    "ORGANIZATION_FIELDS",
    "ImportResult",
    "ImportRow",
    "MembershipEnding",
    "NewInvitation",
    "RuleError",
    "_search_fields",
    "bank_account_delete",
    "bank_account_iban_problem",
    "bank_account_save",
    "business_id_holder",
    "contact_person_delete",
    "contact_person_save",
    "controller_data_view_record",
    "iban_taken_message",
    "invitation_accept",
    "invitation_create",
    "invitation_for_token",
    "invitation_revoke",
    "invitation_send",
    "invitations_import",
    "member_data_view_record",
    "member_export_record",
    "member_exports_forget",
    "membership_add",
    "membership_admin_grant",
    "membership_admin_revoke",
    "membership_end",
    "membership_leave",
    "membership_rectify",
    "memberships_sync_user",
    "organization_claim_approve",
    "organization_claim_file",
    "organization_claim_notify",
    "organization_claim_reject",
    "organization_create",
    "organization_leave_without_admin",
    "organization_update",
    "organization_verify",
    "organization_without_admin_notify",
    "sole_admin_organizations",
    "successor_appoint",
    "successor_candidates",
    "successor_notify",
]
