"""Small real RF recordings for tests, valid by production's rules unless asked otherwise.

Written with the field's libraries (``digital_rf``, ``sigmf``) so that what the tests read
is what a recorder writes. Every generator returns the paths it made; the known-bad
variants are switched on by keyword (``metadata_fields=1``, ``properties=False``,
``data="AAA"``, ``drop=("mac_address",)``, ``size_delta=-3``, ``wrong_sha512=True``, ...).

Production's rules (``/work/shared/sds-api.md``, last section): Digital RF digital metadata
with two or more fields (or none at all); RadioHound ``data`` = base64 of whole float32
values with every required field (``mac_address``, ``metadata.fmax``, ...); part file names
of at most 100 characters.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import digital_rf
import numpy as np

START = 1719496800  # 2024-06-27T14:00:00Z
CENTER = 915e6


def make_drf(
    root: Path,
    channels: Sequence[str] = ("ch0",),
    *,
    files: int = 3,
    file_ms: int = 1000,
    sample_rate: int = 100,
    start: int = START,
    metadata_fields: int = 2,
    center: float = CENTER,
    properties: bool = True,
    tmp_files: int = 0,
    subdir_s: int = 3600,
) -> Path:
    """A Digital RF top-level folder ``root`` holding ``channels``; returns ``root``.

    Each channel has ``files`` data files of ``file_ms`` milliseconds of complex64 samples
    at ``sample_rate`` Hz (tiny by default). ``metadata_fields``: 0 = no ``metadata/``
    folder, 1 = only ``center_frequencies`` (SDS fails on it), 2+ = valid. ``properties``
    False removes ``drf_properties.h5`` (a channel SDS cannot index). ``tmp_files`` adds
    files named ``tmp.rf@...`` as a recorder leaves while writing.
    """
    root.mkdir(parents=True, exist_ok=True)
    per_file = sample_rate * file_ms // 1000
    for i, name in enumerate(channels):
        chan = root / name
        chan.mkdir(parents=True)
        writer = digital_rf.DigitalRFWriter(
            str(chan),
            np.complex64,
            subdir_s,
            file_ms,
            start * sample_rate,
            sample_rate,
            1,
            uuid_str=uuid.uuid4().hex,
            is_complex=True,
            num_subchannels=1,
            is_continuous=True,
            compression_level=0,
            checksum=False,
            marching_periods=False,
        )
        writer.rf_write(np.ones(files * per_file, dtype=np.complex64))
        writer.close()
        if metadata_fields:
            meta = chan / "metadata"
            meta.mkdir()
            mwriter = digital_rf.DigitalMetadataWriter(
                str(meta), subdir_s, 1, sample_rate, 1, "metadata"
            )
            record: dict[str, Any] = {"center_frequencies": np.array([center + i * 1e6])}
            extra = {"gain": 20.0, "antenna": "dipole", "bandwidth": float(sample_rate)}
            for key in list(extra)[: metadata_fields - 1]:
                record[key] = extra[key]
            for n in range(metadata_fields - 1 - len(extra)):
                record[f"field{n}"] = float(n)
            mwriter.write(start * sample_rate, record)
        if not properties:
            (chan / "drf_properties.h5").unlink()
        first_subdir = sorted(p for p in chan.iterdir() if p.is_dir() and p.name != "metadata")
        for n in range(tmp_files):
            (first_subdir[0] / f"tmp.rf@{start + files + n}.000.h5").write_bytes(b"partial")
    return root


def make_sigmf(
    folder: Path,
    name: str = "capture",
    *,
    samples: int = 256,
    datatype: str = "cf32_le",
    sample_rate: float = 1e6,
    frequency: float = 2.4e9,
    when: str = "2024-06-27T14:00:00Z",
    sha512: bool = True,
    wrong_sha512: bool = False,
    size_delta: int = 0,
    archive: bool = False,
) -> list[Path]:
    """A SigMF recording (``name.sigmf-meta`` + ``.sigmf-data``, or ``name.sigmf``).

    ``size_delta`` bytes are added to (or, negative, cut from) the dataset after the
    metadata was written: a size mismatch. ``wrong_sha512`` stores a checksum of other
    bytes. Returns the files written.
    """
    import sigmf
    from sigmf import SigMFFile

    folder.mkdir(parents=True, exist_ok=True)
    data_path = folder / f"{name}.sigmf-data"
    rng = np.random.default_rng(7)
    iq = (rng.standard_normal(samples) + 1j * rng.standard_normal(samples)).astype(np.complex64)
    if datatype != "cf32_le":
        raise ValueError("make_sigmf writes cf32_le only")
    iq.tofile(data_path)
    meta = SigMFFile(
        data_file=str(data_path),
        skip_checksum=not sha512,
        global_info={
            sigmf.DATATYPE_KEY: datatype,
            sigmf.SAMPLE_RATE_KEY: sample_rate,
            sigmf.DESCRIPTION_KEY: "rfgen test recording",
            sigmf.VERSION_KEY: "1.2.0",
        },
    )
    meta.add_capture(0, {sigmf.FREQUENCY_KEY: frequency, sigmf.DATETIME_KEY: when})
    meta.add_annotation(0, samples, {sigmf.COMMENT_KEY: "all of it"})
    if wrong_sha512:
        meta.set_global_field(sigmf.SHA512_KEY, "0" * 128)
    if archive:
        target = folder / f"{name}.sigmf"
        meta.tofile(str(target), toarchive=True)
        data_path.unlink()
        return [target]
    meta_path = folder / f"{name}.sigmf-meta"
    meta.tofile(str(meta_path))
    if size_delta > 0:
        with data_path.open("ab") as fh:
            fh.write(b"\x01" * size_delta)
    elif size_delta < 0:
        with data_path.open("r+b") as fh:
            fh.truncate(data_path.stat().st_size + size_delta)
    return [meta_path, data_path]


def rh_document(
    *,
    scan_group: str | None = None,
    values: int = 64,
    center: float = 2.4e9,
    timestamp: str = "2024-06-27T14:00:00Z",
    data: str | None = None,
    drop: Iterable[str] = (),
    **overrides: Any,
) -> dict[str, Any]:
    """A RadioHound v0 document valid by the gateway's model (``drop`` removes fields;
    ``metadata.x`` names a metadata field)."""
    samples = np.linspace(-90.0, -40.0, values, dtype=np.float32)
    doc: dict[str, Any] = {
        "data": base64.b64encode(samples.tobytes()).decode() if data is None else data,
        "gain": 1.0,
        "latitude": 41.7,
        "longitude": -86.24,
        "altitude": 220.0,
        "mac_address": "f4e11ea46780",
        "metadata": {
            "data_type": "periodogram",
            "fmax": int(center + 12e6),
            "fmin": int(center - 12e6),
            "gps_lock": False,
            "nfft": values,
            "scan_time": 0.08,
        },
        "sample_rate": 24_000_000,
        "short_name": "rh-test",
        "timestamp": timestamp,
        "type": "float32",
        "version": "v0",
        "center_frequency": center,
        "custom_fields": {},
    }
    if scan_group is not None:
        doc["scan_group"] = scan_group
    doc.update(overrides)
    for key in drop:
        if key.startswith("metadata."):
            doc["metadata"].pop(key.split(".", 1)[1], None)
        else:
            doc.pop(key, None)
    return doc


def make_rh(
    folder: Path,
    *,
    count: int = 2,
    scan_group: str | None = "auto",
    name: str = "scan",
    **kwargs: Any,
) -> list[Path]:
    """``count`` RadioHound files in ``folder``, one scan group (a new UUID4 by default;
    None: no ``scan_group``). ``kwargs`` go to ``rh_document`` (every file gets them)."""
    folder.mkdir(parents=True, exist_ok=True)
    group = str(uuid.uuid4()) if scan_group == "auto" else scan_group
    paths = []
    for i in range(count):
        doc = rh_document(
            scan_group=group,
            center=2.4e9 + i * 24e6,
            timestamp=f"2024-06-27T14:{i:02d}:00Z",
            **kwargs,
        )
        path = folder / f"{name}-{i}.rh.json"
        path.write_text(json.dumps(doc), encoding="utf-8")
        paths.append(path)
    return paths


def long_name(length: int = 101, suffix: str = ".bin") -> str:
    """A file name of exactly ``length`` characters."""
    return "n" * (length - len(suffix)) + suffix
