"""What a quick look reads and draws: a slice of samples, and the arrays made of it.

Plain data (numpy arrays), no I/O: the readers in :mod:`sds_desktop.core.quicklook_readers`
make :class:`Samples`, :func:`sds_desktop.core.quicklook.compute` turns them into a
:class:`QuickLook`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sds_desktop.core.errors import SDSError

__all__ = ["DEFAULT_SAMPLES", "QuickLook", "QuickLookError", "Samples"]

DEFAULT_SAMPLES = 1 << 20
"""Samples in a slice (1 Mi: 8 MiB of complex64), enough for a readable spectrogram."""


class QuickLookError(SDSError):
    """The slice cannot be read or drawn (the message says why)."""


@dataclass(frozen=True)
class Samples:
    """A slice of a recording: samples and what places them in frequency and time."""

    samples: np.ndarray
    sample_rate: float
    center_hz: float
    start: float | None
    """UTC seconds of the first sample, when known."""
    title: str
    notes: tuple[str, ...] = ()
    bytes_read: int = 0


@dataclass(frozen=True)
class QuickLook:
    """What the quick-look window draws."""

    freqs_hz: np.ndarray
    """(F,) bin centres in Hz (absolute: centre frequency included)."""
    times: np.ndarray
    """(T,) start of each spectrogram row: UTC seconds, or seconds from the start."""
    spectrogram_db: np.ndarray
    """(T, F) power in dB."""
    spectrum_db: np.ndarray
    """(F,) mean power over the slice, in dB."""
    title: str
    time_is_utc: bool
    notes: tuple[str, ...] = ()
    samples_read: int = 0
    bytes_read: int = 0
    kind: str = ""


def _db(power: np.ndarray) -> np.ndarray:
    floor = np.finfo(np.float32).tiny
    out: np.ndarray = (10.0 * np.log10(np.maximum(power, floor))).astype(np.float32)
    return out
