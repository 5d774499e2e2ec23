"""Upload a recording and make it a capture: preflight, per-file upload, create.

``Client.upload_capture`` and ``Client.upload_multichannel_drf_capture`` run here, in
three steps:

1. **Preflight** (``sds_desktop.core.recordings.preflight``, production's own rules):
   blocking problems raise ``PreflightError`` before any byte moves, unless the caller
   passes ``ignore_preflight=True``; warnings are logged.
2. **Upload** through the same per-file steps as every upload (``Client.upload``): a file
   that fails stops the capture (``raise_on_error``: its error is raised; else None).
3. **Create** the capture(s). An existing capture for the same (channel, top-level
   folder) is success (linked), as in the SDK. A failed creation leaves the uploaded
   files in place and raises ``CaptureError`` with the server's reason (production's
   HTML 500 reads "SDS failed to index this channel (HTTP 500)").
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sds_desktop.core.capture_models import Capture, CaptureType
from sds_desktop.core.captures import check_capture_type
from sds_desktop.core.errors import CaptureError, SDSError, UploadError
from sds_desktop.core.paths import normalize_sds_path
from sds_desktop.core.results import FileResult

if TYPE_CHECKING:
    from sds_desktop.core.client import Client

log = logging.getLogger(__name__)


def run_preflight(local_path: Path, kind: str, *, ignore: bool) -> None:
    """Raise ``PreflightError`` for blocking problems (logged and passed when ``ignore``)."""
    # imported here: only making a capture needs the recordings package
    from sds_desktop.core.recordings import PreflightError, preflight  # noqa: PLC0415

    problems = preflight(Path(local_path), kind=kind)
    blocking = [p for p in problems if p.blocking]
    for problem in problems:
        if not problem.blocking:
            log.warning("preflight: %s", problem.message)
    if blocking and not ignore:
        raise PreflightError(problems)
    for problem in blocking:
        log.warning("preflight (going on as asked): %s", problem.message)


def _uploaded(results: Sequence[FileResult], *, raise_on_error: bool) -> bool:
    """Whether every file made it (the SDK's rule); raises the first error if asked."""
    failed = [r for r in results if not r]
    if failed:
        if raise_on_error:
            exc = failed[0].exception_or(None)
            raise exc if exc is not None else UploadError("a file failed to upload")
        log.error("%d file(s) failed to upload; no capture created", len(failed))
        return False
    if not results:
        if raise_on_error:
            raise UploadError("no files to upload: nothing for the capture to hold")
        log.error("no files uploaded, unable to create a capture")
        return False
    return True


def upload_capture(
    client: Client,
    *,
    local_path: Path | str,
    sds_path: object,
    capture_type: CaptureType | str,
    index_name: str,
    channel: str | None,
    scan_group: str | None,
    name: str | None,
    verbose: bool,
    warn_skipped: bool,
    raise_on_error: bool,
    ignore_preflight: bool,
) -> Capture | None:
    """See ``Client.upload_capture``."""
    kind = check_capture_type(capture_type)
    try:
        run_preflight(Path(local_path), kind, ignore=ignore_preflight)
    except SDSError:
        if raise_on_error:
            raise
        log.exception("preflight refused %s", local_path)
        return None
    top = normalize_sds_path(str(sds_path))
    results = client.upload(
        local_path=local_path, sds_path=top, verbose=verbose, warn_skipped=warn_skipped
    )
    if not _uploaded(results, raise_on_error=raise_on_error):
        return None
    try:
        return client.captures.create(
            top_level_dir=top,
            capture_type=kind,
            index_name=index_name,
            channel=channel,
            scan_group=scan_group,
            name=name,
        )
    except SDSError:
        if raise_on_error:
            raise
        log.exception("capture creation failed at %s (the files stay uploaded)", top)
        return None


def upload_multichannel_drf_capture(
    client: Client,
    *,
    local_path: Path | str,
    sds_path: object,
    channels: Sequence[str],
    verbose: bool,
    warn_skipped: bool,
    raise_on_error: bool,
    ignore_preflight: bool,
) -> list[Capture] | None:
    """See ``Client.upload_multichannel_drf_capture``."""
    try:
        run_preflight(Path(local_path), "drf", ignore=ignore_preflight)
    except SDSError:
        if raise_on_error:
            raise
        log.exception("preflight refused %s", local_path)
        return None
    top = normalize_sds_path(str(sds_path))
    results = client.upload(
        local_path=local_path, sds_path=top, verbose=verbose, warn_skipped=warn_skipped
    )
    if not _uploaded(results, raise_on_error=raise_on_error):
        return None
    if not channels:
        log.warning("no channels given: no capture created")
        return []
    made: list[Capture] = []
    created_here: list[Capture] = []
    for channel in channels:
        try:
            capture, linked = client.captures.create_or_link(
                top_level_dir=top, capture_type="drf", channel=channel
            )
        except SDSError as exc:
            # As the SDK does: the captures this call created are removed again (the
            # files stay uploaded); captures that existed before are left alone.
            for done in created_here:
                try:
                    client.captures.delete(done.uuid)
                except SDSError as cleanup:
                    log.warning("could not remove capture %s: %s", done.uuid, cleanup)
            if raise_on_error:
                raise CaptureError(
                    f"channel {channel!r}: {exc}", status=exc.status, detail=exc.detail
                ) from exc
            log.error("capture creation failed for channel %s: %s", channel, exc)  # noqa: TRY400
            return []
        if capture is not None:
            made.append(capture)
            if not linked:
                created_here.append(capture)
    return made


__all__ = ["run_preflight", "upload_capture", "upload_multichannel_drf_capture"]
