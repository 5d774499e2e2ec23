"""The HTTP layer: one method per gateway endpoint, typed errors, no policy.

Split in four: ``gateway_http`` (errors, capped bodies, upload/download plumbing),
``gateway_base`` (sessions, sending, retries, pagination, auth), ``gateway_files`` and
``gateway_captures`` (the endpoints); ``Gateway`` here joins them and every name
imported from this module before the split still is.

Thread-safe: each thread gets its own ``requests.Session`` (sessions are not safe to
share). The API key goes only into the ``Authorization`` header, never into logs or
``repr``. Pagination ``next`` links are never followed blindly: only their query is
read, and the request goes to our own base URL, so a reply can never redirect the key
to another host or downgrade it to http.

Retries: idempotent requests (GET/PUT/DELETE and the read-only content check) are
retried here under the ``RetryPolicy``. The content upload and capture creation are
not: a repeated POST could duplicate work; ``transfer.upload_one`` restarts the whole
file step instead (its first step, the content check, then sees what landed).
"""

from __future__ import annotations

from sds_desktop.core.gateway_base import GatewayBase
from sds_desktop.core.gateway_captures import CaptureEndpoints, metadata_filters_json
from sds_desktop.core.gateway_files import FileEndpoints
from sds_desktop.core.gateway_http import (
    CANCEL_POLL_SECONDS,
    DOWNLOAD_CHUNK_SIZE,
    MAX_JSON_BYTES,
    MAX_PAGES,
    PREFETCH_CHUNKS,
    READ_AHEAD_MIN_BYTES,
    DownloadStream,
    Params,
    ParamValue,
    error_from_response,
    prefetch_abandonable,
    to_uuid_hex,
)


class Gateway(FileEndpoints, CaptureEndpoints):
    """Typed access to the SDS Gateway API under ``base_url`` (``…/api/v1``)."""


__all__ = [
    "CANCEL_POLL_SECONDS",
    "DOWNLOAD_CHUNK_SIZE",
    "MAX_JSON_BYTES",
    "MAX_PAGES",
    "PREFETCH_CHUNKS",
    "READ_AHEAD_MIN_BYTES",
    "DownloadStream",
    "Gateway",
    "GatewayBase",
    "ParamValue",
    "Params",
    "error_from_response",
    "metadata_filters_json",
    "prefetch_abandonable",
    "to_uuid_hex",
]
