"""Small recordings valid by production's rules, for the SDK-style scripts.

- Digital RF: complex64 channels written with ``digital_rf``, each with a ``metadata/``
  folder holding TWO fields (production fails at capture creation on exactly one).
- RadioHound: ``*.rh.json`` whose ``data`` is base64 of whole float32 values, with every
  field production's schema requires (``mac_address``, ``metadata.nfft`` ...) and no
  unknown field.
"""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path

import digital_rf
import numpy as np

START_SEC = 1_719_496_800  # 2024-06-27T14:00:00Z
RATE = 1000
CENTER_HZ = 915e6


def write_drf(top: Path, channels: tuple[str, ...] = ("ch0",), seconds: int = 3) -> Path:
    """A Digital RF recording: ``top/<channel>/`` for each channel; returns ``top``."""
    for index, name in enumerate(channels):
        chan = top / name
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
        writer.rf_write(np.ones(seconds * RATE, dtype=np.complex64) * (index + 1))
        writer.close()
        meta = chan / "metadata"
        meta.mkdir()
        mwriter = digital_rf.DigitalMetadataWriter(str(meta), 3600, 1, RATE, 1, "metadata")
        mwriter.write(
            START_SEC * RATE,
            {
                "center_frequencies": np.array([CENTER_HZ + index * 1e6]),
                "gain_db": np.array([30.0]),
            },
        )
    return top


def rh_document(scan_group: str, index: int = 0, center: float = 2.4e9) -> dict[str, object]:
    samples = np.linspace(-90.0, -40.0, 64, dtype=np.float32)
    return {
        "data": base64.b64encode(samples.tobytes()).decode("ascii"),
        "type": "float32",
        "gain": 1.0,
        "latitude": 41.7,
        "longitude": -86.24,
        "altitude": 220.0,
        "mac_address": "f4e11ea46780",
        "sample_rate": 24_000_000,
        "center_frequency": center + index * 1e6,
        "short_name": "rh-test",
        "timestamp": f"2024-06-27T14:0{index}:00Z",
        "version": "v0",
        "scan_group": scan_group,
        "custom_fields": {"index": index},
        "metadata": {
            "data_type": "periodogram",
            "fmin": center - 12e6,
            "fmax": center + 12e6,
            "gps_lock": True,
            "nfft": 64,
            "scan_time": 0.1,
        },
    }


def write_rh(folder: Path, scan_group: str, count: int = 2, center: float = 2.4e9) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        doc = rh_document(scan_group, i, center)
        (folder / f"scan-{i}.rh.json").write_text(json.dumps(doc), encoding="utf-8")
    return folder
