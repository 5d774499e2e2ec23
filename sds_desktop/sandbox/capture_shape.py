"""The capture object as production lists and reads it, and its derived fields."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sds_desktop.sandbox.shared import Resource
from sds_desktop.sandbox.store import User
from sds_desktop.sandbox.wire import SERVER_TZ, fmt_iso, fmt_utc, parse_iso

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
    if capture_type == "drf":
        return name.startswith("rf@")
    if capture_type == "sigmf":
        return name.lower().endswith(".sigmf-data")
    return True


def capture_derived(capture_type: str, props: dict[str, Any]) -> dict[str, Any]:
    start = end = rate = center = cadence = None
    if capture_type == "drf":
        rate = num(props.get("samples_per_second"))
        center = num(props.get("center_freq")) or num(props.get("center_frequencies"))
        start, end = num(props.get("start_bound")), num(props.get("end_bound"))
        cadence = num(props.get("file_cadence_millisecs"))
    elif capture_type == "rh":
        rate = num(props.get("sample_rate"))
        center = num(props.get("center_frequency"))
        ts = props.get("timestamp")
        start = parse_iso(ts) if isinstance(ts, str) else num(ts)
        end = start
    else:
        rate = num(props.get("sample_rate"))
        center = num(props.get("center_frequency"))
        ts = props.get("datetime")
        start = parse_iso(ts) if isinstance(ts, str) else None
        end = start

    def display(ts: float | None) -> str | None:
        if ts is None:
            return None
        return datetime.fromtimestamp(ts, SERVER_TZ).strftime("%Y-%m-%d %H:%M:%S %Z")

    return {
        "file_cadence_ms": cadence,
        "length_of_capture_ms": (end - start) * 1000
        if start is not None and end is not None
        else None,
        "sample_rate_mhz": rate / 1e6 if rate else None,
        "center_frequency_ghz": center / 1e9 if center else None,
        "capture_start_epoch_sec": int(start) if start is not None else None,
        "capture_start_iso_utc": fmt_utc(start),
        "capture_end_iso_utc": fmt_utc(end),
        "capture_start_display": display(start),
        "capture_end_display": display(end),
    }


def capture_json(res: Resource, row: Any, user: User | None) -> dict[str, Any]:
    props = json.loads(row["capture_props"])
    files = res.store.capture_file_rows(row["uuid"])
    owner = res.owner_json(row["owner_id"])
    shared_ids = res.store.shared_user_ids("capture", row["uuid"])
    datasets = res.store.capture_datasets(row["uuid"])
    derived = capture_derived(row["capture_type"], props)
    data_files = [f for f in files if _is_data_file(row["capture_type"], f["name"])]
    data_info: dict[str, Any] = {
        "total_count": len(files),
        "total_size": sum(f["size"] for f in files),
        "count": len(data_files),
        "data_files_total_size": sum(f["size"] for f in data_files),
    }
    if data_files:
        data_info["per_data_file_size"] = data_info["data_files_total_size"] / len(data_files)
    is_owner = user is not None and user.id == row["owner_id"]
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
        "permission_level": "owner" if is_owner else "viewer",
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
        "formatted_created_at": datetime.fromtimestamp(row["created_at"], SERVER_TZ).strftime(
            "%m/%d/%Y %I:%M:%S %p"
        ),
        "updated_at": fmt_iso(row["updated_at"]),
        "deleted_at": fmt_iso(row["deleted_at"]),
        "is_deleted": bool(row["is_deleted"]),
    }
