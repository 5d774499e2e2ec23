"""How two answers to the same request are compared: status, body kind, JSON keys and
types (recursively), error text (UUIDs, e-mails and the run's prefix normalised), and the
headers a client acts on."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

import requests

UUID_RE = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}", re.I)
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
COMPARED_HEADERS = ("Content-Disposition", "Content-Range", "Location")
ERROR_TEXT_MAX = 400


@dataclass
class Answer:
    """What was seen of one response."""

    status: int
    kind: str  # json | html | empty | bytes
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, response: requests.Response, run: str) -> Answer:
        headers = {
            h: normalise(response.headers[h], run)
            for h in COMPARED_HEADERS
            if h in response.headers
        }
        if "Location" in headers:  # absolute or relative: compare the path
            headers["Location"] = re.sub(r"^https?://[^/]+", "", headers["Location"])
        content = response.content
        ctype = response.headers.get("Content-Type", "")
        if not content:
            return cls(response.status_code, "empty", None, headers)
        if "json" in ctype:
            try:
                return cls(response.status_code, "json", response.json(), headers)
            except ValueError:
                pass
        if "html" in ctype:
            return cls(response.status_code, "html", None, headers)
        digest = hashlib.sha256(content).hexdigest()[:16]
        return cls(response.status_code, "bytes", f"{len(content)}:{digest}", headers)


TMP_RE = re.compile(r"/tmp/tmp[\w]+")  # noqa: S108 - matches paths in messages


def normalise(text: str, run: str) -> str:
    text = TMP_RE.sub("<tmp>", text)
    text = UUID_RE.sub("<uuid>", text)
    text = EMAIL_RE.sub("<email>", text)
    return text.replace(run, "<run>")


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    if isinstance(value, list):
        return "list"
    return "dict"


def shape_diff(real: Any, mine: Any, path: str = "") -> list[str]:
    """Differences in keys and types between two JSON values (lists: first elements)."""
    out: list[str] = []
    tr, tm = type_name(real), type_name(mine)
    if tr != tm:
        return [f"{path or '.'}: real {tr} {_short(real)}, sandbox {tm} {_short(mine)}"]
    if tr == "dict":
        for key in sorted(set(real) | set(mine)):
            sub = f"{path}.{key}" if path else key
            if key not in mine:
                out.append(f"{sub}: only in real ({type_name(real[key])})")
            elif key not in real:
                out.append(f"{sub}: only in sandbox ({type_name(mine[key])})")
            else:
                out.extend(shape_diff(real[key], mine[key], sub))
    elif tr == "list" and real and mine:
        out.extend(shape_diff(real[0], mine[0], f"{path}[0]"))
    elif tr == "list" and bool(real) != bool(mine):
        out.append(f"{path}: real has {len(real)} items, sandbox {len(mine)}")
    return out


def _short(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."


def error_text(body: Any, run: str) -> str:
    """The message a client shows: ``detail`` or the serializer's field messages."""
    text = json.dumps(body, sort_keys=True) if not isinstance(body, str) else body
    return normalise(text, run)[:ERROR_TEXT_MAX]


def compare(real: Answer, mine: Answer, run: str, *, values: bool = False) -> list[str]:
    """Why the sandbox's answer differs from the real one (empty: they agree).

    ``values``: also compare JSON values, not only shapes (for small answers whose
    values a client reads, e.g. booleans of check_contents or a listing's count).
    """
    problems: list[str] = []
    if real.status != mine.status:
        problems.append(f"status: real {real.status}, sandbox {mine.status}")
    if real.kind != mine.kind:
        problems.append(f"body kind: real {real.kind}, sandbox {mine.kind}")
    for header in sorted(set(real.headers) | set(mine.headers)):
        a, b = real.headers.get(header), mine.headers.get(header)
        if a != b:
            problems.append(f"header {header}: real {a!r}, sandbox {b!r}")
    if real.kind == mine.kind == "json":
        if real.status >= 400:
            a, b = error_text(real.body, run), error_text(mine.body, run)
            if a != b:
                problems.append(f"error text: real {a!r}, sandbox {b!r}")
        else:
            problems.extend(shape_diff(real.body, mine.body))
            if values:
                a, b = error_text(real.body, run), error_text(mine.body, run)
                if a != b:
                    problems.append(f"values: real {a!r}, sandbox {b!r}")
    if real.kind == mine.kind == "bytes" and real.body != mine.body:
        problems.append(f"bytes: real {real.body}, sandbox {mine.body}")
    return problems
