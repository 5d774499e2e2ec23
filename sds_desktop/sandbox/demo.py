"""Demo data: a small, real-looking RF tree uploaded for a demo user and registered.

Digital RF is written with ``digital_rf``, SigMF with ``sigmf``; both are optional at run
time (without them the demo still has RadioHound files and plain JSON/bytes).
"""

from __future__ import annotations

import base64
import json
import logging
import mimetypes
import tempfile
import uuid
from pathlib import Path
from typing import Any

from sds_desktop.sandbox.app import SandboxApp
from sds_desktop.sandbox.wire import ApiError

log = logging.getLogger(__name__)

DEMO_ROOT = "/demo"
DRF_TLD = "/demo/westford-vpol"
DRF_CHANNEL = "cap-2024-06-27T14-00-00"
RH_TLD = "/demo/radiohound"
SIGMF_TLD = "/demo/sigmf"
START_SEC = 1719496800  # 2024-06-27T14:00:00Z
SAMPLE_RATE = 10_000
CENTER_FREQ = 2_412_000_000.0


def _write_drf(root: Path) -> bool:
    try:
        import digital_rf  # noqa: PLC0415 - optional dependency
        import numpy as np  # noqa: PLC0415
    except ImportError:
        log.info("digital_rf not available: the demo has no Digital RF capture")
        return False
    chan = root / "westford-vpol" / DRF_CHANNEL
    chan.mkdir(parents=True)
    writer = digital_rf.DigitalRFWriter(
        str(chan),
        np.complex64,
        3600,
        1000,
        START_SEC * SAMPLE_RATE,
        SAMPLE_RATE,
        1,
        uuid_str=uuid.UUID(int=0x5A4D0).hex,
        is_complex=True,
        num_subchannels=1,
        is_continuous=True,
    )
    t = np.arange(2 * SAMPLE_RATE) / SAMPLE_RATE
    rng = np.random.default_rng(42)
    noise = rng.normal(scale=0.05, size=(2, t.size))
    tone = np.exp(2j * np.pi * 1000 * t) + noise[0] + 1j * noise[1]
    writer.rf_write(tone.astype(np.complex64))
    writer.close()
    meta_dir = chan / "metadata"
    meta_dir.mkdir()
    mwriter = digital_rf.DigitalMetadataWriter(str(meta_dir), 3600, 1, SAMPLE_RATE, 1, "metadata")
    mwriter.write(
        START_SEC * SAMPLE_RATE,
        {
            "center_frequencies": np.array([CENTER_FREQ]),
            "receiver": {"description": "sandbox demo receiver", "id": "usrp-b210"},
        },
    )
    return True


def _write_sigmf(root: Path) -> None:
    directory = root / "sigmf"
    directory.mkdir()
    data = directory / "wifi-beacon.sigmf-data"
    payload = bytes(range(256)) * 64
    data.write_bytes(payload)
    glob = {
        "core:datatype": "cf32_le",
        "core:sample_rate": 1_000_000,
        "core:description": "SDS sandbox demo recording",
        "core:author": "sandbox",
        "core:version": "1.0.0",
    }
    capture = {
        "core:sample_start": 0,
        "core:frequency": CENTER_FREQ,
        "core:datetime": "2024-06-27T14:00:00Z",
    }
    try:
        from sigmf import SigMFFile  # noqa: PLC0415 - optional dependency

        glob.pop("core:version")
        meta = SigMFFile(data_file=str(data), global_info=glob)
        meta.add_capture(0, metadata={k: v for k, v in capture.items() if k != "core:sample_start"})
        meta.tofile(str(directory / "wifi-beacon.sigmf-meta"))
    except ImportError:
        doc = {"global": glob, "captures": [capture], "annotations": []}
        (directory / "wifi-beacon.sigmf-meta").write_text(json.dumps(doc, indent=2))


def _write_rh(root: Path, scan_group: str) -> None:
    directory = root / "radiohound"
    directory.mkdir()
    for i in range(3):
        samples = bytes((j * 7 + i) % 256 for j in range(512))
        doc: dict[str, Any] = {
            "altitude": 226.0,
            "center_frequency": 2.4e9 + i * 20e6,
            "custom_fields": {"site": "sandbox-roof", "sweep": i},
            "data": base64.b64encode(samples).decode(),
            "gain": 1.0,
            "latitude": 41.6997,
            "longitude": -86.2376,
            "mac_address": "f4e11ea46780",
            "metadata": {
                "archive_result": True,
                "data_type": "periodogram",
                "fmax": 2.412e9 + i * 20e6,
                "fmin": 2.388e9 + i * 20e6,
                "gps_lock": False,
                "nfft": 1024,
                "scan_time": 0.0701,
            },
            "sample_rate": 24_000_000,
            "scan_group": scan_group,
            "short_name": "rh-sandbox",
            "timestamp": f"2024-06-27T14:0{i}:00.000000Z",
            "type": "float32",
            "version": "v0",
        }
        (directory / f"rh-sandbox_2024-06-27T14-0{i}-00.rh.json").write_text(json.dumps(doc))


def seed(app: SandboxApp, email: str) -> None:
    """Upload the demo tree for ``email`` and register its captures (idempotent)."""
    store = app.store
    user = store.ensure_user(email)
    if store.query_one(
        "SELECT 1 FROM files WHERE owner_id = ? AND directory LIKE ? AND is_deleted = 0",
        (user.id, DEMO_ROOT + "%"),
    ):
        return
    scan_group = str(uuid.uuid4())
    with tempfile.TemporaryDirectory(prefix="sds-sandbox-demo-") as tmp:
        root = Path(tmp)
        has_drf = _write_drf(root)
        _write_sigmf(root)
        _write_rh(root, scan_group)
        (root / "README.txt").write_text(
            "SDS sandbox demo tree: a Digital RF channel, a SigMF pair and RadioHound scans.\n"
        )
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            if path.name.startswith("tmp.") or path.stat().st_size == 0:
                continue
            rel_dir = path.parent.relative_to(root).as_posix()
            directory = DEMO_ROOT + ("" if rel_dir == "." else "/" + rel_dir)
            writer = store.new_writer()
            with path.open("rb") as fh:
                while chunk := fh.read(1024 * 1024):
                    writer.write(chunk)
            checksum, size = store.commit_blob(writer)
            store.insert_file(
                user,
                directory=directory,
                name=path.name,
                media_type=mimetypes.guess_type(path.name)[0] or "application/octet-stream",
                permissions="rw-r--r--",
                size=size,
                sum_blake3=checksum,
            )
    specs = [
        {"capture_type": "rh", "top_level_dir": RH_TLD, "channel": "", "scan_group": scan_group},
        {"capture_type": "sigmf", "top_level_dir": SIGMF_TLD, "channel": "", "scan_group": None},
    ]
    if has_drf:
        specs.insert(
            0,
            {
                "capture_type": "drf",
                "top_level_dir": DRF_TLD,
                "channel": DRF_CHANNEL,
                "scan_group": None,
            },
        )
    for spec in specs:
        spec["index_name"] = ""
        spec["name"] = spec["top_level_dir"].rsplit("/", 1)[-1]
        try:
            app.register_capture(user, spec)
        except ApiError as exc:  # metadata trouble must not prevent the demo from starting
            log.warning("demo capture %s not registered: %s", spec["top_level_dir"], exc.body)
