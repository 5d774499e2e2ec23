"""The About dialog shows the name, version, licence and the SDS terms note."""

from __future__ import annotations

from importlib.metadata import version

from PySide6.QtWidgets import QDialogButtonBox, QLabel

from sds_desktop._version import __version__, get_version
from sds_desktop.gui import about


def test_version_comes_from_metadata() -> None:
    assert get_version() == version("sds-desktop") == __version__


def test_version_fallback_reads_pyproject(monkeypatch) -> None:
    import importlib.metadata
    from importlib.metadata import PackageNotFoundError

    from sds_desktop import _version

    def missing(_name: str) -> str:
        raise PackageNotFoundError(_name)

    expected = version("sds-desktop")
    monkeypatch.setattr(importlib.metadata, "version", missing)
    _version.get_version.cache_clear()  # looked up once per process: look again
    try:
        assert _version.get_version() == expected
    finally:
        _version.get_version.cache_clear()


def test_about_dialog_contents(qtbot) -> None:
    dialog = about.AboutDialog(None)
    qtbot.addWidget(dialog)
    text = dialog.text_label.text()
    assert "SDS Desktop" in text
    assert f"Version {get_version()}" in text
    assert "Licence: MIT" in text
    terms = dialog.terms_label.text()
    for phrase in ("not a backup", "expires", "sensitive"):
        assert phrase in terms
    assert dialog.windowTitle() == "About SDS Desktop"
    assert not dialog.windowIcon().isNull()
    icon_label = dialog.findChild(QLabel, "aboutIcon")
    assert icon_label is not None
    assert not icon_label.pixmap().isNull()
    buttons = dialog.findChild(QDialogButtonBox)
    assert buttons.button(QDialogButtonBox.StandardButton.Close) is not None


def test_show_about_is_modal_and_closes(qtbot, monkeypatch) -> None:
    seen: list[about.AboutDialog] = []

    def fake_exec(self: about.AboutDialog) -> int:
        seen.append(self)
        return 0

    monkeypatch.setattr(about.AboutDialog, "exec", fake_exec)
    about.show_about(None)
    assert len(seen) == 1


def test_app_icon_has_all_sizes() -> None:
    icon = about.app_icon()
    sizes = {(s.width(), s.height()) for s in icon.availableSizes()}
    assert {(n, n) for n in about.ICON_SIZES} <= sizes
