# ruff: noqa: RUF002 - en dashes in ranges
"""Quick look: a spectrogram and a power spectrum of a bounded slice of a recording.

Qt-free. Readers take only a slice, whatever the recording's size:

- Digital RF: a window read with ``digital_rf`` (local), or one data file (remote,
  capped), read from memory with ``h5py``;
- SigMF: a window of the data file, memory-mapped (local), or the first megabytes of
  its stream (remote: production ignores ``Range``, so read, then close);
- RadioHound: the periodograms stored in the JSON files (one row per scan), over
  ``fmin``–``fmax``.

:func:`compute` turns samples into arrays with Hz and UTC axes (numpy FFT). Remote
reads go through :class:`HeadCache`, bounded in bytes.

The parts: :mod:`~sds_desktop.core.quicklook_model` (the data),
:mod:`~sds_desktop.core.quicklook_readers` (one reader per format),
:mod:`~sds_desktop.core.quicklook_remote` (remote reads); this module computes, and
re-exports them all.
"""

from __future__ import annotations

import numpy as np

from sds_desktop.core.quicklook_model import (
    DEFAULT_SAMPLES,
    QuickLook,
    QuickLookError,
    Samples,
    _db,
)
from sds_desktop.core.quicklook_readers import (
    RH_MAX_FILES,
    read_drf,
    read_drf_file_bytes,
    read_rh,
    read_rh_files,
    read_sigmf,
    sigmf_dtype,
    sigmf_from_bytes,
)
from sds_desktop.core.quicklook_remote import (
    CACHE_BYTES,
    DEFAULT_CACHE,
    REMOTE_FILE_CAP,
    REMOTE_HEAD_BYTES,
    HeadCache,
    fetch_head,
)

__all__ = [
    "CACHE_BYTES",
    "DEFAULT_CACHE",
    "DEFAULT_NFFT",
    "DEFAULT_SAMPLES",
    "MAX_ROWS",
    "REMOTE_FILE_CAP",
    "REMOTE_HEAD_BYTES",
    "RH_MAX_FILES",
    "HeadCache",
    "QuickLook",
    "QuickLookError",
    "Samples",
    "compute",
    "fetch_head",
    "read_drf",
    "read_drf_file_bytes",
    "read_rh",
    "read_rh_files",
    "read_sigmf",
    "sigmf_dtype",
    "sigmf_from_bytes",
]

DEFAULT_NFFT = 1024
MAX_ROWS = 512


def compute(
    slice_: Samples, *, nfft: int = DEFAULT_NFFT, max_rows: int = MAX_ROWS, kind: str = ""
) -> QuickLook:
    """Hann-windowed FFTs of consecutive segments (at most ``max_rows``, averaged in
    groups when the slice is longer), fftshifted for complex input."""
    x: np.ndarray = np.asarray(slice_.samples).ravel()
    if x.size == 0:
        raise QuickLookError("the slice holds no samples")
    x = x.astype(np.complex128 if np.iscomplexobj(x) else np.float64)
    if not np.all(np.isfinite(x)):
        x = np.nan_to_num(x, nan=0.0, posinf=0.0, neginf=0.0)
    nfft = int(max(16, min(nfft, 1 << int(np.floor(np.log2(max(16, x.size)))))))
    segments = x.size // nfft
    x = np.reshape(x[: segments * nfft], (segments, nfft))
    window = np.hanning(nfft)
    scale = float(np.sum(window**2)) * slice_.sample_rate
    is_complex = np.iscomplexobj(x)
    with np.errstate(over="ignore", invalid="ignore"):
        spec = np.fft.fft(x * window, axis=1) if is_complex else np.fft.rfft(x * window, axis=1)
        power = np.abs(spec) ** 2 / scale
    power = np.nan_to_num(power, nan=0.0, posinf=np.finfo(np.float64).max)
    if is_complex:
        power = np.fft.fftshift(power, axes=1)
        freqs = np.fft.fftshift(np.fft.fftfreq(nfft, 1.0 / slice_.sample_rate))
    else:
        freqs = np.fft.rfftfreq(nfft, 1.0 / slice_.sample_rate)
    group = max(1, int(np.ceil(segments / max_rows)))
    rows = segments // group
    power = power[: rows * group].reshape(rows, group, -1).mean(axis=1)
    row_s = group * nfft / slice_.sample_rate
    base = slice_.start if slice_.start is not None else 0.0
    times = base + np.arange(rows) * row_s
    return QuickLook(
        freqs_hz=(freqs + slice_.center_hz).astype(np.float64),
        times=times.astype(np.float64),
        spectrogram_db=_db(power),
        spectrum_db=_db(power.mean(axis=0)),
        title=slice_.title,
        time_is_utc=slice_.start is not None,
        notes=slice_.notes,
        samples_read=rows * group * nfft,
        bytes_read=slice_.bytes_read,
        kind=kind,
    )
