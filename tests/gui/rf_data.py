"""Real RF recordings for the RF GUI tests, valid by production's rules.

Digital RF with ``digital_rf`` (digital metadata with two fields: production 500s on a
single field), RadioHound JSON with every required field and ``data`` = base64 of whole
float32 values, SigMF with ``sigmf``-style metadata.
"""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path

import digital_rf
import numpy as np

from tests.rfgen import rh_document

START_SEC = 1719496800  # 2024-06-27T14:00:00Z
RATE = 1000


def make_drf(
    root: Path,
    channels: tuple[str, ...] = ("ch0", "ch1"),
    *,
    seconds: int = 3,
    center: float = 915e6,
    tone_hz: float = 100.0,
) -> Path:
    """A recording folder ``root`` holding one Digital RF channel per name."""
    for i, name in enumerate(channels):
        chan = root / name
        chan.mkdir(parents=True)
        writer = digital_rf.DigitalRFWriter(
            str(chan),
            np.complex64,
            3600,
            1000,
            START_SEC * RATE,
            RATE,
            1,
            uuid_str=uuid.uuid4().hex,
            is_complex=True,
            num_subchannels=1,
            is_continuous=True,
        )
        t = np.arange(seconds * RATE) / RATE
        rng = np.random.default_rng(i)
        noise = rng.normal(scale=0.01, size=t.size) + 1j * rng.normal(scale=0.01, size=t.size)
        writer.rf_write((np.exp(2j * np.pi * tone_hz * t) + noise).astype(np.complex64))
        writer.close()
        meta = chan / "metadata"
        meta.mkdir()
        mwriter = digital_rf.DigitalMetadataWriter(str(meta), 3600, 1, RATE, 1, "metadata")
        mwriter.write(
            START_SEC * RATE,
            {"center_frequencies": np.array([center + i * 1e6]), "gain_db": np.float64(20.0)},
        )
    return root


def rh_doc(scan_group: str, i: int, *, center: float = 2.4e9, bins: int = 256) -> dict:
    """A valid RadioHound document (tests/rfgen.py's) whose periodogram is noise with a
    peak in its middle bin, so that a quick look has something to find."""
    values = (np.abs(np.random.default_rng(i).normal(size=bins)) + 1e-3).astype("<f4")
    values[bins // 2] = 50.0
    return rh_document(
        scan_group=scan_group,
        values=bins,
        center=center,
        timestamp=f"2024-06-27T14:{i:02d}:00Z",
        data=base64.b64encode(values.tobytes()).decode(),
        custom_fields={"i": i},
    )


def make_rh(root: Path, groups: dict[str, int]) -> Path:
    """A RadioHound folder: ``groups`` maps scan-group UUIDs to their number of scans."""
    root.mkdir(parents=True, exist_ok=True)
    n = 0
    for group, count in groups.items():
        for _ in range(count):
            (root / f"scan-{n:03d}.rh.json").write_text(json.dumps(rh_doc(group, n)))
            n += 1
    return root


def make_sigmf(root: Path, name: str = "rec", *, samples: int = 65536) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    t = np.arange(samples) / 1e6
    data = np.exp(2j * np.pi * 50e3 * t).astype(np.complex64)
    (root / f"{name}.sigmf-data").write_bytes(data.tobytes())
    meta = {
        "global": {"core:datatype": "cf32_le", "core:sample_rate": 1e6, "core:version": "1.0.0"},
        "captures": [
            {
                "core:sample_start": 0,
                "core:frequency": 2.412e9,
                "core:datetime": "2024-06-27T14:00:00Z",
            }
        ],
        "annotations": [],
    }
    (root / f"{name}.sigmf-meta").write_text(json.dumps(meta))
    return root


def settle(qtbot, window) -> None:
    """Wait until the local pane lists what is on disk in its folder: files a test makes
    there trigger a rescan, which must be over before the window shuts down."""
    pane = window.local_pane
    folder = pane.current_dir()

    def listed() -> bool:
        want = {p.name for p in folder.iterdir() if not p.name.startswith(".")}
        return {r[0] for r in pane.model.rows} >= want

    try:
        qtbot.waitUntil(listed, timeout=3000)
    except Exception:  # noqa: BLE001 - a change the watcher missed: rescan by hand
        pane.refresh()
        qtbot.waitUntil(listed, timeout=10_000)
    qtbot.wait(400)  # the watcher's debounce
