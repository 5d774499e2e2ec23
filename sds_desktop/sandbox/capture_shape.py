"""The capture object as production lists and reads it, and its derived fields."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sds_desktop.sandbox.shared import Resource
from sds_desktop.sandbox.store import User
from sds_desktop.sandbox.wire import SERVER_TZ, fmt_iso, fmt_utc

TYPE_DISPLAY = {"drf": "Digital RF", "rh": "RadioHound", "sigmf": "SigMF"}


def num(value: Any) -> float | None:
    """A number from a property value (first element of a list), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, list) and value:
        return num(value[0])
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _is_data_file(capture_type: str, name: str) -> bool:
    return capture_type == "drf" and name.startswith("rf@")


def search_props(capture_type: str, props: dict[str, Any]) -> dict[str, Any]:
    """What production's index transforms derive from ``capture_props``.

    Digital RF: ``center_frequency`` is ``center_freq``, else ``center_frequencies[0]``,
    which fails (so is absent) when ``center_frequencies`` is a bare float: production
    then finds no Digital RF capture by frequency. ``sample_rate`` needs the numerator
    and denominator, which production's schema mapping drops.
    """
    out: dict[str, Any] = {}

    def take(target: str, value: Any) -> None:
        if value is not None:
            out[target] = value

    if capture_type == "drf":
        center = props.get("center_freq")
        freqs = props.get("center_frequencies")
        if center is None and isinstance(freqs, list) and freqs:
            center = freqs[0]
        take("center_frequency", center)
        if props.get("center_freq") is not None and props.get("span") is not None:
            out["frequency_min"] = props["center_freq"] - props["span"] / 2
            out["frequency_max"] = props["center_freq"] + props["span"] / 2
        take("start_time", props.get("start_bound"))
        take("end_time", props.get("end_bound"))
        for key in ("span", "gain", "bandwidth"):
            take(key, props.get(key))
        num_, den = props.get("sample_rate_numerator"), props.get("sample_rate_denominator")
        if num_ is not None and den:
            out["sample_rate"] = num_ / den
    elif capture_type == "rh":
        meta = props.get("metadata") if isinstance(props.get("metadata"), dict) else {}
        take("center_frequency", props.get("center_frequency"))
        take("frequency_min", meta.get("fmin"))
        take("frequency_max", meta.get("fmax"))
        for key in ("span", "gain", "sample_rate"):
            take(key, props.get(key))
        if props.get("latitude") is not None and props.get("longitude") is not None:
            out["coordinates"] = [props["longitude"], props["latitude"]]
    return out


def _model_metadata(
    capture_type: str, props: dict[str, Any], data_files: int, *, listing: bool
) -> dict[str, Any]:
    """The capture model's frequency/time view (search_props, then capture_props)."""
    search = search_props(capture_type, props)
    center, rate = search.get("center_frequency"), search.get("sample_rate")
    if not center or not rate:
        if capture_type == "drf":
            if not center:
                center = props.get("center_freq") or props.get("center_frequency")
                freqs = props.get("center_frequencies")
                if not center and isinstance(freqs, list) and freqs:
                    center = freqs[0]
            if not rate:
                rate = props.get("samples_per_second")
        elif capture_type == "rh":
            center = center or props.get("center_frequency")
            rate = rate or props.get("sample_rate")
    start, end = search.get("start_time"), search.get("end_time")
    cadence = None  # production's bulk (listing) path never computes it
    if not listing and start is not None and end is not None and data_files:
        cadence = max(1, int((end - start) * 1000 / data_files))
    return {"center": center, "rate": rate, "start": start, "end": end, "cadence": cadence}


def _display(ts: int | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, SERVER_TZ).strftime("%m/%d/%Y %I:%M:%S %p")


def capture_derived(
    capture_type: str, props: dict[str, Any], data_files: int = 0, *, listing: bool = False
) -> dict[str, Any]:
    m = _model_metadata(capture_type, props, data_files, listing=listing)
    start, end = m["start"], m["end"]
    return {
        "center_frequency_ghz": m["center"] / 1e9 if m["center"] else None,
        "sample_rate_mhz": m["rate"] / 1e6 if m["rate"] else None,
        "length_of_capture_ms": (end - start) * 1000
        if start is not None and end is not None
        else None,
        "file_cadence_ms": m["cadence"],
        "capture_start_epoch_sec": start,
        "capture_start_iso_utc": fmt_utc(start),
        "capture_end_iso_utc": fmt_utc(end),
        "capture_start_display": _display(start),
        "capture_end_display": _display(end),
    }


def _permission(row: Any, user: User | None, shared_ids: list[int]) -> str | None:
    if user is None:
        return None
    if user.id == row["owner_id"]:
        return "owner"
    return "viewer" if user.id in shared_ids else None


def capture_json(
    res: Resource, row: Any, user: User | None, *, listing: bool = False, created: bool = False
) -> dict[str, Any]:
    """``listing``: as in a list page (no file cadence); ``created``: the create answer
    (production's create view gives the serializer no request: null permission_level)."""
    props = json.loads(row["capture_props"])
    files = res.store.capture_file_rows(row["uuid"])
    owner = res.owner_json(row["owner_id"])
    shared_ids = res.store.shared_user_ids("capture", row["uuid"])
    datasets = res.store.capture_datasets(row["uuid"])
    data_files = [f for f in files if _is_data_file(row["capture_type"], f["name"])]
    derived = capture_derived(row["capture_type"], props, len(data_files), listing=listing)
    data_info: dict[str, Any] = {
        "total_count": len(files),
        "total_size": sum(f["size"] for f in files),
    }
    if data_files:  # Digital RF only: its rf@*.h5 files
        size = sum(f["size"] for f in data_files)
        data_info["count"] = len(data_files)
        data_info["data_files_total_size"] = size
        data_info["per_data_file_size"] = size / len(data_files)
    else:
        data_info["count"] = len(files)
    return {
        "uuid": row["uuid"],
        "name": row["name"],
        "capture_type": row["capture_type"],
        "capture_type_display": TYPE_DISPLAY.get(row["capture_type"], row["capture_type"]),
        "index_name": row["index_name"],
        "origin": row["origin"],
        "top_level_dir": row["top_level_dir"],
        "channel": row["channel"],
        "scan_group": row["scan_group"],
        "capture_props": props,
        "files": res.files_brief(files, owner["email"]),
        "data_files_info": data_info,
        "total_file_count": len(files),
        "total_file_size": sum(f["size"] for f in files),
        **derived,
        "owner": owner,
        "permission_level": None if created else _permission(row, user, shared_ids),
        "share_permissions": [
            {
                "item_type": "capture",
                "item_uuid": row["uuid"],
                "shared_with": res.owner_json(uid),
                "permission_level": "viewer",
            }
            for uid in shared_ids
        ],
        "shared_with": shared_ids,
        "is_shared": bool(shared_ids),
        "is_shared_with_me": user is not None and user.id in shared_ids,
        "is_public": False,
        "dataset": None,
        "datasets": [res.dataset_summary(d) for d in datasets],
        "post_processed_data": [],
        "created_at": fmt_iso(row["created_at"]),
        "formatted_created_at": datetime.fromtimestamp(row["created_at"], UTC).strftime(
            "%m/%d/%Y %I:%M:%S %p"
        ),
        "updated_at": fmt_iso(row["updated_at"]),
        "deleted_at": fmt_iso(row["deleted_at"]),
        "is_deleted": bool(row["is_deleted"]),
    }
