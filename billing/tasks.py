from __future__ import annotations

from celery import shared_task


@shared_task(
    name="billing.tasks.email_invoice",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def email_invoice(invoice_id: int) -> bool:
    from .sending import invoice_email_send

    return invoice_email_send(invoice_id=invoice_id)


@shared_task(name="billing.tasks.mark_overdue_invoices")
def mark_overdue_invoices() -> int:
    from .services import invoices_mark_overdue

    return invoices_mark_overdue()


@shared_task(
    name="billing.tasks.request_contract_ends",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def request_contract_ends(membership_id: int) -> int:
    from .leaving import contract_end_requests_send

    return contract_end_requests_send(membership_id=membership_id)


@shared_task(
    name="billing.tasks.email_reminder",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def email_reminder(reminder_id: int) -> bool:
    from .sending import reminder_email_send

    return reminder_email_send(reminder_id=reminder_id)
