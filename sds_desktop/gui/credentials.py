# ruff: noqa: FBT003 - Qt naming (camelCase signals), Qt's positional bools, asserts narrow types
"""API keys: keyring first, a session-only fallback, plain text only on explicit opt-in.

One small wrapper (style.md): keyring service ``sds-desktop``, user = host. A missing or
unusable backend (headless Linux, locked keychain) is detected up front so the login
dialog can say so; the key is then kept in memory for this session, unless the user
explicitly asks for a plain-text file (mode 0600 under the config dir).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

SERVICE = "sds-desktop"
log = logging.getLogger("sds_desktop.gui.credentials")


def _keyring() -> ModuleType:
    """The keyring module, imported on first use (0.15-0.2 s: not before the window shows)."""
    import keyring  # noqa: PLC0415
    import keyring.errors  # noqa: PLC0415

    return keyring


def _keyring_errors() -> tuple[type[BaseException], ...]:
    return (_keyring().errors.KeyringError, RuntimeError, OSError)


@dataclass(frozen=True)
class BackendStatus:
    usable: bool
    name: str
    reason: str = ""


def keyring_status() -> BackendStatus:
    """Whether the active keyring backend can store secrets (without touching one)."""
    keyring = _keyring()
    try:
        backend: KeyringBackend = keyring.get_keyring()
    except _keyring_errors() as exc:
        return BackendStatus(False, "none", str(exc))
    name = type(backend).__module__ + "." + type(backend).__name__
    module = type(backend).__module__
    if module.startswith(("keyring.backends.fail", "keyring.backends.null")):
        return BackendStatus(False, name, "no system keyring is available")
    try:
        priority = float(backend.priority)
    except _keyring_errors() as exc:
        return BackendStatus(False, name, str(exc))
    if priority <= 0 and module.startswith("keyring.backends.chainer"):
        return BackendStatus(False, name, "no system keyring is available")
    return BackendStatus(True, name)


class CredentialStore:
    """Load, save and delete API keys per host."""

    def __init__(self, config_dir: Path) -> None:
        self.plaintext_path = Path(config_dir) / "credentials.json"
        self._session: dict[str, str] = {}

    def status(self) -> BackendStatus:
        return keyring_status()

    def load(self, host: str) -> tuple[str | None, str]:
        """Return (key, where) with where in ``session``, ``keyring``, ``plaintext``, ``""``."""
        if host in self._session:
            return self._session[host], "session"
        if self.status().usable:
            try:
                key = _keyring().get_password(SERVICE, host)
            except _keyring_errors() as exc:
                log.warning("keyring read failed: %s", exc)
                key = None
            if key:
                return key, "keyring"
        key = self._read_plaintext().get(host)
        if key:
            return key, "plaintext"
        return None, ""

    def save(self, host: str, key: str, *, allow_plaintext: bool = False) -> str:
        """Store ``key``; returns where it went: ``keyring``, ``plaintext`` or ``session``."""
        self._session[host] = key
        if self.status().usable:
            try:
                _keyring().set_password(SERVICE, host, key)
                return "keyring"
            except _keyring_errors() as exc:
                log.warning("keyring write failed, keeping the key for this session: %s", exc)
        if allow_plaintext:
            data = self._read_plaintext()
            data[host] = key
            self._write_plaintext(data)
            return "plaintext"
        return "session"

    def delete(self, host: str) -> None:
        """Forget the key everywhere (sign out)."""
        self._session.pop(host, None)
        if self.status().usable:
            with contextlib.suppress(*_keyring_errors()):
                _keyring().delete_password(SERVICE, host)
        data = self._read_plaintext()
        if host in data:
            del data[host]
            self._write_plaintext(data)

    def _read_plaintext(self) -> dict[str, str]:
        try:
            data = json.loads(self.plaintext_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict):
            return {}
        return {str(k): str(v) for k, v in data.items() if isinstance(v, str)}

    def _write_plaintext(self, data: dict[str, str]) -> None:
        """Atomic write with mode 0600 from the start (never world-readable)."""
        self.plaintext_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.plaintext_path.with_name(self.plaintext_path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(self.plaintext_path)
        with contextlib.suppress(OSError):
            self.plaintext_path.chmod(0o600)
