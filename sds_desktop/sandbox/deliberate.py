"""The ONE table of places where the sandbox deliberately answers otherwise than
production: input on which production crashes (HTTP 500, an HTML page) but that no
correct client sends. The sandbox answers a clean 4xx JSON there, so a client bug shows
as a readable error in tests. Everything else answers as production does (checked by
tools/differential/run.py against the real gateway; pinned in tests/sandbox/).

Each row: what is sent, production's real answer, the sandbox's answer.
"""

from __future__ import annotations

from typing import NamedTuple


class Difference(NamedTuple):
    request: str
    production: str
    sandbox: str


DIFFERENCES: tuple[Difference, ...] = (
    Difference(
        "a malformed UUID in a path: files retrieve/download/delete, captures read/delete, "
        "datasets get/files",
        "500 HTML (ValidationError on the UUID field)",
        '404 {"detail": "No File|Capture|Dataset matches the given query."}',
    ),
    Difference(
        "a malformed `sibling_uuid` in a metadata-only upload",
        "500 HTML",
        '400 {"sibling_uuid": ["Must be a valid UUID."]}',
    ),
    Difference(
        "an upload without `directory`, or with `directory` empty",
        "500 HTML",
        '400 {"directory": ["This field is required."]} / ["This field may not be blank."]',
    ),
    Difference(
        "an upload whose `directory` escapes the user's root with `..`",
        "500 HTML (SuspiciousOperation)",
        '400 {"detail": "The provided path must be in the user\'s files directory."}',
    ),
    Difference(
        "capture creation with an unknown `capture_type`",
        "500 HTML",
        '400 {"detail": "\'<type>\' is not a valid CaptureType"} (the listing\'s text)',
    ),
    Difference(
        "capture search filters missing `field_path` or `filter_value`",
        "500 HTML (KeyError)",
        "400 {\"detail\": \"Query error: each filter needs 'field_path', 'query_type' and "
        "'filter_value'.\"}",
    ),
)
