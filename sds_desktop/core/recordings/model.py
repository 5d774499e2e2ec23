"""What a scan finds: ``Recording`` (with its DRF ``Channel`` breakdown) and ``Problem``.

Plain frozen dataclasses, no RF library imported: the GUI can hold and show them without
paying for numpy. Times are aware UTC datetimes; frequencies and rates are in Hz (rates
in samples per second); durations in seconds; sizes in bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sds_desktop.core.errors import SDSError
from sds_desktop.core.progress import human_bytes

KINDS = ("drf", "sigmf", "rh")
KIND_NAMES = {"drf": "Digital RF", "sigmf": "SigMF", "rh": "RadioHound"}


@dataclass(frozen=True)
class Problem:
    """Something SDS will refuse or fail on, or that the user should know before uploading.

    ``code`` is stable (tests and the GUI key on it); ``message`` is readable sentences
    saying what is wrong, what SDS will do, and what the user can do. ``blocking`` problems
    make SDS refuse or fail (or mean the data is known to be broken); the others are
    warnings (the upload goes through).
    """

    code: str
    path: Path | None
    message: str
    blocking: bool = True

    def __str__(self) -> str:
        return self.message


class PreflightError(SDSError):
    """The preflight found blocking problems: nothing was sent. ``problems`` lists them all."""

    def __init__(self, problems: Sequence[Problem], message: str | None = None) -> None:
        self.problems = list(problems)
        if message is None:
            blocking = [p for p in self.problems if p.blocking] or self.problems
            message = blocking[0].message if blocking else "the preflight found problems"
            if len(blocking) > 1:
                message += f" (and {len(blocking) - 1} more problem(s))"
        super().__init__(message, detail=[p.message for p in self.problems])


def raise_for_problems(problems: Iterable[Problem]) -> None:
    """Raise ``PreflightError`` if any of ``problems`` is blocking (warnings pass)."""
    problems = list(problems)
    if any(p.blocking for p in problems):
        raise PreflightError(problems)


@dataclass(frozen=True)
class Channel:
    """One Digital RF channel: what SDS makes one capture of."""

    name: str
    path: Path
    files: tuple[Path, ...] = ()
    bytes: int = 0
    data_files: int = 0
    sample_rate: float | None = None
    start: datetime | None = None
    end: datetime | None = None
    center_frequencies: tuple[float, ...] = ()
    metadata_fields: tuple[str, ...] = ()
    is_complex: bool | None = None
    num_subchannels: int | None = None
    problems: tuple[Problem, ...] = ()

    @property
    def duration(self) -> float | None:
        if self.start is None or self.end is None:
            return None
        return (self.end - self.start).total_seconds()


@dataclass(frozen=True)
class Recording:
    """A recording found on disk, summarised from its metadata (not its samples).

    ``kind`` is "drf" | "sigmf" | "rh". ``root`` is the folder a capture would be made
    from (the Digital RF top-level folder holding the channels, the SigMF pair's folder,
    the RadioHound files' folder) or, for a SigMF archive, the archive. ``files`` are the
    recording's files (``tmp.*`` files still being written are left out and counted in a
    problem). ``channels`` names the Digital RF channels (``channel_info`` has the
    per-channel breakdown); ``scan_groups`` the RadioHound scan group (one per recording).
    """

    kind: str
    root: Path
    name: str = ""
    files: tuple[Path, ...] = ()
    channels: tuple[str, ...] = ()
    scan_groups: tuple[str, ...] = ()
    sample_rate: float | None = None
    center_frequencies: tuple[float, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    duration: float | None = None
    bytes: int = 0
    problems: tuple[Problem, ...] = ()
    notes: tuple[str, ...] = ()
    channel_info: tuple[Channel, ...] = ()

    @property
    def blocking(self) -> bool:
        """True when SDS would refuse or fail on this recording as it is."""
        return any(p.blocking for p in self.problems)

    def summary(self) -> str:
        """One line for a list row, e.g. ``Digital RF "westford": 2 channels, 1 MS/s, ...``."""
        parts: list[str] = []
        if self.kind == "drf":
            n = len(self.channels)
            parts.append(f"{n} channel{'s' if n != 1 else ''}")
        elif self.kind == "rh":
            n = len(self.files)
            parts.append(f"{n} scan{'s' if n != 1 else ''}")
        if self.sample_rate:
            parts.append(format_rate(self.sample_rate))
        if self.center_frequencies:
            freqs = sorted(set(self.center_frequencies))
            text = format_frequency(freqs[0])
            if len(freqs) > 1:
                text = f"{text} to {format_frequency(freqs[-1])}"
            parts.append(text)
        if self.start is not None:
            parts.append(self.start.strftime("%Y-%m-%d %H:%M:%S UTC"))
        if self.duration is not None:
            parts.append(format_duration(self.duration))
        n = len(self.files)
        parts.append(f"{n:,} file{'s' if n != 1 else ''}, {human_bytes(self.bytes)}")
        line = f'{KIND_NAMES.get(self.kind, self.kind)} "{self.name or self.root.name}": '
        line += ", ".join(parts)
        blocking = sum(1 for p in self.problems if p.blocking)
        warnings = len(self.problems) - blocking
        if blocking:
            line += f"; {blocking} problem{'s' if blocking != 1 else ''}"
        if warnings:
            line += f"; {warnings} warning{'s' if warnings != 1 else ''}"
        return line


def _scaled(value: float, units: tuple[str, ...]) -> str:
    scale = 0
    while abs(value) >= 1000 and scale < len(units) - 1:
        value /= 1000
        scale += 1
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return f"{text} {units[scale]}"


def format_frequency(hz: float) -> str:
    """``915e6`` -> ``915 MHz``; ``2.4e9`` -> ``2.4 GHz``."""
    return _scaled(hz, ("Hz", "kHz", "MHz", "GHz", "THz"))


def format_rate(sps: float) -> str:
    """``1e6`` -> ``1 MS/s``."""
    return _scaled(sps, ("S/s", "kS/s", "MS/s", "GS/s"))


def format_duration(seconds: float) -> str:
    """``3600`` -> ``1 h 0 min``; ``2.5`` -> ``2.5 s``; ``0.000256`` -> ``256 µs``."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:.3g} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.3g} ms"
    if seconds < 60:
        return f"{seconds:.3g} s"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {secs} s"


__all__ = [
    "KINDS",
    "KIND_NAMES",
    "Channel",
    "PreflightError",
    "Problem",
    "Recording",
    "format_duration",
    "format_frequency",
    "format_rate",
    "raise_for_problems",
]
