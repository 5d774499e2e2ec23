"""Qt-free client core for the SDS Gateway: the SDK API, streamed and verified.

``Client`` and friends are imported lazily (PEP 562), so that importing the pure helpers
(``paths``, ``checksum``, ``errors``) never pulls in the HTTP client.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sds_desktop.core.capture_models import CaptureFilter, CaptureType
    from sds_desktop.core.client import Client
    from sds_desktop.core.gateway import Gateway
    from sds_desktop.core.models import Capture, Dataset, SDSFile
    from sds_desktop.core.recordings import Recording, scan
    from sds_desktop.core.results import FileResult, Result
    from sds_desktop.core.retry import RetryPolicy

_LAZY = {
    "Client": "sds_desktop.core.client",
    "Gateway": "sds_desktop.core.gateway",
    "RetryPolicy": "sds_desktop.core.retry",
    "SDSFile": "sds_desktop.core.models",
    "Capture": "sds_desktop.core.models",
    "Dataset": "sds_desktop.core.models",
    "CaptureFilter": "sds_desktop.core.capture_models",
    "CaptureType": "sds_desktop.core.capture_models",
    "FileResult": "sds_desktop.core.results",
    "Result": "sds_desktop.core.results",
    "scan": "sds_desktop.core.recordings",
    "Recording": "sds_desktop.core.recordings",
}

__all__ = [
    "Capture",
    "CaptureFilter",
    "CaptureType",
    "Client",
    "Dataset",
    "FileResult",
    "Gateway",
    "Recording",
    "Result",
    "RetryPolicy",
    "SDSFile",
    "scan",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
