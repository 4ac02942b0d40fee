"""A flight log: an app that exists only in the tests, to prove that the personal-data
declarations are the whole contract with gdpr.

It declares one model with personal data, the same way every app of the product does, and
nothing under ``gdpr/`` knows about it; its rows must still appear in the access export,
go in an erasure, be listed in the privacy notice and the records of processing, and be
purged by its own retention job (``tests/test_registry_contract.py``).
"""
