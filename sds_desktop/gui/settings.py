# ruff: noqa: FBT003 - Qt naming (camelCase signals), Qt's positional bools, asserts narrow types
"""Settings under platformdirs (or ``--config-dir``), stored with QSettings in INI form.

QSettings writes through QSaveFile (atomic), and every value is read with ``type=`` so
that booleans never come back as the string ``"false"`` (style.md pitfalls).
"""

from __future__ import annotations

import json
from pathlib import Path

import platformdirs
from PySide6.QtCore import QByteArray, QSettings

APP_NAME = "sds-desktop"
DEFAULT_HOST = "sds.crc.nd.edu"
DEFAULT_PARALLEL = 4
MAX_RECENT_HOSTS = 8


def default_config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


class Settings:
    """Typed accessors over one INI file in the config dir."""

    def __init__(self, config_dir: Path) -> None:
        self.config_dir = Path(config_dir)
        self.config_dir.mkdir(parents=True, exist_ok=True)
        self._qs = QSettings(str(self.config_dir / "settings.ini"), QSettings.Format.IniFormat)

    # paths owned by the app
    @property
    def log_dir(self) -> Path:
        return self.config_dir / "logs"

    @property
    def queue_journal(self) -> Path:
        return self.config_dir / "queue.sqlite3"

    @property
    def sandbox_dir(self) -> Path:
        return self.config_dir / "sandbox"

    def sync(self) -> None:
        self._qs.sync()

    # hosts
    @property
    def last_host(self) -> str:
        return str(self._qs.value("account/last_host", "", type=str))

    @last_host.setter
    def last_host(self, host: str) -> None:
        self._qs.setValue("account/last_host", host)

    @property
    def recent_hosts(self) -> list[str]:
        raw = str(self._qs.value("account/recent_hosts", "[]", type=str))
        try:
            hosts = json.loads(raw)
        except ValueError:
            return []
        return [h for h in hosts if isinstance(h, str) and h] if isinstance(hosts, list) else []

    def remember_host(self, host: str) -> None:
        hosts = [host, *[h for h in self.recent_hosts if h != host]][:MAX_RECENT_HOSTS]
        self._qs.setValue("account/recent_hosts", json.dumps(hosts))
        self.last_host = host

    @property
    def plaintext_opt_in(self) -> bool:
        return bool(self._qs.value("account/plaintext_opt_in", False, type=bool))

    @plaintext_opt_in.setter
    def plaintext_opt_in(self, value: bool) -> None:
        self._qs.setValue("account/plaintext_opt_in", bool(value))

    # transfers
    @property
    def parallel_transfers(self) -> int:
        value = int(self._qs.value("transfers/parallel", DEFAULT_PARALLEL, type=int))
        return max(1, min(32, value))

    @parallel_transfers.setter
    def parallel_transfers(self, value: int) -> None:
        self._qs.setValue("transfers/parallel", int(value))

    # browsing
    @property
    def show_hidden(self) -> bool:
        return bool(self._qs.value("local/show_hidden", False, type=bool))

    @show_hidden.setter
    def show_hidden(self, value: bool) -> None:
        self._qs.setValue("local/show_hidden", bool(value))

    @property
    def local_dir(self) -> str:
        return str(self._qs.value("local/dir", "", type=str))

    @local_dir.setter
    def local_dir(self, value: str) -> None:
        self._qs.setValue("local/dir", value)

    # window
    def window_state(self) -> tuple[QByteArray | None, QByteArray | None]:
        geo = self._qs.value("window/geometry", None)
        state = self._qs.value("window/state", None)
        return (
            geo if isinstance(geo, QByteArray) else None,
            state if isinstance(state, QByteArray) else None,
        )

    def save_window_state(self, geometry: QByteArray, state: QByteArray) -> None:
        self._qs.setValue("window/geometry", geometry)
        self._qs.setValue("window/state", state)
