"""Small real RF trees for tests: Digital RF (digital_rf) and RadioHound JSON."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import digital_rf
import numpy as np

START_SEC = 1719496800
SAMPLE_RATE = 1000


def write_drf(root: Path, channel: str = "ch0", seconds: int = 3) -> Path:
    """A Digital RF channel under ``root/channel`` with metadata; returns ``root``."""
    chan = root / channel
    chan.mkdir(parents=True)
    writer = digital_rf.DigitalRFWriter(
        str(chan),
        np.complex64,
        3600,
        1000,
        START_SEC * SAMPLE_RATE,
        SAMPLE_RATE,
        1,
        uuid_str=uuid.uuid4().hex,
        is_complex=True,
        num_subchannels=1,
        is_continuous=True,
    )
    writer.rf_write(np.ones(seconds * SAMPLE_RATE, dtype=np.complex64))
    writer.close()
    meta = chan / "metadata"
    meta.mkdir()
    mwriter = digital_rf.DigitalMetadataWriter(str(meta), 3600, 1, SAMPLE_RATE, 1, "metadata")
    mwriter.write(START_SEC * SAMPLE_RATE, {"center_frequencies": np.array([915e6])})
    return root


def write_rh(root: Path, scan_group: str, count: int = 2, center: float = 2.4e9) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        doc = {
            "center_frequency": center + i * 1e6,
            "sample_rate": 24_000_000,
            "gain": 1.0,
            "latitude": 41.7,
            "longitude": -86.24,
            "altitude": 220.0,
            "timestamp": f"2024-06-27T14:0{i}:00Z",
            "short_name": "rh-test",
            "mac_address": "f4e11ea46780",
            "metadata": {"nfft": 1024, "data_type": "periodogram"},
            "custom_fields": {"i": i},
            "data": "AAAA",
            "scan_group": scan_group,
            "type": "float32",
            "version": "v0",
        }
        (root / f"scan-{i}.rh.json").write_text(json.dumps(doc))
    return root
