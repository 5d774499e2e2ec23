"""Capture file selection and metadata extraction (``capture_props``).

``digital_rf`` and ``h5py`` are imported lazily: a packaged app may lack them,
and then capture creation falls back to minimal properties instead of failing.
"""

from __future__ import annotations

import json
import logging
import math
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from sds_desktop.sandbox import radiohound

log = logging.getLogger(__name__)

HDF5_SUFFIXES = (".h5", ".hdf5", ".hdf", ".he5")

# Production's Digital RF property schema, in its order: name -> the type it converts the
# value to (int, bool) or None (kept as read). A value ALREADY of the int/bool type is
# dropped, not kept: production skips it (so e.g. ``file_cadence_millisecs``, a Python
# int from digital_rf, never reaches ``capture_props``). Unlisted keys go to
# ``custom_attrs``.
DRF_SCHEMA: dict[str, type | None] = {
    "H5Tget_class": int,
    "H5Tget_size": int,
    "H5Tget_order": int,
    "H5Tget_precision": int,
    "H5Tget_offset": int,
    "subdir_cadence_secs": int,
    "file_cadence_millisecs": int,
    "sample_rate_numerator": int,
    "sample_rate_denominator": int,
    "samples_per_second": int,
    "start_bound": int,
    "end_bound": int,
    "is_complex": bool,
    "is_continuous": bool,
    "epoch": None,
    "digital_rf_time_description": None,
    "digital_rf_version": None,
    "sequence_num": int,
    "init_utc_timestamp": int,
    "computer_time": int,
    "uuid_str": None,
    "center_freq": int,
    "center_frequencies": None,
    "span": int,
    "gain": None,
    "bandwidth": int,
    "antenna": None,
    "indoor_outdoor": None,
    "antenna_direction": None,
    "custom_attrs": None,
}


class MetadataError(Exception):
    """Capture metadata cannot be extracted; the message is the 400 ``detail``."""


class SingleFieldMetadataError(MetadataError):
    """Digital metadata with exactly one field: production crashes (HTTP 500) on it,
    as digital_rf then reads a bare value where the gateway expects a dict."""


def jsonable(value: Any) -> Any:
    """Convert numpy scalars/arrays, bytes and nested containers into JSON values."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, str):
        return str(value)
    if hasattr(value, "tolist"):  # numpy scalar or array
        plain = value.tolist()
        if type(plain) is type(value):  # e.g. numpy.longdouble
            return _scalar(plain)
        return jsonable(plain)
    if isinstance(value, float) and math.isnan(value):  # NaN is not JSON
        return None
    return value


def _scalar(value: Any) -> Any:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return None if math.isnan(number) else number


def _under(directory: str, top: str) -> bool:
    return top in {"/", directory} or directory.startswith(top.rstrip("/") + "/")


def select_files(
    capture_type: str,
    top_level_dir: str,
    *,
    channel: str,
    scan_group: str | None,
    rows: Iterable[Any],
    read_json: Callable[[Any], Any],
) -> list[Any]:
    """The file rows a capture links, following production's selection rules."""
    chosen = []
    for row in rows:
        directory, name = row["directory"], row["name"]
        if not _under(directory, top_level_dir):
            continue
        lower = name.lower()
        if capture_type == "drf":
            if lower.endswith(HDF5_SUFFIXES) and channel in directory.split("/"):
                chosen.append(row)
        elif capture_type == "rh":
            if not lower.endswith(".rh.json"):
                continue
            if scan_group is not None:
                doc = read_json(row)
                if not isinstance(doc, dict) or str(doc.get("scan_group", "")) != scan_group:
                    continue
            chosen.append(row)
    return chosen


# -- Digital RF ------------------------------------------------------------------------


def drf_props(
    absolute: str, channel: str, files: list[Any], blob: Callable, top_level_dir: str
) -> dict:
    """Digital RF properties of ``channel``, read through a symlinked temp tree.

    As production: the channel's properties at its first sample, its bounds in seconds,
    and its digital metadata as a flat dict at that sample, mapped through DRF_SCHEMA.
    """
    names = [r["name"] for r in files]
    if files and (not any(n.startswith("rf@") for n in names) or "drf_properties.h5" not in names):
        raise MetadataError(
            "Some files that are required to get sample bounds (drf_properties.h5 and "
            f"rf@*.h5 data files) are missing for channel '{channel}'."
        )
    try:
        import digital_rf  # noqa: PLC0415 - optional dependency
    except ImportError:
        return _drf_props_h5py(channel, files, blob)
    with tempfile.TemporaryDirectory(prefix="tmp") as tmp:
        # the tree rebuilt as production does, under <tmp>/files/<email>/<top_level_dir>
        root = Path(tmp) / absolute.lstrip("/")
        root.mkdir(parents=True)
        prefix = top_level_dir.rstrip("/")
        for row in files:
            rel = row["directory"][len(prefix) :].strip("/")
            target = root / rel / row["name"] if rel else root / row["name"]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(blob(row["sum_blake3"]))
        try:
            reader = digital_rf.DigitalRFReader(str(root))
        except Exception as exc:  # "No channels found: ..." with the directory read
            raise MetadataError(str(exc)) from exc
        try:
            start, end = reader.get_bounds(channel)
            props: dict[str, Any] = dict(reader.get_properties(channel, sample=start))
            sps = props["samples_per_second"]
            props["start_bound"] = start / sps
            props["end_bound"] = end / sps
        except Exception as exc:  # digital_rf raises many kinds of errors on bad input
            log.info("Digital RF extraction failed: %s", exc)
            raise MetadataError(
                f"Digital RF data or metadata for channel '{channel}' is missing, corrupt, "
                f"or unreadable: {exc}. Try re-uploading the channel files, or contact "
                "support with this capture UUID."
            ) from exc
        try:
            mreader = reader.get_digital_metadata(channel)
        except OSError:
            flat: Any = {}
        else:
            flat = mreader.read_flatdict(start_sample=start, method="ffill")
        if not isinstance(flat, dict):
            raise SingleFieldMetadataError(f"digital metadata of '{channel}' is one bare value")
        props.update(flat)
    return map_drf(props)


def _drf_props_h5py(channel: str, files: list[Any], blob: Callable) -> dict:
    props: dict[str, Any] = {}
    try:
        import h5py  # noqa: PLC0415 - optional dependency
    except ImportError:
        return {"channel": channel}
    prop_row = next((r for r in files if r["name"] == "drf_properties.h5"), None)
    if prop_row is None:
        raise MetadataError(f"No drf_properties.h5 for channel '{channel}'.")
    try:
        with h5py.File(blob(prop_row["sum_blake3"]), "r") as h5:
            props.update(dict(h5.attrs))
    except OSError as exc:
        raise MetadataError(f"Could not read drf_properties.h5: {exc}") from exc
    return map_drf(props)


def map_drf(props: dict[str, Any]) -> dict[str, Any]:
    """Raw Digital RF properties -> production's ``capture_props`` (see DRF_SCHEMA)."""
    out: dict[str, Any] = {}
    pending = list(props)
    for key, target in DRF_SCHEMA.items():
        matched = next((k for k in props if k.split(".")[-1] == key), None)
        if matched is None:
            continue
        pending.remove(matched)
        value = props[matched]
        if target is None:
            out[key] = value
        elif not isinstance(value, target):
            try:
                converted = target(value)
            except (TypeError, ValueError, OverflowError):
                continue
            if isinstance(converted, target):
                out[key] = converted
    if pending:
        out["custom_attrs"] = {k: props[k] for k in pending}
    return jsonable(out)


# -- RadioHound and SigMF --------------------------------------------------------------


def rh_props(top_level_dir: str, files: list[Any], read_json: Callable[[Any], Any]) -> dict:
    """Production's ``capture_props`` of a RadioHound capture: every file must be valid
    (see radiohound.py); the props are those of the first file in the directory."""
    ordered = sorted(files, key=lambda r: (r["directory"] != top_level_dir, r["name"]))
    props: dict[str, Any] | None = None
    for row in ordered:
        try:
            doc_props = radiohound.validate(read_json(row))
        except radiohound.RadioHoundInvalidError as exc:
            raise MetadataError(str(exc)) from exc
        if props is None:
            props = doc_props
    if props is None:
        raise MetadataError("RadioHound metadata file not found")
    return props


def load_json_file(path: Path, limit: int = 64 * 1024 * 1024) -> Any:
    """Parse a JSON blob (None when it is too big or not JSON)."""
    try:
        if path.stat().st_size > limit:
            return None
        return json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
