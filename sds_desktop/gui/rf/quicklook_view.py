# ruff: noqa: RUF001, FBT003 - en dashes and the times sign in text; pyqtgraph bools
"""The quick-look window: spectrogram over power spectrum, drawn with pyqtgraph.

The slice is read and the FFT computed in a worker (TaskRunner); the window only draws
the arrays it gets back. Frequency in Hz (pyqtgraph picks the SI prefix), time in UTC;
mouse wheel zooms, drag pans, right-click offers "View all".
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from sds_desktop.core.gateway import Gateway
from sds_desktop.core.models import SDSFile
from sds_desktop.core.quicklook import QuickLook
from sds_desktop.gui.fmt import human_bytes
from sds_desktop.gui.rf.info import CaptureInfo
from sds_desktop.gui.rf.quicklook_load import load_capture, load_local, load_remote_file
from sds_desktop.gui.tasks import TaskRunner

log = logging.getLogger("sds_desktop.gui.rf")
MIN_UTC_AXIS_S = 5.0
"""Slices shorter than this get a seconds axis (UTC ticks need whole seconds)."""


class QuickLookWindow(QWidget):
    """A top-level window showing one quick look; computes it in the background."""

    def __init__(
        self,
        tasks: TaskRunner,
        title: str,
        load: Callable[[], QuickLook],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle(f"Quick look — {title}")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(1000, 720)
        self.result: QuickLook | None = None
        self.error: str = ""
        self.elapsed_s: float | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.header = QLabel(f"Reading a slice of {title}…", self)
        self.header.setWordWrap(True)
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.header)
        self.graphics = pg.GraphicsLayoutWidget(self)
        self.graphics.setBackground("w")
        layout.addWidget(self.graphics, 1)
        self.time_axis = pg.DateAxisItem(orientation="left", utcOffset=0)
        self.spec_plot = self.graphics.addPlot(row=0, col=0, axisItems={"left": self.time_axis})
        self.spec_plot.setLabel("left", "Time (UTC)")
        self.spec_plot.setLabel("bottom", "Frequency", units="Hz")
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(pg.colormap.get("viridis"))
        self.spec_plot.addItem(self.image)
        self.bar = pg.ColorBarItem(
            colorMap=pg.colormap.get("viridis"), label="dB", interactive=True
        )
        self.bar.setImageItem(self.image, insert_in=self.spec_plot)
        self.psd_plot = self.graphics.addPlot(row=1, col=0)
        self.psd_plot.setLabel("left", "Power", units="dB")
        self.psd_plot.setLabel("bottom", "Frequency", units="Hz")
        self.psd_plot.showGrid(x=True, y=True, alpha=0.3)
        self.psd_plot.setXLink(self.spec_plot)
        self.curve = self.psd_plot.plot(pen=pg.mkPen("#1565c0", width=1.5))
        self.graphics.ci.layout.setRowStretchFactor(0, 3)
        self.graphics.ci.layout.setRowStretchFactor(1, 2)
        self.footer = QLabel(
            "Wheel: zoom · drag: pan · right-click: View all · the colour bar sets the levels",
            self,
        )
        self.footer.setStyleSheet("QLabel { color: palette(mid); }")
        layout.addWidget(self.footer)
        self._started = time.monotonic()
        self.task = tasks.call(load, self._show, self._failed)

    # -- factories -----------------------------------------------------------------
    @classmethod
    def for_local(
        cls, tasks: TaskRunner, path: Path, parent: QWidget | None = None
    ) -> QuickLookWindow:
        return cls(tasks, path.name, lambda: load_local(path), parent)

    @classmethod
    def for_capture(
        cls, tasks: TaskRunner, gateway: Gateway, info: CaptureInfo, parent: QWidget | None = None
    ) -> QuickLookWindow:
        return cls(tasks, info.name, lambda: load_capture(gateway, info), parent)

    @classmethod
    def for_remote_file(
        cls, tasks: TaskRunner, gateway: Gateway, file: SDSFile, parent: QWidget | None = None
    ) -> QuickLookWindow:
        return cls(tasks, file.name, lambda: load_remote_file(gateway, file), parent)

    # -- results -------------------------------------------------------------------
    def _failed(self, exc: BaseException) -> None:
        self.error = str(exc)
        self.header.setText(f"Cannot show a quick look: {exc}")
        self.header.setStyleSheet("QLabel { color: #b3261e; }")
        log.warning("quick look failed: %s", exc)

    def _show(self, result: object) -> None:
        assert isinstance(result, QuickLook)  # noqa: S101 - narrows the type
        self.elapsed_s = time.monotonic() - self._started
        self.result = result
        freqs, times, db = result.freqs_hz, result.times, result.spectrogram_db
        df = float(freqs[1] - freqs[0]) if freqs.size > 1 else 1.0
        dt = float(times[1] - times[0]) if times.size > 1 else 1.0
        height = dt * times.size
        self.image.setImage(db, autoLevels=False)
        finite = db[np.isfinite(db)]
        if finite.size:
            lo, hi = np.percentile(finite, [5, 99.7])
            if hi <= lo:
                hi = lo + 1.0
            self.bar.setLevels((float(lo), float(hi)))
        t0 = float(times[0]) if times.size else 0.0
        if not result.time_is_utc or height < MIN_UTC_AXIS_S:
            # DateAxisItem ticks whole seconds: a short slice gets seconds after its start
            self.spec_plot.setAxisItems({"left": pg.AxisItem("left")})
            origin = (
                datetime.fromtimestamp(t0, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
                if result.time_is_utc
                else "the start"
            )
            self.spec_plot.setLabel("left", f"Time after {origin}", units="s")
            times = times - t0
        self.image.setRect(
            QRectF(float(freqs[0]) - df / 2, float(times[0]), df * freqs.size, height)
        )
        self.spec_plot.invertY(True)
        self.curve.setData(freqs, result.spectrum_db)
        self.spec_plot.autoRange()
        self.psd_plot.autoRange()
        self.header.setText(self._summary(result))

    def _summary(self, r: QuickLook) -> str:
        span = ""
        if r.time_is_utc and r.times.size:
            start = datetime.fromtimestamp(float(r.times[0]), UTC).strftime("%Y-%m-%d %H:%M:%S")
            span = f" · from {start} UTC"
        lo, hi = float(r.freqs_hz[0]), float(r.freqs_hz[-1])
        parts = [
            f"<b>{r.title}</b>{span}",
            f"{lo / 1e6:.6g}–{hi / 1e6:.6g} MHz",
            f"{r.spectrogram_db.shape[0]} rows × {r.spectrogram_db.shape[1]} bins",
        ]
        if r.samples_read and r.kind != "rh":
            parts.append(f"{r.samples_read:,} samples")
        if r.bytes_read:
            parts.append(f"{human_bytes(r.bytes_read)} read")
        if self.elapsed_s is not None:
            parts.append(f"{self.elapsed_s:.2f} s")
        parts.extend(r.notes)
        return " · ".join(parts)


__all__ = ["QuickLookWindow"]
