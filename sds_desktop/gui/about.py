"""Help > About: version, licence and the SDS terms of use in short.

``show_about(parent)`` opens the modal dialog; ``app_icon()`` returns the application icon
(the GUI uses it for its windows). The icon files live in ``resources/icons`` in the source
tree and in ``<bundle>/resources/icons`` in the frozen builds.
"""

from __future__ import annotations

import platform
import sys
from functools import cache
from pathlib import Path

import PySide6
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QIcon, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from sds_desktop._version import APP_NAME, get_version

SDS_URL = "https://sds.crc.nd.edu"
LICENCE = "MIT"
ICON_SIZES = (16, 32, 48, 64, 128, 256)

# Our own summary of the "not a backup tool" note in the SpectrumX SDK README.
TERMS_NOTE = (
    "SDS is a research data system, not a home for personal files and not a backup "
    "service. The gateway may refuse an upload or remove files without notice, and every "
    "uploaded file expires after a while. Do not upload anything sensitive, personal or "
    "confidential, anything you are not allowed to share, or executable programs. Deleted "
    "data may be kept by SDS for some time; ask the SDS team if it must be erased for good."
)


def resources_dir() -> Path:
    """Where ``resources/`` is: inside the PyInstaller bundle, or at the repository root."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent.parent / "resources"


@cache
def app_icon() -> QIcon:
    """The application icon at every size we ship (an empty icon if the files are missing)."""
    icons = resources_dir() / "icons"
    icon = QIcon()
    for size in ICON_SIZES:
        png = icons / "hicolor" / f"{size}x{size}" / "apps" / "sds-desktop.png"
        if png.is_file():
            icon.addFile(str(png))
    svg = icons / "sds-desktop.svg"
    if icon.isNull() and svg.is_file():
        icon.addFile(str(svg))
    return icon


@cache
def action_icon(name: str) -> QIcon:
    """A small action icon shipped in ``resources/icons/actions/<name>.svg``."""
    return QIcon(str(resources_dir() / "icons" / "actions" / f"{name}.svg"))


def about_html() -> str:
    """The dialog's main text (rich text), also handy for tests."""
    return (
        f"<h2 style='margin-bottom:0'>{APP_NAME}</h2>"
        f"<p style='margin-top:2px'>Version {get_version()}</p>"
        "<p>A desktop transfer client for the SpectrumX Data System: upload and download "
        f"files through the <a href='{SDS_URL}'>SDS gateway</a>.</p>"
        f"<p>Licence: {LICENCE}. Python {platform.python_version()}, "
        f"PySide6 {PySide6.__version__}.</p>"
    )


class AboutDialog(QDialog):
    """Modal About box: icon, name and version, a short description, licence and terms."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle(f"About {APP_NAME}")
        self.setWindowIcon(app_icon())

        icon_label = QLabel(self)
        icon_label.setObjectName("aboutIcon")
        pixmap: QPixmap = app_icon().pixmap(96, 96)
        icon_label.setPixmap(pixmap)
        icon_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)

        self.text_label = QLabel(about_html(), self)
        self.text_label.setObjectName("aboutText")
        self.text_label.setWordWrap(True)
        self.text_label.setTextFormat(Qt.TextFormat.RichText)
        self.text_label.setOpenExternalLinks(True)
        self.text_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)

        self.terms_label = QLabel(f"<b>Before you upload:</b> {TERMS_NOTE}", self)
        self.terms_label.setObjectName("aboutTerms")
        self.terms_label.setWordWrap(True)
        self.terms_label.setTextFormat(Qt.TextFormat.RichText)
        self.terms_label.setFrameShape(QLabel.Shape.StyledPanel)
        self.terms_label.setMargin(8)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        site = buttons.addButton("Open SDS website", QDialogButtonBox.ButtonRole.HelpRole)
        site.clicked.connect(lambda: QDesktopServices.openUrl(QUrl(SDS_URL)))

        top = QHBoxLayout()
        top.addWidget(icon_label)
        top.addWidget(self.text_label, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.terms_label)
        layout.addWidget(buttons)
        self.setMinimumWidth(480)


def show_about(parent: QWidget | None) -> None:
    """Show the About dialog modally."""
    dialog = AboutDialog(parent)
    dialog.exec()
    dialog.deleteLater()
