"""The transactional outbox: Celery tasks enqueued in the same transaction as the rows they
work on, so a broker that is down delays the work instead of losing it.

Infrastructure: imports none of the project's apps, so every app (gdpr included) may use it.
"""
