"""Retention: the job runner apps register their purges with, and gdpr's own purges."""
