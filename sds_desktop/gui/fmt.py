"""Human-readable sizes, rates, durations and timestamps for the views."""

from __future__ import annotations

from datetime import datetime

_DECIMAL = (1000.0, ("B", "kB", "MB", "GB", "TB", "PB"))
_BINARY = (1024.0, ("B", "KiB", "MiB", "GiB", "TiB", "PiB"))
_system = _BINARY


def set_units(units: str) -> None:
    """One unit system for every view: ``"binary"`` (KiB, MiB) or ``"decimal"`` (kB, MB),
    from Preferences; views repaint to follow."""
    global _system  # noqa: PLW0603 - one setting for the whole GUI, like the locale
    _system = _DECIMAL if units == "decimal" else _BINARY


def units() -> str:
    return "decimal" if _system is _DECIMAL else "binary"


def human_bytes(n: float) -> str:
    """``1.5 MB`` or ``1.4 MiB``, in the unit system chosen in Preferences."""
    step, names = _system
    if n < step:
        return f"{int(n)} B"
    value = float(n)
    for unit in names[1:]:
        value /= step
        if value < 1000 or unit == names[-1]:
            return f"{value:.1f} {unit}" if value < 100 else f"{value:.0f} {unit}"
    return f"{n} B"  # pragma: no cover


def human_rate(bytes_per_s: float) -> str:
    return "" if bytes_per_s <= 0 else f"{human_bytes(bytes_per_s)}/s"


def human_duration(seconds: float | None) -> str:
    if seconds is None or not 0 <= seconds <= 365 * 86400:
        return ""
    s = round(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m {s % 60:02d}s"
    return f"{s // 3600}h {(s % 3600) // 60:02d}m"


def local_time(value: datetime | None, *, with_zone: bool = False) -> str:
    """An aware time shown in the user's own zone: ``2024-06-27 14:00`` (sortable, compact).

    The gateway sends naive New York times in listings and offset times elsewhere; the
    core turns both into aware datetimes, so every view agrees with the local clock.
    """
    if value is None:
        return ""
    if value.tzinfo is not None:
        value = value.astimezone()
    return value.strftime("%Y-%m-%d %H:%M %Z" if with_zone else "%Y-%m-%d %H:%M").strip()
