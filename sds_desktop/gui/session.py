# ruff: noqa: S101 - asserts narrow types
"""Signing in and out: the environment, a stored key, the login dialog, the site manager.

One account is signed in at a time; signing in to another site replaces the session
(the gateway, the listings and the transfer controller's account) in one step.
"""

from __future__ import annotations

import html
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QMessageBox

from sds_desktop.core.config import load_config
from sds_desktop.core.gateway import Gateway
from sds_desktop.core.listing import ParallelLister
from sds_desktop.core.worker.lister import ProcessLister
from sds_desktop.gui.login import Account, LoginDialog, explain, validate
from sds_desktop.gui.settings import DEFAULT_HOST
from sds_desktop.gui.site_manager import BUILTIN, SANDBOX, SiteManager

if TYPE_CHECKING:
    from sds_desktop.gui.main_window import MainWindow

log = logging.getLogger("sds_desktop.gui")


class SessionActions:
    """Mixed into :class:`MainWindow`."""

    # -- session -------------------------------------------------------------------
    def start_session(self: MainWindow) -> None:
        """Sign in from the environment, a stored key, or the login dialog."""
        env_token = os.environ.get("SDS_SECRET_TOKEN")
        env_file = Path.cwd() / ".env"
        if env_token or env_file.is_file():
            config = load_config()
            if config.token:
                host = config.host or DEFAULT_HOST
                token = config.token

                def go() -> None:
                    self.sign_in_with(host, token, stored="environment")

                if self.is_known_host(host):
                    go()
                else:  # only a .env names a host (the environment is read for the key only)
                    self.confirm_unseen_host(host, f"SDS_HOST in {env_file}", go)
                return
        host = self.settings.last_host
        if host:
            self.tasks.call(
                lambda: self.credentials.load(host),
                lambda found: self._stored_key(host, found),
                lambda exc: self.open_login(f"Could not read the stored key: {exc}"),
            )
            return
        self.open_login()

    def is_known_host(self: MainWindow, host: str) -> bool:
        """Production, the built-in sites, and every host signed in to before."""
        builtin = {site.host for site in BUILTIN}
        return host in builtin or host in self.settings.seen_hosts

    def confirm_unseen_host(
        self: MainWindow, host: str, source: str, proceed: Callable[[], None]
    ) -> QMessageBox:
        """Ask before the key is sent to a host never signed in to; Cancel is the default
        and opens the sign-in dialog instead."""
        box = QMessageBox(self)
        box.setObjectName("unseenHost")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Sign in to a new host?")
        box.setText(f"Sign in to <b>{html.escape(host)}</b>?")
        box.setInformativeText(
            f"This host comes from {html.escape(source)}, and this app has never signed "
            "in to it. Signing in sends it your API key.<br><br>Sign in only if you know "
            "this host belongs to an SDS gateway you use."
        )
        sign_in = box.addButton("Sign in", QMessageBox.ButtonRole.AcceptRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)
        box.setEscapeButton(cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def answered(_result: int) -> None:
            if box.clickedButton() is sign_in:
                log.info("signing in to %s (from %s) after confirmation", host, source)
                proceed()
            else:
                log.info("did not sign in to the unseen host %s (from %s)", host, source)
                self.open_login(f"Not signed in: {host} (from {source}) was not confirmed.")

        box.finished.connect(answered)
        box.open()
        return box

    def _stored_key(self: MainWindow, host: str, found: object) -> None:
        assert isinstance(found, tuple)
        token, where = found
        if token:
            self.sign_in_with(host, token, stored=where)
        else:
            self.open_login()

    def sign_in_with(
        self: MainWindow, host: str, token: str, *, stored: str = "", sandbox: bool = False
    ) -> None:
        """Validate ``token`` with ``host`` in the background, then sign in."""
        self.statusBar().showMessage(f"Connecting to {host}…")

        def ok(result: object) -> None:
            assert isinstance(result, tuple)
            base_url, email = result
            self.sign_in(Account(host, base_url, email, token, stored, sandbox))

        def failed(exc: BaseException) -> None:
            self.statusBar().clearMessage()
            log.warning("could not sign in to %s: %s", host, exc)
            self.open_login(explain(exc, host))

        if self.logging_setup is not None:
            self.logging_setup.secret_filter.add_secret(token)
        self.tasks.call(lambda: validate(host, token), ok, failed)

    @Slot(object)
    def sign_in(self: MainWindow, account: Account) -> None:
        if self.logging_setup is not None:
            self.logging_setup.secret_filter.add_secret(account.token)
        if self.gateway is not None:
            self.gateway.close()
        self.account = account
        if not account.sandbox:
            self.settings.remember_seen(account.host)
        self.gateway = Gateway(account.base_url, account.token)
        gateway = self.gateway
        if self.lister is not None:
            self.lister.close()
        process = self.controller.process
        if process is not None:  # listings parse in the worker process too (core.worker)
            process.warm()
            self.lister = ProcessLister(process, gateway)
        else:
            self.lister = ParallelLister(gateway)
        title = "SDS (sandbox)" if account.sandbox else "SDS"
        self.remote_pane.set_lister(self.lister, title)
        self.controller.set_gateway(gateway, account.key)
        self.statusBar().showMessage(f"Signed in as {account.email}", 4000)
        log.info("signed in to %s as %s", account.host, account.email)
        self._update_connection()
        self.signedIn.emit(account)

    @Slot()
    def sign_out(self: MainWindow) -> None:
        """Forget the stored key and disconnect (queued transfers stay in the journal)."""
        account = self.account
        if account is None:
            return
        self.controller.cancel_all()
        self.controller.set_gateway(None)
        self.remote_pane.set_lister(None)
        if self.lister is not None:
            self.lister.close()
            self.lister = None
        if not account.sandbox:
            self.tasks.call(lambda: self.credentials.delete(account.host))
        if self.gateway is not None:
            self.gateway.close()
        self.gateway = None
        self.account = None
        log.info("signed out of %s", account.host)
        self._update_connection()
        self.signedOut.emit()

    @Slot()
    def open_login(self: MainWindow, message: str = "", host: str = "") -> LoginDialog:
        if self.login_dialog is not None and self.login_dialog.isVisible():
            if message:
                self.login_dialog.show_error(message)
            return self.login_dialog
        dialog = LoginDialog(self.settings, self.credentials, self.tasks, self, message=message)
        if host:
            dialog.host_box.setCurrentText(host)
        dialog.signedIn.connect(self.sign_in)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(self._login_closed)
        self.login_dialog = dialog
        dialog.open()
        return dialog

    def _login_closed(self: MainWindow) -> None:
        self.login_dialog = None

    # -- sites ---------------------------------------------------------------------
    @Slot()
    def open_sites(self: MainWindow) -> SiteManager:
        dialog = SiteManager(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.signInRequested.connect(self.sign_in_site)
        self.site_manager = dialog
        dialog.open()
        return dialog

    def sign_in_site(self: MainWindow, host: str) -> None:
        """Sign in to a site of the site manager: its stored key, or the login dialog."""
        if host == SANDBOX:
            self._sign_in_sandbox()
            return
        self.tasks.call(
            lambda: self.credentials.load(host),
            lambda found: self._site_key(host, found),
            lambda exc: self.open_login(f"Could not read the stored key: {exc}", host),
        )

    def _site_key(self: MainWindow, host: str, found: object) -> None:
        assert isinstance(found, tuple)
        token, where = found
        if token:
            self.sign_in_with(host, token, stored=where)
        else:
            self.open_login(f"Paste the API key for {host}.", host)

    def _sign_in_sandbox(self: MainWindow) -> None:
        if self.sandbox_server is not None:
            server, key = self.sandbox_server, self.sandbox_key
            self.sign_in_with(server.url, key, stored="sandbox", sandbox=True)
            return
        from sds_desktop.gui.app import start_sandbox  # noqa: PLC0415 - app imports us

        data_dir = self.settings.sandbox_dir
        self.statusBar().showMessage("Starting the local sandbox…")

        def started(result: object) -> None:
            assert isinstance(result, tuple)
            self.sandbox_server, self.sandbox_key = result
            self._own_sandbox = True
            self._sign_in_sandbox()

        self.tasks.call(
            lambda: start_sandbox(data_dir),
            started,
            lambda exc: self.show_error("Sandbox", f"The local sandbox did not start: {exc}"),
        )
