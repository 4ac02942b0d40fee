"""Mail that leaves after the transaction: invitations and the notices of a claim."""

from __future__ import annotations

from celery import shared_task

from organizations import services


@shared_task(
    name="organizations.tasks.send_invitation",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_invitation(invitation_id: int, token: str, language: str) -> bool:
    return services.invitation_send(invitation_id=invitation_id, token=token, language=language)


@shared_task(
    name="organizations.tasks.send_claim_notices",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_claim_notices(claim_id: int, event: str, previous_admin_ids: list[int]) -> bool:
    return services.organization_claim_notify(
        claim_id=claim_id, event=event, previous_admin_ids=previous_admin_ids
    )


@shared_task(
    name="organizations.tasks.send_successor_notice",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_successor_notice(organization_id: int, user_id: int, appointed_at: str) -> bool:
    return services.successor_notify(
        organization_id=organization_id, user_id=user_id, appointed_at=appointed_at
    )


@shared_task(
    name="organizations.tasks.send_without_admin_notices",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_without_admin_notices(organization_id: int, contact_ids: list[int]) -> int:
    return services.organization_without_admin_notify(organization_id, contact_ids)
