"""Small real RF trees for tests, valid by production's rules unless asked otherwise.

- Digital RF (written with ``digital_rf``): digital metadata with two fields by default;
  production refuses a channel whose metadata has exactly one field (HTTP 500).
- RadioHound JSON: every required field, ``data`` the base64 of whole float32 values.
  ``rh_doc`` makes one document; tests break it on purpose to see production's 400s.
"""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path
from typing import Any

import digital_rf
import numpy as np

START_SEC = 1719496800
SAMPLE_RATE = 1000
CENTER_FREQ = 915e6


def write_drf(
    root: Path, channel: str = "ch0", seconds: int = 3, *, metadata_fields: int = 2
) -> Path:
    """A Digital RF channel under ``root/channel``; returns ``root``.

    ``metadata_fields``: how many fields its digital metadata holds (0: no ``metadata/``
    folder at all). Production accepts 0 or >= 2 and fails on exactly 1.
    """
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
    if metadata_fields:
        fields: dict[str, Any] = {"center_frequencies": np.array([CENTER_FREQ])}
        extra = {"receiver_id": "usrp-test", "gain_db": 30.0}
        fields.update(dict(list(extra.items())[: metadata_fields - 1]))
        meta = chan / "metadata"
        meta.mkdir()
        mwriter = digital_rf.DigitalMetadataWriter(str(meta), 3600, 1, SAMPLE_RATE, 1, "metadata")
        mwriter.write(START_SEC * SAMPLE_RATE, fields)
    return root


def rh_samples(count: int = 16) -> str:
    """``data`` as production wants it: base64 of ``count`` float32 values."""
    return base64.b64encode(np.linspace(-90, -40, count, dtype=np.float32).tobytes()).decode()


def rh_doc(scan_group: str, i: int = 0, center: float = 2.4e9) -> dict[str, Any]:
    """One valid RadioHound v0 document (every required field present)."""
    return {
        "center_frequency": center + i * 1e6,
        "sample_rate": 24_000_000,
        "gain": 1.0,
        "latitude": 41.7,
        "longitude": -86.24,
        "altitude": 220.0,
        "timestamp": f"2024-06-27T14:0{i}:00Z",
        "short_name": "rh-test",
        "mac_address": "f4e11ea46780",
        "metadata": {
            "data_type": "periodogram",
            "fmax": int(center + i * 1e6 + 12e6),
            "fmin": int(center + i * 1e6 - 12e6),
            "gps_lock": False,
            "nfft": 1024,
            "scan_time": 0.07,
        },
        "custom_fields": {"i": i},
        "data": rh_samples(),
        "scan_group": scan_group,
        "type": "float32",
        "version": "v0",
    }


def write_rh(
    root: Path,
    scan_group: str,
    count: int = 2,
    center: float = 2.4e9,
    *,
    change: dict[str, Any] | None = None,
    drop: tuple[str, ...] = (),
) -> Path:
    """``count`` RadioHound files under ``root``; ``change``/``drop`` alter every one."""
    root.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        doc = rh_doc(scan_group, i, center)
        doc.update(change or {})
        for key in drop:
            doc.pop(key, None)
        (root / f"scan-{i}.rh.json").write_text(json.dumps(doc))
    return root
