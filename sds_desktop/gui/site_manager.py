# ruff: noqa: N815 - Qt naming, asserts narrow types
"""File → Sites…: the gateways this computer knows, one signed in at a time.

Production, the dev/QA gateway and the built-in sandbox are always there; users add their
own (a lab's gateway, a test server). Each site's API key lives in the keyring under its
host (``credentials.CredentialStore``); the list itself (names and hosts, never keys) is
``sites.json`` under the config dir. Signing in to another site ends the current session
first; nothing of the other site's key is used or sent to this one.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
)

from sds_desktop.core.config import resolve_base_url
from sds_desktop.core.errors import ConfigError

if TYPE_CHECKING:
    from sds_desktop.gui.main_window import MainWindow

log = logging.getLogger("sds_desktop.gui.sites")
SITES_FILE = "sites.json"
SANDBOX = "sandbox"  # the built-in sandbox's "host"


@dataclass(frozen=True)
class Site:
    name: str
    host: str
    builtin: bool = False


BUILTIN = (
    Site("SDS (production)", "sds.crc.nd.edu", builtin=True),
    Site("SDS dev / QA", "sds-dev.crc.nd.edu", builtin=True),
    Site("Local sandbox (demo data, nothing leaves this computer)", SANDBOX, builtin=True),
)


class SiteList:
    """The built-in sites plus the user's, persisted without keys (Qt-free)."""

    def __init__(self, config_dir: Path) -> None:
        self.path = Path(config_dir) / SITES_FILE
        self.own: list[Site] = []
        try:
            data = json.loads(self.path.read_text("utf-8"))
        except (OSError, ValueError):
            data = []
        if isinstance(data, list):
            for entry in data:
                if isinstance(entry, dict) and {"name", "host"} <= entry.keys():
                    self.own.append(Site(str(entry["name"]), str(entry["host"])))

    @property
    def sites(self) -> list[Site]:
        return [*BUILTIN, *self.own]

    def add(self, name: str, host: str) -> Site:
        """Add (or rename) a site; the host must be a valid gateway address."""
        host = host.strip()
        name = name.strip() or host
        if not host:
            raise ConfigError("enter the host name or URL of the gateway")
        resolve_base_url(host)  # raises ConfigError with the reason
        if any(s.host == host for s in BUILTIN):
            raise ConfigError(f"{host} is already in the list")
        self.own = [s for s in self.own if s.host != host]
        site = Site(name, host)
        self.own.append(site)
        self._save()
        return site

    def remove(self, host: str) -> None:
        self.own = [s for s in self.own if s.host != host]
        self._save()

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = json.dumps([{"name": s.name, "host": s.host} for s in self.own], indent=1)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".sites-")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(data)
        Path(tmp).replace(self.path)


class SiteManager(QDialog):
    """Pick a site and sign in to it; add and remove your own."""

    signInRequested = Signal(str)  # host

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.main = window
        self.sites = SiteList(window.settings.config_dir)
        self.setWindowTitle("Sites")
        self.resize(620, 420)
        layout = QVBoxLayout(self)
        current = window.account
        self.current_label = QLabel(
            f"Signed in to <b>{current.host}</b> as {current.email}"
            if current is not None
            else "Not signed in",
            self,
        )
        layout.addWidget(self.current_label)
        self.list = QListWidget(self)
        layout.addWidget(self.list, 1)
        form = QFormLayout()
        self.name_edit = QLineEdit(self)
        self.name_edit.setPlaceholderText("e.g. Lab gateway")
        self.host_edit = QLineEdit(self)
        self.host_edit.setPlaceholderText("host name or URL, e.g. sds.example.org")
        form.addRow("Name:", self.name_edit)
        form.addRow("Host:", self.host_edit)
        layout.addLayout(form)
        self.error = QLabel(self)
        self.error.setStyleSheet("QLabel { color: #b00020; }")
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        row = QHBoxLayout()
        self.add_button = QPushButton("Add site", self)
        self.remove_button = QPushButton("Remove", self)
        self.forget_button = QPushButton("Forget key", self)
        self.forget_button.setToolTip("Delete this site's API key from the keyring")
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        row.addWidget(self.forget_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.sign_in_button = self.buttons.addButton(
            "Sign in", QDialogButtonBox.ButtonRole.AcceptRole
        )
        layout.addWidget(self.buttons)
        self.add_button.clicked.connect(self._add)
        self.remove_button.clicked.connect(self._remove)
        self.forget_button.clicked.connect(self._forget)
        self.buttons.accepted.connect(self._sign_in)
        self.buttons.rejected.connect(self.reject)
        self.list.currentItemChanged.connect(lambda *_a: self._update())
        self.list.itemActivated.connect(lambda _i: self._sign_in())
        self._fill()

    def _fill(self, select: str = "") -> None:
        self.list.clear()
        current = self.main.account.host if self.main.account is not None else ""
        for site in self.sites.sites:
            here = site.host == current or (site.host == SANDBOX and self._on_sandbox())
            label = f"{site.name}  —  {site.host}" + ("   (signed in)" if here else "")
            item = QListWidgetItem(label, self.list)
            item.setData(Qt.ItemDataRole.UserRole, site.host)
            if site.host == (select or current):
                self.list.setCurrentItem(item)
        if self.list.currentItem() is None:
            self.list.setCurrentRow(0)
        self._update()

    def _on_sandbox(self) -> bool:
        return self.main.account is not None and self.main.account.sandbox

    def selected_host(self) -> str:
        item = self.list.currentItem()
        return "" if item is None else str(item.data(Qt.ItemDataRole.UserRole))

    def _selected_site(self) -> Site | None:
        host = self.selected_host()
        return next((s for s in self.sites.sites if s.host == host), None)

    def _update(self) -> None:
        site = self._selected_site()
        self.remove_button.setEnabled(site is not None and not site.builtin)
        self.forget_button.setEnabled(site is not None and site.host != SANDBOX)
        self.sign_in_button.setEnabled(site is not None)

    def _add(self) -> None:
        try:
            site = self.sites.add(self.name_edit.text(), self.host_edit.text())
        except ConfigError as exc:
            self.error.setText(str(exc))
            return
        self.error.clear()
        self.name_edit.clear()
        self.host_edit.clear()
        self._fill(select=site.host)

    def _remove(self) -> None:
        site = self._selected_site()
        if site is not None and not site.builtin:
            self.sites.remove(site.host)
            self._fill()

    def _forget(self) -> None:
        host = self.selected_host()
        if host and host != SANDBOX:
            self.main.tasks.call(lambda: self.main.credentials.delete(host))
            self.error.setText(f"The key for {host} is forgotten.")

    def _sign_in(self) -> None:
        host = self.selected_host()
        if host:
            self.accept()
            self.signInRequested.emit(host)


__all__ = ["BUILTIN", "SANDBOX", "Site", "SiteList", "SiteManager"]
