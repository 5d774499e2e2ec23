# ruff: noqa: RUF002, TRY301 - en dashes in ranges; raises inside the reader's guarded block
"""Quick-look readers: a bounded slice of a Digital RF, SigMF or RadioHound recording.

- Digital RF: a window read with ``digital_rf`` (local), or one data file (remote,
  capped), read from memory with ``h5py``;
- SigMF: a window of the data file, memory-mapped (local), or the first megabytes of
  its stream (remote, fetched by :mod:`sds_desktop.core.quicklook_remote`);
- RadioHound: the periodograms stored in the JSON files (one row per scan), over
  ``fmin``–``fmax``: a :class:`QuickLook` directly, no FFT.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import io
import json
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from sds_desktop.core.quicklook_model import (
    DEFAULT_SAMPLES,
    QuickLook,
    QuickLookError,
    Samples,
    _db,
)

__all__ = [
    "RH_MAX_FILES",
    "read_drf",
    "read_drf_file_bytes",
    "read_rh",
    "read_rh_files",
    "read_sigmf",
    "sigmf_dtype",
    "sigmf_from_bytes",
]

RH_MAX_FILES = 240
_SIGMF_TYPE = re.compile(r"^(r|c)(f32|f64|i32|i16|u32|u16|i8|u8)(_le|_be)?$")


# -- Digital RF ----------------------------------------------------------------------


def _first_float(value: object) -> float | None:
    arr = np.asarray(value, dtype=object).ravel()
    for v in arr:
        try:
            out = float(v)
        except (TypeError, ValueError):
            continue
        if np.isfinite(out):
            return out
    return None


def _as_complex(data: np.ndarray) -> np.ndarray:
    if data.dtype.names and {"r", "i"} <= set(data.dtype.names):
        return (data["r"].astype(np.float32) + 1j * data["i"].astype(np.float32)).astype(
            np.complex64
        )
    if np.iscomplexobj(data):
        return data.astype(np.complex64)
    return data.astype(np.float32)


def read_drf(
    path: Path,
    *,
    channel: str | None = None,
    start: float | None = None,
    max_samples: int = DEFAULT_SAMPLES,
) -> Samples:
    """A window of a local Digital RF channel: ``max_samples`` from ``start`` (UTC
    seconds; default: the beginning). ``path`` is the channel folder or its parent."""
    import digital_rf  # noqa: PLC0415 - heavy import, only when needed

    path = Path(path)
    if (path / "drf_properties.h5").is_file():
        top, channel = path.parent, channel or path.name
    else:
        top = path
    try:
        reader = digital_rf.DigitalRFReader(str(top))
        channels = reader.get_channels()
        if not channels:
            raise QuickLookError(f"no Digital RF channel in {top}")
        channel = channel or sorted(channels)[0]
        first, last = reader.get_bounds(channel)
        props = reader.get_properties(channel)
        rate = float(props["samples_per_second"])
        begin = first if start is None else max(first, int(start * rate))
        blocks = reader.get_continuous_blocks(begin, last, channel)
        if not blocks:
            raise QuickLookError(f"no data in {channel} after the chosen start")
        block_start, block_len = next(iter(blocks.items()))
        n = int(min(max_samples, block_len))
        data = reader.read_vector_raw(int(block_start), n, channel)
        center = 0.0
        with contextlib.suppress(Exception):
            meta = reader.read_metadata(first, last + 1, channel, method="ffill")
            for value in meta.values():
                if isinstance(value, Mapping) and "center_frequencies" in value:
                    center = _first_float(value["center_frequencies"]) or 0.0
                    break
    except QuickLookError:
        raise
    except Exception as exc:
        raise QuickLookError(f"Digital RF: {exc}") from exc
    samples = _as_complex(np.asarray(data)[:, 0] if np.ndim(data) > 1 else np.asarray(data))
    return Samples(
        samples,
        rate,
        center,
        int(block_start) / rate,
        f"{channel} (Digital RF)",
        bytes_read=int(samples.nbytes),
    )


def read_drf_file_bytes(
    data: bytes, *, center_hz: float = 0.0, title: str = "", max_samples: int = DEFAULT_SAMPLES
) -> Samples:
    """One Digital RF data file (``rf@….h5``) from memory: its samples, rate and start
    come from the file's own attributes and index."""
    import h5py  # noqa: PLC0415

    try:
        with h5py.File(io.BytesIO(data), "r") as h5:
            rf = h5["rf_data"]
            num = float(rf.attrs.get("sample_rate_numerator", 0))
            den = float(rf.attrs.get("sample_rate_denominator", 1) or 1)
            rate = num / den if num else float(rf.attrs.get("samples_per_second", 0))
            if rate <= 0:
                raise QuickLookError("the data file does not give its sample rate")
            index = np.asarray(h5["rf_data_index"][:1])
            start = float(index[0][0]) / rate if index.size else None
            raw = np.asarray(rf[:max_samples])
    except QuickLookError:
        raise
    except Exception as exc:
        raise QuickLookError(f"not a readable Digital RF data file: {exc}") from exc
    samples = _as_complex(raw[:, 0] if raw.ndim > 1 else raw)
    return Samples(samples, rate, center_hz, start, title, bytes_read=len(data))


# -- SigMF ---------------------------------------------------------------------------


def sigmf_dtype(datatype: str) -> np.dtype[Any]:
    """numpy dtype of one SigMF sample (complex types as interleaved pairs)."""
    match = _SIGMF_TYPE.match(datatype.strip())
    if not match:
        raise QuickLookError(f"unsupported SigMF datatype {datatype!r}")
    _kind, base, endian = match.groups()
    order = ">" if endian == "_be" else "<"
    code = {
        "f32": "f4",
        "f64": "f8",
        "i32": "i4",
        "i16": "i2",
        "u32": "u4",
        "u16": "u2",
        "i8": "i1",
        "u8": "u1",
    }[base]
    return np.dtype(order + code)


def _sigmf_samples(raw: np.ndarray, datatype: str) -> np.ndarray:
    values = raw.astype(np.float32)
    if datatype.startswith("c"):
        values = values[: values.size // 2 * 2]
        return (values[0::2] + 1j * values[1::2]).astype(np.complex64)
    return values


def _sigmf_info(meta: Mapping[str, Any]) -> tuple[str, float, float, float | None, int]:
    glob = meta.get("global") or {}
    datatype = str(glob.get("core:datatype") or "")
    rate = float(glob.get("core:sample_rate") or 0)
    if rate <= 0:
        raise QuickLookError("the SigMF metadata has no core:sample_rate")
    channels = int(glob.get("core:num_channels") or 1)
    captures = meta.get("captures") or [{}]
    first = captures[0] if isinstance(captures[0], Mapping) else {}
    center = float(first.get("core:frequency") or 0.0)
    start = None
    stamp = first.get("core:datetime")
    if isinstance(stamp, str):
        with contextlib.suppress(ValueError):
            start = datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
    return datatype, rate, center, start, channels


def read_sigmf(meta_path: Path, *, offset: int = 0, max_samples: int = DEFAULT_SAMPLES) -> Samples:
    """A window of a local SigMF recording, memory-mapped: only the slice is read."""
    meta_path = Path(meta_path)
    if meta_path.name.endswith(".sigmf-data"):
        meta_path = meta_path.with_name(meta_path.name[: -len("data")] + "meta")
    data_path = meta_path.with_name(meta_path.name[: -len("meta")] + "data")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise QuickLookError(f"SigMF metadata not readable: {exc}") from exc
    datatype, rate, center, start, channels = _sigmf_info(meta)
    dtype = sigmf_dtype(datatype)
    per_sample = dtype.itemsize * (2 if datatype.startswith("c") else 1) * channels
    try:
        size = data_path.stat().st_size
    except OSError as exc:
        raise QuickLookError(f"SigMF data file missing: {data_path.name}") from exc
    total = size // per_sample
    if total == 0:
        raise QuickLookError("the SigMF data file is empty")
    first = min(max(0, offset), total - 1)
    n = min(max_samples, total - first)
    values_per_sample = per_sample // dtype.itemsize
    mm = np.memmap(data_path, dtype=dtype, mode="r")
    try:
        raw = np.array(mm[first * values_per_sample : (first + n) * values_per_sample])
    finally:
        del mm
    if channels > 1:
        raw = raw.reshape(n, channels, -1)[:, 0, :].ravel()
    start_s = None if start is None else start + first / rate
    return Samples(
        _sigmf_samples(raw, datatype),
        rate,
        center,
        start_s,
        f"{meta_path.name[: -len('.sigmf-meta')]} (SigMF)",
        bytes_read=int(raw.nbytes),
    )


def sigmf_from_bytes(
    meta: Mapping[str, Any], data: bytes, *, title: str = "", truncated: bool = False
) -> Samples:
    """SigMF from its metadata and the first bytes of its data stream (remote)."""
    datatype, rate, center, start, channels = _sigmf_info(meta)
    dtype = sigmf_dtype(datatype)
    per_sample = dtype.itemsize * (2 if datatype.startswith("c") else 1) * channels
    usable = len(data) // per_sample * per_sample
    if usable == 0:
        raise QuickLookError("no complete SigMF sample in what was read")
    raw = np.frombuffer(data[:usable], dtype=dtype)
    if channels > 1:
        raw = raw.reshape(usable // per_sample, channels, -1)[:, 0, :].ravel()
    notes = ("the first megabytes of the data file",) if truncated else ()
    return Samples(_sigmf_samples(raw, datatype), rate, center, start, title, notes, len(data))


# -- RadioHound -----------------------------------------------------------------------


def _rh_row(doc: Mapping[str, Any]) -> tuple[np.ndarray, float, float, float | None]:
    try:
        values = np.frombuffer(base64.b64decode(str(doc["data"]), validate=True), "<f4")
    except (KeyError, ValueError, binascii.Error) as exc:
        raise QuickLookError(f"RadioHound data not readable: {exc}") from exc
    meta = doc.get("metadata") if isinstance(doc.get("metadata"), Mapping) else {}
    center = float(doc.get("center_frequency") or 0.0)
    rate = float(doc.get("sample_rate") or 0.0)
    fmin = meta.get("fmin") if isinstance(meta, Mapping) else None
    fmax = meta.get("fmax") if isinstance(meta, Mapping) else None
    lo = float(fmin) if isinstance(fmin, int | float) else center - rate / 2
    hi = float(fmax) if isinstance(fmax, int | float) else center + rate / 2
    stamp = doc.get("timestamp")
    when = None
    if isinstance(stamp, str):
        with contextlib.suppress(ValueError):
            when = datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
    return values, lo, hi, when


def read_rh(docs: Iterable[Mapping[str, Any]], *, title: str = "RadioHound") -> QuickLook:
    """The stored periodograms, one spectrogram row per scan (sorted by time). Values
    are taken as linear power unless some are negative (then they are already dB)."""
    rows = [_rh_row(d) for d in docs]
    rows = [r for r in rows if r[0].size]
    if not rows:
        raise QuickLookError("no RadioHound periodogram to show")
    rows.sort(key=lambda r: (r[3] is None, r[3] or 0.0))
    lo = min(r[1] for r in rows)
    hi = max(r[2] for r in rows)
    n = max(r[0].size for r in rows)
    freqs = np.linspace(lo, hi, n, endpoint=False) + (hi - lo) / n / 2
    grid = np.full((len(rows), n), np.nan, dtype=np.float32)
    for i, (values, rlo, rhi, _when) in enumerate(rows):
        row_freqs = (
            np.linspace(rlo, rhi, values.size, endpoint=False) + (rhi - rlo) / values.size / 2
        )
        grid[i] = np.interp(freqs, row_freqs, values, left=np.nan, right=np.nan)
    finite = grid[np.isfinite(grid)]
    already_db = bool(finite.size and finite.min() < 0)
    db = grid if already_db else _db(np.where(np.isfinite(grid), grid, 0.0))
    db = np.where(np.isfinite(grid), db, np.nan).astype(np.float32)
    times_known = all(r[3] is not None for r in rows)
    times = np.array([r[3] if times_known else i for i, r in enumerate(rows)], dtype=np.float64)
    with warnings.catch_warnings():  # a bin no scan covers stays NaN, without a warning
        warnings.simplefilter("ignore", RuntimeWarning)
        spectrum = np.nanmean(db, axis=0) if len(rows) > 1 else db[0]
    notes = [f"{len(rows)} scan(s) · stored periodogram"]
    if already_db:
        notes.append("values are in dB as stored")
    return QuickLook(
        freqs_hz=freqs.astype(np.float64),
        times=times,
        spectrogram_db=db,
        spectrum_db=np.asarray(spectrum, dtype=np.float32),
        title=title,
        time_is_utc=times_known,
        notes=tuple(notes),
        samples_read=int(sum(r[0].size for r in rows)),
        kind="rh",
    )


def read_rh_files(paths: Sequence[Path], *, max_files: int = RH_MAX_FILES) -> QuickLook:
    docs = []
    for path in list(paths)[:max_files]:
        try:
            doc = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise QuickLookError(f"{Path(path).name}: not readable JSON ({exc})") from exc
        if isinstance(doc, Mapping):
            docs.append(doc)
    name = Path(paths[0]).parent.name if len(paths) > 1 else Path(paths[0]).name
    return read_rh(docs, title=f"{name} (RadioHound)")
