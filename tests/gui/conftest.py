"""GUI test fixtures: an in-memory keyring, a sandbox gateway, a main window.

No test touches a real keychain: every test runs with :class:`MemoryKeyring` installed
(or the fail backend, when a test asks for it). A test that leaves a worker running fails
in the ``window`` fixture's teardown.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest
from keyring.backend import KeyringBackend

from sds_desktop.gui.main_window import MainWindow
from sds_desktop.gui.settings import Settings
from sds_desktop.sandbox.server import SandboxServer

DEMO_EMAIL = "demo@sandbox.sds"
_users = itertools.count(1)


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    server = SandboxServer(tmp_path_factory.mktemp("sandbox"))
    server.start()
    server.demo_key = server.seed_demo(DEMO_EMAIL)  # type: ignore[attr-defined]
    yield server
    server.stop()


@pytest.fixture
def user_key(sandbox: SandboxServer) -> str:
    """A fresh user with an empty tree (tests that upload do not see each other)."""
    return sandbox.add_user(f"user{next(_users)}@test.sds")


@pytest.fixture
def local_dir(tmp_path: Path) -> Path:
    root = tmp_path / "local"
    root.mkdir()
    return root


@pytest.fixture
def window(qtbot, tmp_path: Path, local_dir: Path, sandbox: SandboxServer) -> Iterator[MainWindow]:
    sandbox.faults.reset()
    win = MainWindow(Settings(tmp_path / "config"), local_dir=local_dir)
    win.ask = lambda *_args: True  # type: ignore[method-assign]
    qtbot.addWidget(win)
    win.show()
    yield win
    sandbox.faults.reset()
    win.shutdown(timeout_ms=10_000)
    assert win.controller.pool.activeThreadCount() == 0, "a transfer worker is still running"
    assert win.tasks.pool.activeThreadCount() == 0, "a background task is still running"
    assert win.controller.planner.pool.activeThreadCount() == 0


def sign_in(qtbot, win: MainWindow, sandbox: SandboxServer, key: str) -> None:
    with qtbot.waitSignal(win.signedIn, timeout=10_000):
        win.sign_in_with(sandbox.url, key, sandbox=True)
