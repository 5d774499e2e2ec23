"""RadioHound v0 files checked as production checks them, with its messages.

Production validates each ``*.rh.json`` with a pydantic model; a failure is a 400 whose
``detail`` carries pydantic's report (``N validation error(s) for _RadioHoundDataV0``,
one block per error: location, message, ``[type=..., input_value=..., input_type=...]``
and a link). This module checks the same rules and writes the same report; the
``capture_props`` of a valid file are the model's dump: every field, defaults included.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import UTC, datetime
from typing import Any

import numpy as np

MODEL = "_RadioHoundDataV0"
PYDANTIC_DOCS = "https://errors.pydantic.dev/2.13/v/"
MAX_INT = 2**63 - 1
NUMPY_TYPES = frozenset(t.__name__ for t in np.sctypeDict.values())

# field -> (kind, required, constraints); kinds: str, int, float, bool, dict, any
TOP: dict[str, tuple[str, bool, dict[str, Any]]] = {
    "data": ("data", True, {}),
    "gain": ("float", True, {}),
    "latitude": ("float", True, {"gt": -90, "lt": 90}),
    "longitude": ("float", True, {"gt": -180, "lt": 180}),
    "mac_address": ("mac", True, {}),
    "metadata": ("metadata", True, {}),
    "sample_rate": ("int", True, {"gt": 0, "lt": MAX_INT}),
    "short_name": ("str", True, {"max_length": 255}),
    "timestamp": ("datetime", True, {}),
    "type": ("dtype", True, {}),
    "version": ("version", False, {}),
    "altitude": ("float?", False, {}),
    "center_frequency": ("float?", False, {}),
    "custom_fields": ("dict", False, {}),
    "hardware_board_id": ("str?", False, {"max_length": 255}),
    "hardware_version": ("str?", False, {"max_length": 255}),
    "scan_group": ("uuid4?", False, {}),
    "software_version": ("str?", False, {"max_length": 255}),
}
DUMP_DEFAULTS = {
    "version": "v0",
    "altitude": None,
    "center_frequency": None,
    "custom_fields": {},
    "hardware_board_id": None,
    "hardware_version": None,
    "scan_group": None,
    "software_version": None,
}
DEPRECATED = ("batch", "suggested_gain", "uncertainty", "requested", "data_as_numpy")
META: dict[str, tuple[str, bool, dict[str, Any]]] = {
    "data_type": ("data_type", True, {}),
    "fmax": ("int", True, {"gt": 0, "lt": MAX_INT}),
    "fmin": ("int", True, {"gt": 0, "lt": MAX_INT}),
    "gps_lock": ("bool", True, {}),
    "nfft": ("int", True, {"gt": 0}),
    "scan_time": ("float", True, {"gt": 0}),
    "xcount": ("int?", False, {}),
    "xstart": ("int?", False, {}),
    "xstop": ("int?", False, {}),
    "archive_result": ("bool?", False, {}),
}
META_ALIASES = {"archiveResult": "archive_result"}
UUID4_RE = re.compile(
    r"^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$", re.I
)


class RadioHoundInvalidError(ValueError):
    """A file production refuses; ``str()`` is pydantic's report."""


def _repr(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 50 else text[:25] + "..." + text[-24:]


class _Report:
    def __init__(self) -> None:
        self.errors: list[tuple[str, str, str, Any]] = []

    def add(self, loc: str, kind: str, message: str, value: Any) -> None:
        self.errors.append((loc, kind, message, value))

    def text(self) -> str:
        n = len(self.errors)
        lines = [f"{n} validation error{'s' if n != 1 else ''} for {MODEL}"]
        for loc, kind, message, value in self.errors:
            if loc:
                lines.append(loc)
            lines.append(
                f"  {message} [type={kind}, input_value={_repr(value)}, "
                f"input_type={type(value).__name__}]"
            )
            lines.append(f"    For further information visit {PYDANTIC_DOCS}{kind}")
        return "\n".join(lines)


def _number(value: Any, kind: str) -> tuple[Any, tuple[str, str] | None]:
    """(converted, None) or (None, (error type, message))."""
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            return None, ("int_type", "Input should be a valid integer")
        if isinstance(value, float) and not value.is_integer():
            return None, (
                "int_from_float",
                "Input should be a valid integer, got a number with a fractional part",
            )
        try:
            return int(value), None
        except ValueError:
            return None, (
                "int_parsing",
                "Input should be a valid integer, unable to parse string as an integer",
            )
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None, ("float_type", "Input should be a valid number")
    try:
        return float(value), None
    except ValueError:
        return None, (
            "float_parsing",
            "Input should be a valid number, unable to parse string as a number",
        )


def _bounds(report: _Report, loc: str, value: Any, rules: dict[str, Any]) -> None:
    if "gt" in rules and not value > rules["gt"]:
        report.add(loc, "greater_than", f"Input should be greater than {rules['gt']}", value)
    elif "lt" in rules and not value < rules["lt"]:
        report.add(loc, "less_than", f"Input should be less than {rules['lt']}", value)


def _field(report: _Report, loc: str, kind: str, value: Any, rules: dict[str, Any]) -> Any:
    optional = kind.endswith("?")
    kind = kind.rstrip("?")
    if optional and value is None:
        return None
    if kind in {"int", "float"}:
        converted, error = _number(value, kind)
        if error is not None:
            report.add(loc, error[0], error[1], value)
            return None
        _bounds(report, loc, converted, rules)
        return converted
    if kind == "bool":
        if isinstance(value, bool):
            return value
        report.add(loc, "bool_type", "Input should be a valid boolean", value)
        return None
    if kind == "dict":
        if isinstance(value, dict):
            return value
        report.add(loc, "dict_type", "Input should be a valid dictionary", value)
        return None
    if not isinstance(value, str):
        report.add(loc, "string_type", "Input should be a valid string", value)
        return None
    if kind == "str":
        if "max_length" in rules and len(value) > rules["max_length"]:
            report.add(
                loc,
                "string_too_long",
                f"String should have at most {rules['max_length']} characters",
                value,
            )
        return value
    if kind == "mac":
        if len(value) != 12:
            which = "short" if len(value) < 12 else "long"
            word = "at least" if which == "short" else "at most"
            report.add(
                loc, f"string_too_{which}", f"String should have {word} 12 characters", value
            )
        elif not re.fullmatch(r"[0-9A-Fa-f]+", value):
            report.add(
                loc,
                "value_error",
                "Value error, MAC address must be a hexadecimal string with no separators",
                value,
            )
        return value
    if kind == "data":
        if not value:
            report.add(loc, "value_error", "Value error, Data must not be empty", value)
            return None
        try:
            return base64.b64decode(value)
        except (binascii.Error, ValueError):
            report.add(loc, "value_error", "Value error, Data must be base64 encoded", value)
            return None
    if kind == "datetime":
        try:
            stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            report.add(
                loc, "datetime_from_date_parsing", "Input should be a valid datetime or date", value
            )
            return None
        return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
    if kind == "dtype":
        if value not in NUMPY_TYPES:
            report.add(loc, "value_error", f"Value error, Invalid data type: {value}", value)
        return value
    if kind == "version":
        if not re.fullmatch(r"v[0-9]+", value):
            report.add(
                loc, "value_error", "Value error, Version must match pattern 'v[0-9]+'", value
            )
        return value
    if kind == "uuid4":
        if not UUID4_RE.match(value):
            report.add(loc, "uuid_parsing", "Input should be a valid UUID", value)
        return value
    if kind == "data_type":
        if value != "periodogram":
            report.add(loc, "enum", "Input should be 'periodogram'", value)
        return value
    return value


def _model(
    report: _Report, doc: dict[str, Any], fields: dict[str, tuple[str, bool, dict]], prefix: str
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, (kind, required, rules) in fields.items():
        loc = f"{prefix}{name}"
        if name not in doc:
            if required:
                report.add(loc, "missing", "Field required", doc)
            continue
        if kind == "metadata":
            value = doc[name]
            if not isinstance(value, dict):
                report.add(
                    loc,
                    "model_type",
                    f"Input should be a valid dictionary or instance of {MODEL[:-2]}MetadataV0",
                    value,
                )
                continue
            meta = {META_ALIASES.get(k, k): v for k, v in value.items()}
            out[name] = _model(report, meta, META, f"{loc}.")
            continue
        out[name] = _field(report, loc, kind, doc[name], rules)
    allowed = set(fields) | (set(DEPRECATED) if fields is TOP else set())
    for extra, value in doc.items():
        if extra not in allowed:
            report.add(
                f"{prefix}{extra}", "extra_forbidden", "Extra inputs are not permitted", value
            )
    return out


def validate(doc: Any) -> dict[str, Any]:
    """The ``capture_props`` production stores for a RadioHound document, or raise."""
    report = _Report()
    if not isinstance(doc, dict):
        report.add("", "model_type", "Input should be an object", doc)
        raise RadioHoundInvalidError(report.text())
    values = _model(report, doc, TOP, "")
    if not report.errors:
        try:
            np.frombuffer(values["data"], dtype=np.dtype(values["type"]))
        except (ValueError, TypeError) as exc:
            report.add("", "value_error", f"Value error, {exc}", doc)
    if report.errors:
        raise RadioHoundInvalidError(report.text())
    return _dump(doc, values)


def _dump(doc: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """The model's JSON dump: validated values, defaults for what is absent."""
    out: dict[str, Any] = {}
    for name in TOP:
        if name in values:
            out[name] = values[name]
        elif name in DUMP_DEFAULTS:
            out[name] = DUMP_DEFAULTS[name]
    out["data"] = base64.b64encode(values["data"]).decode()
    stamp: datetime = values["timestamp"]
    text = stamp.isoformat()
    out["timestamp"] = text[:-6] + "Z" if text.endswith("+00:00") else text
    meta = dict(values["metadata"])
    for name in ("xcount", "xstart", "xstop"):
        meta.pop(name, None)
    meta.setdefault("archive_result", None)
    out["metadata"] = meta
    if doc.get("requested"):
        out["custom_fields"] = {**(out.get("custom_fields") or {}), "requested": doc["requested"]}
    return out
