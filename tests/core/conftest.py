"""Shared fixtures of the core tests: a mocked gateway, file JSON builders."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import responses

from sds_desktop.core.checksum import blake3_bytes
from sds_desktop.core.gateway import Gateway
from sds_desktop.core.retry import RetryPolicy

BASE = "https://sds.test/api/v1"
TOKEN = "abcdefgh.SECRETSECRETSECRETSECRETSECRET12"
EMAIL = "alice@example.org"


def no_sleep(_seconds: float) -> None:
    return None


def policy(attempts: int = 3) -> RetryPolicy:
    return RetryPolicy(attempts=attempts, base_delay=0.01, sleep=no_sleep)


def file_json(
    name: str = "a.bin",
    directory: str = f"/files/{EMAIL}/data",
    content: bytes = b"hello",
    file_uuid: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "uuid": file_uuid or str(uuid.uuid4()),
        "name": name,
        "directory": directory,
        "size": len(content),
        "sum_blake3": blake3_bytes(content),
        "media_type": "application/octet-stream",
        "permissions": "rw-r--r--",
        "created_at": "2026-01-02 03:04:05",
        "updated_at": "2026-01-02 03:04:05",
        "expiration_date": "2028-01-02 03:04:05",
        "is_public": False,
        "owner": {"id": 1, "email": EMAIL, "name": "Alice"},
        "captures": [],
        "datasets": [],
    }
    data.update(extra)
    return data


def page(
    results: list[Any], next_url: str | None = None, count: int | None = None
) -> dict[str, Any]:
    return {
        "count": len(results) if count is None else count,
        "next": next_url,
        "previous": None,
        "results": results,
    }


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    gw = Gateway(BASE, TOKEN, timeout=5, retry=policy())
    yield gw
    gw.close()
