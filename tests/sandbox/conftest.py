"""Fixtures: a running SandboxServer per test module, keys, and HTTP helpers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from sds_desktop.sandbox.server import SandboxServer


class Api:
    """Tiny raw-HTTP client bound to one key (tests speak the wire format directly)."""

    def __init__(self, base: str, key: str | None) -> None:
        self.base = base
        self.key = key
        self.session = requests.Session()

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {} if self.key is None else {"Authorization": f"Api-Key: {self.key}"}
        return {**headers, **(extra or {})}

    def url(self, path: str) -> str:
        return path if path.startswith("http") else f"{self.base}/api/v1{path}"

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = self.headers(kwargs.pop("headers", None))
        return self.session.request(method, self.url(path), headers=headers, timeout=30, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def upload(
        self, directory: str, name: str, data: bytes, media_type: str = "application/octet-stream"
    ) -> requests.Response:
        return self.post(
            "/assets/files/",
            data={
                "directory": directory,
                "name": name,
                "media_type": media_type,
                "permissions": "rw-r--r--",
            },
            files={"file": (name, data)},
        )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    data_dir: Path = tmp_path_factory.mktemp("sandbox")
    with SandboxServer(data_dir) as srv:
        yield srv


@pytest.fixture(autouse=True)
def _reset_faults(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "server" in request.fixturenames:
        request.getfixturevalue("server").faults.reset()


_counter = iter(range(1_000_000))


@pytest.fixture
def email() -> str:
    return f"user{next(_counter)}@example.org"


@pytest.fixture
def api(server: SandboxServer, email: str) -> Api:
    """A fresh user with a fresh key, so tests never see each other's files."""
    return Api(server.url, server.add_user(email))


@pytest.fixture
def make_api(server: SandboxServer) -> Any:
    def make(email: str | None = None) -> Api:
        return Api(server.url, server.add_user(email or f"user{next(_counter)}@example.org"))

    return make
