from __future__ import annotations

from celery import shared_task


@shared_task(
    name="organizations.tasks.send_invitation",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_invitation(invitation_id: int, token: str, language: str) -> bool:
    from .services import invitation_send

    return invitation_send(invitation_id=invitation_id, token=token, language=language)


@shared_task(
    name="organizations.tasks.send_claim_notices",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_claim_notices(claim_id: int, event: str, previous_admin_ids: list[int]) -> bool:
    from .services import organization_claim_notify

    return organization_claim_notify(
        claim_id=claim_id, event=event, previous_admin_ids=previous_admin_ids
    )
