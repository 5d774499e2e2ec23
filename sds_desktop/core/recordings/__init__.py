"""RF recordings on disk: found, summarised and preflighted before anything is uploaded.

Qt-free. ``scan(path)`` finds Digital RF, SigMF and RadioHound recordings and summarises
them from their metadata; ``preflight(path, kind=...)`` lists what SDS would refuse or
fail on, by production's own rules. The RF libraries (digital_rf, h5py, numpy, sigmf)
are imported on first use, never when this package is imported.

    from pathlib import Path
    from sds_desktop.core import scan
    from sds_desktop.core.recordings import preflight, raise_for_problems

    for rec in scan(Path("westford-vpol")):        # cheap: metadata, not samples
        print(rec.summary())                       # Digital RF "westford-vpol": 2 channels, ...
        for ch in rec.channel_info:                # Digital RF: one capture per channel
            print(ch.name, ch.sample_rate, ch.start, ch.end, ch.center_frequencies)
    problems = preflight(Path("westford-vpol"), kind="drf")   # production's rules
    for p in problems:
        print("BLOCKING" if p.blocking else "warning", p.code, p.message)
    raise_for_problems(problems)                   # PreflightError if any is blocking

``scan(path, deep=True)`` / ``verify(recording)`` / ``preflight(..., deep=True)`` also read
SigMF datasets to check their ``core:sha512``.
"""

from __future__ import annotations

from sds_desktop.core.recordings.model import (
    KINDS,
    Channel,
    PreflightError,
    Problem,
    Recording,
    raise_for_problems,
)
from sds_desktop.core.recordings.preflight import preflight
from sds_desktop.core.recordings.scan import scan, verify

__all__ = [
    "KINDS",
    "Channel",
    "PreflightError",
    "Problem",
    "Recording",
    "preflight",
    "raise_for_problems",
    "scan",
    "verify",
]
