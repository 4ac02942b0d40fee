"""A real S3-compatible server for the tests, and private storage pointed at a bucket on it.

``S3_TEST_ENDPOINT_URL`` names a running server (CI starts ``moto_server``); without it the
session starts moto's threaded server on a free port of its own, so these tests never skip.
Import the fixtures into a test module: ``from tests.s3 import private_s3, s3_endpoint``.
"""

from __future__ import annotations

import contextlib
import os
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from django.apps import apps
from django.core.files.storage import storages
from django.db import models

from registry.storage import PrivateS3Storage

REGION = "eu-north-1"
# moto takes any key; a real server named in S3_TEST_ENDPOINT_URL may want its own.
ACCESS_KEY = os.environ.get("S3_TEST_ACCESS_KEY_ID", "testing")
SECRET_KEY = os.environ.get("S3_TEST_SECRET_ACCESS_KEY", "testing")
# Where the session's own server may listen (S3_TEST_PORTS=9100-9119 by default).
PORTS = os.environ.get("S3_TEST_PORTS", "9100-9119")


def _free_port() -> int:
    first, last = (int(p) for p in PORTS.split("-"))
    for port in range(first, last + 1):
        with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"No free port in {PORTS} for the S3 test server")


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """The address of an S3-compatible server: the one named, or moto started here."""
    named = os.environ.get("S3_TEST_ENDPOINT_URL")
    if named:
        yield named.rstrip("/")
        return
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@dataclass
class Bucket:
    name: str
    endpoint: str
    client: Any
    storage: PrivateS3Storage

    def keys(self, prefix: str = "") -> list[str]:
        answer = self.client.list_objects_v2(Bucket=self.name, Prefix=prefix)
        return sorted(item["Key"] for item in answer.get("Contents", ()))

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()


def s3_client(endpoint: str):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )


def private_storage_entry(bucket: str, endpoint: str, **options: Any) -> dict[str, Any]:
    """STORAGES["private"] as the settings build it from PRIVATE_STORAGE_* variables."""
    return {
        "BACKEND": "registry.storage.PrivateS3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint,
            "region_name": REGION,
            "access_key": ACCESS_KEY,
            "secret_key": SECRET_KEY,
            "addressing_style": "path",
            **options,
        },
    }


@pytest.fixture
def private_s3(s3_endpoint, settings, monkeypatch) -> Bucket:
    """A new private bucket, and STORAGES["private"] pointing at it for this test."""
    name = f"registry-test-{uuid.uuid4().hex[:16]}"
    client = s3_client(s3_endpoint)
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    client.put_public_access_block(
        Bucket=name,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    settings.STORAGES = {
        **settings.STORAGES,
        "private": private_storage_entry(name, s3_endpoint),
    }
    # Changing STORAGES resets Django's handler (django.test.signals); be sure of it.
    storages.__dict__.pop("backends", None)
    storages._backends = None
    storages._storages = {}
    storage = storages["private"]
    assert isinstance(storage, PrivateS3Storage)
    # A FileField evaluates its storage callable once, when its model is defined: point
    # every private file field at the bucket for this test.
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.FileField) and getattr(field, "_storage_callable", None):
                monkeypatch.setattr(field, "storage", storage)
    return Bucket(name=name, endpoint=s3_endpoint, client=client, storage=storage)
