"""RF recordings on disk: found, summarised and preflighted before anything is uploaded.

Qt-free. ``scan(path)`` finds Digital RF, SigMF and RadioHound recordings and summarises
them from their metadata; ``preflight(path, kind=...)`` lists what SDS would refuse or
fail on, by production's own rules. The RF libraries (digital_rf, h5py, numpy, sigmf)
are imported on first use, never when this package is imported.
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
