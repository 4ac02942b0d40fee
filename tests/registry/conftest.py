"""Fixtures of the shared helpers' tests: a real S3-compatible server (tests/s3.py)."""

from tests.s3 import private_s3, s3_endpoint  # noqa: F401
