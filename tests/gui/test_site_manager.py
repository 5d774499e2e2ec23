"""File → Sites…: built-in and own sites, keys per host in the keyring, one session."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from sds_desktop.core.errors import ConfigError
from sds_desktop.gui.credentials import SERVICE
from sds_desktop.gui.site_manager import SANDBOX, SiteList

from .conftest import sign_in

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def test_site_list_keeps_own_sites_without_keys(tmp_path):
    sites = SiteList(tmp_path)
    hosts = [s.host for s in sites.sites]
    assert hosts[:3] == ["sds.crc.nd.edu", "sds-dev.crc.nd.edu", SANDBOX]
    sites.add("Lab", "sds.lab.example.org")
    with pytest.raises(ConfigError):
        sites.add("Bad", "not a host name at all/")
    again = SiteList(tmp_path)
    assert [(s.name, s.host) for s in again.own] == [("Lab", "sds.lab.example.org")]
    assert "key" not in (tmp_path / "sites.json").read_text()
    again.remove("sds.lab.example.org")
    assert SiteList(tmp_path).own == []


def select(dialog, host: str) -> None:
    for row in range(dialog.list.count()):
        if dialog.list.item(row).data(Qt.ItemDataRole.UserRole) == host:
            dialog.list.setCurrentRow(row)
            return
    raise AssertionError(host)


def test_sign_in_with_a_stored_key_and_switch_sites(qtbot, window, sandbox, memory_keyring):
    # a site of one's own, pointing at the sandbox gateway, whose key is in the keyring
    memory_keyring.set_password(SERVICE, sandbox.url, sandbox.demo_key)
    dialog = window.open_sites()
    dialog.name_edit.setText("Test gateway")
    dialog.host_edit.setText(sandbox.url)
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert dialog.selected_host() == sandbox.url
    assert dialog.remove_button.isEnabled()
    select(dialog, "sds.crc.nd.edu")
    assert not dialog.remove_button.isEnabled()  # built-in sites stay
    select(dialog, sandbox.url)
    with qtbot.waitSignal(window.signedIn, timeout=10_000):
        qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
    assert window.account.host == sandbox.url
    # a site without a stored key asks for one, with the host filled in
    dialog = window.open_sites()
    assert "signed in" in dialog.list.currentItem().text()
    select(dialog, "sds-dev.crc.nd.edu")
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.login_dialog is not None, timeout=5000)
    assert window.login_dialog.host_box.currentText() == "sds-dev.crc.nd.edu"
    window.login_dialog.reject()
    assert window.account.host == sandbox.url  # still the one session


def test_forget_key(qtbot, window, sandbox, memory_keyring):
    memory_keyring.set_password(SERVICE, "sds-dev.crc.nd.edu", "abc.def")
    dialog = window.open_sites()
    select(dialog, "sds-dev.crc.nd.edu")
    qtbot.mouseClick(dialog.forget_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: (SERVICE, "sds-dev.crc.nd.edu") not in memory_keyring.store, timeout=5000
    )
    dialog.reject()


def test_sandbox_site_signs_in_with_demo_data(qtbot, window, sandbox):
    window.sandbox_server, window.sandbox_key = sandbox, sandbox.demo_key
    dialog = window.open_sites()
    select(dialog, SANDBOX)
    assert not dialog.forget_button.isEnabled()
    with qtbot.waitSignal(window.signedIn, timeout=10_000):
        qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
    assert window.account.sandbox
    assert window.sandbox_badge.isVisible()
    sign_in(qtbot, window, sandbox, sandbox.demo_key)
