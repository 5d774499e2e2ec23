"""The fault suite: the transfer queue against the sandbox's fault injection.

Every test asserts that nothing is lost: every item ends done (or failed with its
reason where failing is right), the bytes on both sides match, no partial file sits
under a final name, and the user was needed only where the fault requires it.
Thresholds are short (stall 1 s, backoff in tenths of a second) to keep the suite fast.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from sds_desktop.core.gateway import Gateway
from sds_desktop.core.queue import ItemState, TransferQueue
from sds_desktop.core.retry import NO_RETRY, QueueRetryPolicy
from sds_desktop.core.transfer import TEMP_PREFIX
from sds_desktop.sandbox.server import SandboxServer

_users = itertools.count(1)

FAST = QueueRetryPolicy(
    attempts=6,
    deadline=60,
    base_delay=0.05,
    max_delay=0.2,
    server_base_delay=0.1,
    max_server_delay=0.4,
    stall_seconds=1.0,
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    with SandboxServer(tmp_path_factory.mktemp("faults-sandbox")) as srv:
        yield srv


@pytest.fixture(autouse=True)
def _reset_faults(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "server" in request.fixturenames:
        request.getfixturevalue("server").faults.reset()


@pytest.fixture
def email() -> str:
    return f"fault{next(_users)}@test.sds"


@pytest.fixture
def key(server: SandboxServer, email: str) -> str:
    return server.add_user(email)


def gateway_for(server: SandboxServer, key: str) -> Gateway:
    """A gateway as the window makes one, but with per-request retries off: the queue
    is the one retry layer."""
    return Gateway(f"{server.url}/api/v1", key, timeout=10, retry=NO_RETRY)


@pytest.fixture
def gateway(server: SandboxServer, key: str) -> Iterator[Gateway]:
    gw = gateway_for(server, key)
    yield gw
    gw.close()


def make_files(folder: Path, n: int, size: int, *, prefix: str = "f") -> dict[str, bytes]:
    folder.mkdir(parents=True, exist_ok=True)
    data = {}
    for i in range(n):
        body = os.urandom(size)
        name = f"{prefix}{i:02d}.bin"
        (folder / name).write_bytes(body)
        data[name] = body
    return data


def partials(root: Path) -> list[Path]:
    return [p for p in root.rglob(f"{TEMP_PREFIX}*") if p.is_file()]


def states(queue: TransferQueue) -> dict[ItemState, int]:
    out: dict[ItemState, int] = {}
    for item in queue.items():
        out[item.state] = out.get(item.state, 0) + 1
    return out
