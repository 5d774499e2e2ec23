# ruff: noqa: FBT003 - Qt naming (camelCase signals), Qt's positional bools, asserts narrow types
"""Settings under platformdirs (or ``--config-dir``), stored with QSettings in INI form.

QSettings writes through QSaveFile (atomic), and every value is read with ``type=`` so
that booleans never come back as the string ``"false"`` (style.md pitfalls).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import platformdirs
from PySide6.QtCore import QByteArray, QSettings

from sds_desktop.core.paths import private_dir, private_file

APP_NAME = "sds-desktop"
DEFAULT_HOST = "sds.crc.nd.edu"
DEFAULT_PARALLEL = 4
MAX_RECENT_HOSTS = 8


def default_config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


class Settings:
    """Typed accessors over one INI file in the config dir."""

    def __init__(self, config_dir: Path) -> None:
        self.config_dir = private_dir(Path(config_dir))  # settings, logs, journal: 0700
        ini = private_file(self.config_dir / "settings.ini")  # 0600; QSaveFile keeps it
        self._qs = QSettings(str(ini), QSettings.Format.IniFormat)

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
    def seen_hosts(self) -> frozenset[str]:
        """Hosts signed in to at least once (unbounded, unlike :attr:`recent_hosts`)."""
        raw = str(self._qs.value("account/seen_hosts", "[]", type=str))
        try:
            hosts = json.loads(raw)
        except ValueError:
            hosts = []
        seen = {h for h in hosts if isinstance(h, str) and h} if isinstance(hosts, list) else set()
        return frozenset(seen | set(self.recent_hosts))

    def remember_seen(self, host: str) -> None:
        if host and host not in self.seen_hosts:
            self._qs.setValue("account/seen_hosts", json.dumps(sorted({*self.seen_hosts, host})))

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

    # transfers: reliability (issue 10)
    def conflict_default(self, direction: str) -> str:
        """``ask`` or a ``core.conflicts.ConflictAction`` value, per direction."""
        default = "overwrite" if direction == "upload" else "ask"  # see ConflictPolicy
        return str(self._qs.value(f"transfers/conflict_{direction}", default, type=str))

    def set_conflict_default(self, direction: str, action: str) -> None:
        self._qs.setValue(f"transfers/conflict_{direction}", action)

    def _number(self, key: str, default: float, low: float, high: float) -> float:
        try:
            value = float(self._qs.value(key, default, type=float))
        except (TypeError, ValueError):
            return default
        return default if math.isnan(value) else max(low, min(high, value))

    @property
    def retry_attempts(self) -> int:
        return int(self._number("transfers/retry_attempts", 8, 1, 100))

    @retry_attempts.setter
    def retry_attempts(self, value: int) -> None:
        self._qs.setValue("transfers/retry_attempts", int(value))

    @property
    def retry_deadline_minutes(self) -> float:
        return self._number("transfers/retry_deadline_minutes", 60, 1, 7 * 24 * 60)

    @retry_deadline_minutes.setter
    def retry_deadline_minutes(self, value: float) -> None:
        self._qs.setValue("transfers/retry_deadline_minutes", float(value))

    @property
    def stall_seconds(self) -> float:
        return self._number("transfers/stall_seconds", 30, 5, 3600)

    @stall_seconds.setter
    def stall_seconds(self, value: float) -> None:
        self._qs.setValue("transfers/stall_seconds", float(value))

    @property
    def notifications(self) -> bool:
        return bool(self._qs.value("transfers/notifications", True, type=bool))

    @notifications.setter
    def notifications(self, value: bool) -> None:
        self._qs.setValue("transfers/notifications", bool(value))

    @property
    def units(self) -> str:
        """``binary`` (KiB, MiB) or ``decimal`` (kB, MB); formatting reads it."""
        value = str(self._qs.value("view/units", "binary", type=str))
        return value if value in {"binary", "decimal"} else "binary"

    @units.setter
    def units(self, value: str) -> None:
        self._qs.setValue("view/units", value if value in {"binary", "decimal"} else "binary")

    @property
    def speed_limit_kib(self) -> int:
        """Transfer speed limit in KiB/s, all running transfers together (0: none)."""
        return int(self._number("transfers/speed_limit_kib", 0, 0, 10**9))

    @speed_limit_kib.setter
    def speed_limit_kib(self, value: int) -> None:
        self._qs.setValue("transfers/speed_limit_kib", int(value))

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
