"""Capture search (``metadata_filters``): a small evaluator of OpenSearch leaf queries
over the document production indexes for each capture."""

from __future__ import annotations

import fnmatch
import json
import re
from typing import Any

from sds_desktop.sandbox.capture_shape import capture_derived, num
from sds_desktop.sandbox.wire import detail, fmt_iso

_QUERY_TYPES = {
    "range",
    "term",
    "terms",
    "match",
    "match_phrase",
    "wildcard",
    "exists",
    "geo_bounding_box",
}


def parse_filters(raw: str | None) -> list[dict[str, Any]]:
    if raw is None:
        return []
    try:
        filters = json.loads(raw)
    except ValueError:
        raise detail(400, "'metadata_filters' could not be parsed from request") from None
    if not isinstance(filters, list):
        raise detail(400, "'metadata_filters' must be a list.")
    for item in filters:
        if not isinstance(item, dict) or not {"field_path", "query_type"} <= item.keys():
            raise detail(
                400,
                "Query error: each filter needs 'field_path', 'query_type' and 'filter_value'.",
            )
        if item["query_type"] not in _QUERY_TYPES:
            raise detail(400, f"Query error: unsupported query type '{item['query_type']}'")
        if not isinstance(item["field_path"], str) or not item["field_path"]:
            raise detail(400, "Query error: 'field_path' must be a non-empty string.")
        if item["query_type"] in {"range", "geo_bounding_box"} and not isinstance(
            item.get("filter_value"), dict
        ):
            raise detail(400, f"Query error: '{item['query_type']}' needs an object filter_value.")
    return filters


def search_doc(row: Any) -> dict[str, Any]:
    props = json.loads(row["capture_props"])
    search: dict[str, Any] = {}
    derived = capture_derived(row["capture_type"], props)
    if derived["center_frequency_ghz"]:
        search["center_frequency"] = derived["center_frequency_ghz"] * 1e9
    if derived["sample_rate_mhz"]:
        search["sample_rate"] = derived["sample_rate_mhz"] * 1e6
    lat, lon = num(props.get("latitude")), num(props.get("longitude"))
    if lat is not None and lon is not None:
        search["coordinates"] = {"lat": lat, "lon": lon}
    return {
        "capture_props": props,
        "search_props": search,
        "name": row["name"],
        "capture_type": row["capture_type"],
        "channel": row["channel"],
        "scan_group": row["scan_group"],
        "top_level_dir": row["top_level_dir"],
        "index_name": row["index_name"],
        "origin": row["origin"],
        "created_at": fmt_iso(row["created_at"]),
        "updated_at": fmt_iso(row["updated_at"]),
    }


def _lookup(doc: Any, path: list[str]) -> list[Any]:
    if not path:
        return [doc]
    if isinstance(doc, list):
        return [v for item in doc for v in _lookup(item, path)]
    if not isinstance(doc, dict):
        return []
    for cut in range(len(path), 0, -1):  # allow keys that contain dots themselves
        key = ".".join(path[:cut])
        if key in doc:
            return _lookup(doc[key], path[cut:])
    return []


def _flatten(values: list[Any]) -> list[Any]:
    out: list[Any] = []
    for value in values:
        if isinstance(value, list):
            out.extend(_flatten(value))
        else:
            out.append(value)
    return out


def _compare(a: Any, b: Any) -> int | None:
    na, nb = num(a), num(b)
    if na is not None and nb is not None and not isinstance(a, str | bool):
        return (na > nb) - (na < nb)
    if isinstance(a, str) and isinstance(b, str):
        return (a > b) - (a < b)
    return None


def _leaf(value: Any, qtype: str, fv: Any) -> bool:
    if qtype == "range":
        for op, want in fv.items():
            if op not in {"gt", "gte", "lt", "lte"}:
                continue
            cmp = _compare(value, want)
            if cmp is None:
                return False
            ok = {"gt": cmp > 0, "gte": cmp >= 0, "lt": cmp < 0, "lte": cmp <= 0}[op]
            if not ok:
                return False
        return True
    if qtype in {"term", "terms"}:
        wanted = fv.get("value") if isinstance(fv, dict) and "value" in fv else fv
        options = wanted if qtype == "terms" and isinstance(wanted, list) else [wanted]
        return any(value == w or _compare(value, w) == 0 for w in options)
    if qtype in {"match", "match_phrase"}:
        query = fv.get("query") if isinstance(fv, dict) else fv
        if isinstance(value, str) and isinstance(query, str):
            if qtype == "match_phrase":
                return query.lower() in value.lower()
            tokens = set(re.findall(r"\w+", value.lower()))
            return any(t in tokens for t in re.findall(r"\w+", query.lower()))
        return value == query or _compare(value, query) == 0
    if qtype == "wildcard":
        pattern = fv.get("value") if isinstance(fv, dict) else fv
        return isinstance(value, str) and fnmatch.fnmatchcase(value, str(pattern))
    if qtype == "geo_bounding_box":
        if not isinstance(value, dict):
            return False
        try:
            top, bottom = fv["top_left"], fv["bottom_right"]
            return (
                bottom["lat"] <= value["lat"] <= top["lat"]
                and top["lon"] <= value["lon"] <= bottom["lon"]
            )
        except (KeyError, TypeError):
            return False
    return False


def matches_all(doc: dict[str, Any], filters: list[dict[str, Any]]) -> bool:
    for item in filters:
        values = _lookup(doc, item["field_path"].split("."))
        if item["query_type"] == "exists":
            if not values:
                return False
            continue
        if item["query_type"] != "geo_bounding_box":
            values = _flatten(values)
        if not any(_leaf(v, item["query_type"], item.get("filter_value")) for v in values):
            return False
    return True
