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
