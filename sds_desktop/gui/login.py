# ruff: noqa: N815, FBT003, S101 - Qt naming (camelCase signals), Qt's positional bools, asserts
"""Sign-in: validate the API key against the gateway before it is stored."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from sds_desktop.core.config import resolve_base_url
from sds_desktop.core.errors import (
    AuthError,
    BadKeyError,
    ConfigError,
    NetworkError,
    SDSError,
    TLSError,
)
from sds_desktop.core.gateway import Gateway
from sds_desktop.core.retry import RetryPolicy
from sds_desktop.gui.about import action_icon
from sds_desktop.gui.credentials import CredentialStore
from sds_desktop.gui.settings import DEFAULT_HOST, Settings
from sds_desktop.gui.tasks import TaskRunner

log = logging.getLogger("sds_desktop.gui.login")
API_KEYS_URL = "https://sds.crc.nd.edu/users/view-api-key/"


@dataclass(frozen=True)
class Account:
    """A validated sign-in."""

    host: str
    base_url: str
    email: str
    token: str = field(repr=False)
    stored: str = ""  # keyring | plaintext | session | environment | sandbox
    sandbox: bool = False

    @property
    def key(self) -> str:
        """The queue's account key: jobs of one account never run under another."""
        return f"{self.host}|{self.email}"


def validate(host: str, token: str, *, timeout: float = 20.0) -> tuple[str, str]:
    """Blocking: return (base_url, email) or raise a typed SDSError."""
    base_url = resolve_base_url(host)
    gateway = Gateway(base_url, token, timeout=timeout, retry=RetryPolicy(attempts=2))
    try:
        return base_url, gateway.authenticate()
    finally:
        gateway.close()


def explain(exc: BaseException, host: str) -> str:
    """One clear message per failure kind (wrong key, unreachable host, TLS, ...)."""
    if isinstance(exc, AuthError):
        return (
            f"The API key was refused by {host}. Copy the whole key again from the API Keys "
            "page of the SDS web UI; it may have been revoked or mistyped."
        )
    if isinstance(exc, TLSError):
        return (
            f"The secure connection to {host} could not be verified (TLS certificate "
            f"problem): {exc}. Check the host name; a network proxy may be intercepting HTTPS."
        )
    if isinstance(exc, NetworkError):
        return f"Cannot reach {host}: {exc}. Check the host name and your network connection."
    if isinstance(exc, BadKeyError):
        return f"This API key cannot be used: {exc}."
    if isinstance(exc, ConfigError):
        return f"The host is not valid: {exc}"
    if isinstance(exc, SDSError):
        return f"Sign-in failed: {exc}"
    return f"Sign-in failed: {type(exc).__name__}: {exc}"


class LoginDialog(QDialog):
    """Host + API key; the key is checked with the gateway, then stored."""

    signedIn = Signal(object)  # Account

    def __init__(
        self,
        settings: Settings,
        credentials: CredentialStore,
        runner: TaskRunner,
        parent: QWidget | None = None,
        *,
        message: str = "",
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sign in to SDS")
        self.setMinimumWidth(520)
        self.settings = settings
        self.credentials = credentials
        self.runner = runner
        self.account: Account | None = None
        self._busy = False
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Sign in to the SpectrumX Data System with an API key. Create one on the "
            f'<a href="{API_KEYS_URL}">API Keys page of the SDS web UI</a>.',
            self,
        )
        intro.setWordWrap(True)
        intro.setOpenExternalLinks(True)
        intro.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        layout.addWidget(intro)
        form = QFormLayout()
        self.host_box = QComboBox(self)
        self.host_box.setEditable(True)
        hosts = settings.recent_hosts or [DEFAULT_HOST]
        if DEFAULT_HOST not in hosts:
            hosts.append(DEFAULT_HOST)
        self.host_box.addItems(hosts)
        self.host_box.setCurrentText(settings.last_host or hosts[0])
        self.host_box.setToolTip("Host name or URL of the SDS gateway")
        form.addRow("Host:", self.host_box)
        self.key_edit = QLineEdit(self)
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.setPlaceholderText("Paste your API key (prefix.secret)")
        self.key_edit.setClearButtonEnabled(True)
        self.show_key = QAction(action_icon("show-key"), "Show the key", self.key_edit)
        self.show_key.setCheckable(True)
        self.show_key.setToolTip("Show the key")
        self.show_key.toggled.connect(self._toggle_echo)
        self.key_edit.addAction(self.show_key, QLineEdit.ActionPosition.TrailingPosition)
        form.addRow("API key:", self.key_edit)
        layout.addLayout(form)
        status = credentials.status()
        self.keyring_notice = QLabel(self)
        self.keyring_notice.setWordWrap(True)
        self.keyring_notice.setStyleSheet(
            "QLabel { background: #fff4ce; color: #5c4400; border: 1px solid #e0c060;"
            " border-radius: 4px; padding: 6px; }"
        )
        self.plaintext_box = QCheckBox(
            "Store the key in a plain-text file readable only by me (mode 0600)", self
        )
        self.plaintext_box.setChecked(settings.plaintext_opt_in)
        if status.usable:
            self.keyring_notice.hide()
            self.plaintext_box.hide()
        else:
            self.keyring_notice.setText(
                "No usable system keyring was found "
                f"({status.reason or status.name}). The key will be kept for this session "
                "only, unless you choose plain-text storage below."
            )
        layout.addWidget(self.keyring_notice)
        layout.addWidget(self.plaintext_box)
        self.error_label = QLabel(message, self)
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("QLabel { color: #b00020; }")
        self.error_label.setVisible(bool(message))
        layout.addWidget(self.error_label)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Sign in")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.key_edit.setFocus()

    @Slot(bool)
    def _toggle_echo(self, show: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if show else QLineEdit.EchoMode.Password
        self.key_edit.setEchoMode(mode)
        self.show_key.setIcon(action_icon("hide-key" if show else "show-key"))
        self.show_key.setToolTip("Hide the key" if show else "Show the key")

    def show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.setStyleSheet("QLabel { color: #b00020; }")
        self.error_label.setVisible(bool(text))
        self._fit()

    def _fit(self) -> None:
        """Grow with wrapped messages: a window's minimum size ignores height-for-width."""
        self.layout().activate()
        self.resize(self.width(), max(self.height(), self.heightForWidth(self.width())))

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not busy)
        self.host_box.setEnabled(not busy)
        self.key_edit.setEnabled(not busy)

    @Slot()
    def submit(self) -> None:
        """Validate in the background; the dialog closes only on success."""
        if self._busy:
            return
        host = self.host_box.currentText().strip()
        token = "".join(self.key_edit.text().split())  # pasted keys may carry whitespace
        if not host:
            self.show_error("Enter the SDS host, e.g. sds.crc.nd.edu.")
            return
        if not token:
            self.show_error("Paste your API key.")
            return
        self._set_busy(True)
        self.error_label.setStyleSheet("QLabel { color: palette(text); }")
        self.error_label.setText(f"Checking the key with {host}…")
        self.error_label.show()
        self._fit()
        allow_plaintext = self.plaintext_box.isVisible() and self.plaintext_box.isChecked()
        self.runner.call(
            lambda: validate(host, token),
            lambda result: self._validated(host, token, result, allow_plaintext),
            lambda exc: self._failed(host, exc),
        )

    def _validated(self, host: str, token: str, result: object, allow_plaintext: bool) -> None:
        assert isinstance(result, tuple)
        base_url, email = result
        self._set_busy(False)
        stored = self.credentials.save(host, token, allow_plaintext=allow_plaintext)
        self.settings.remember_host(host)
        self.settings.plaintext_opt_in = allow_plaintext
        log.info("signed in to %s as %s (key stored: %s)", host, email, stored)
        self.account = Account(host, base_url, email, token, stored)
        self.signedIn.emit(self.account)
        self.accept()

    def _failed(self, host: str, exc: BaseException) -> None:
        self._set_busy(False)
        log.warning("sign-in to %s failed: %s", host, exc)
        self.show_error(explain(exc, host))
