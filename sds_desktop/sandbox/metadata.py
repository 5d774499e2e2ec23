"""Capture file selection and metadata extraction (``capture_props``).

``digital_rf``, ``h5py`` and ``sigmf`` are imported lazily: a packaged app may lack them,
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

log = logging.getLogger(__name__)

HDF5_SUFFIXES = (".h5", ".hdf5", ".hdf", ".he5")

DRF_KNOWN_KEYS = frozenset(
    {
        "H5Tget_class",
        "H5Tget_size",
        "H5Tget_order",
        "H5Tget_precision",
        "H5Tget_offset",
        "subdir_cadence_secs",
        "file_cadence_millisecs",
        "sample_rate_numerator",
        "sample_rate_denominator",
        "samples_per_second",
        "start_bound",
        "end_bound",
        "is_complex",
        "is_continuous",
        "epoch",
        "digital_rf_time_description",
        "digital_rf_version",
        "sequence_num",
        "init_utc_timestamp",
        "computer_time",
        "uuid_str",
        "center_freq",
        "center_frequencies",
        "span",
        "gain",
        "bandwidth",
        "antenna",
        "indoor_outdoor",
        "antenna_direction",
    }
)


class MetadataError(Exception):
    """Capture metadata cannot be extracted; the message is the 400 ``detail``."""


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
        elif capture_type == "sigmf" and lower.endswith((".sigmf-meta", ".sigmf-data")):
            chosen.append(row)
    return chosen


# -- Digital RF ------------------------------------------------------------------------


def drf_props(top_level_dir: str, channel: str, files: list[Any], blob: Callable) -> dict:
    """Digital RF properties of ``channel``, read through a symlinked temp tree."""
    names = [r["name"] for r in files]
    if not any(n.startswith("rf@") for n in names) or "drf_properties.h5" not in names:
        raise MetadataError(
            "Some files that are required to get sample bounds (drf_properties.h5 and "
            f"rf@*.h5 data files) are missing for channel '{channel}'."
        )
    try:
        import digital_rf  # noqa: PLC0415 - optional dependency
    except ImportError:
        return _drf_props_h5py(channel, files, blob)
    with tempfile.TemporaryDirectory(prefix="sandbox-drf-") as tmp:
        root = Path(tmp)
        prefix = top_level_dir.rstrip("/")
        for row in files:
            rel = row["directory"][len(prefix) :].strip("/")
            target = root / rel / row["name"] if rel else root / row["name"]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(blob(row["sum_blake3"]))
        chan_dirs = [p.parent for p in root.rglob("drf_properties.h5") if p.parent.name == channel]
        if not chan_dirs:
            raise MetadataError(
                f"Digital RF data or metadata for channel '{channel}' is missing under "
                f"'{top_level_dir}'."
            )
        chan_dir = chan_dirs[0]
        try:
            reader = digital_rf.DigitalRFReader(str(chan_dir.parent))
            start, end = reader.get_bounds(channel)
            props: dict[str, Any] = dict(reader.get_properties(channel, sample=start))
            sps = float(props.get("samples_per_second", 0) or 0)
            if sps:
                props["start_bound"] = start / sps
                props["end_bound"] = end / sps
            meta_dir = chan_dir / "metadata"
            if (meta_dir / "dmd_properties.h5").exists():
                mreader = digital_rf.DigitalMetadataReader(str(meta_dir))
                latest = mreader.read_latest()
                for values in latest.values():
                    if isinstance(values, dict):
                        props.update(values)
        except Exception as exc:  # digital_rf raises many kinds of errors on bad input
            log.info("Digital RF extraction failed: %s", exc)
            raise MetadataError(f"Could not read Digital RF channel '{channel}': {exc}") from exc
    return _map_drf(jsonable(props))


def _drf_props_h5py(channel: str, files: list[Any], blob: Callable) -> dict:
    props: dict[str, Any] = {}
    try:
        import h5py  # noqa: PLC0415 - optional dependency
    except ImportError:
        return {"channel": channel}
    prop_row = next(r for r in files if r["name"] == "drf_properties.h5")
    try:
        with h5py.File(blob(prop_row["sum_blake3"]), "r") as h5:
            props.update(dict(h5.attrs))
    except OSError as exc:
        raise MetadataError(f"Could not read drf_properties.h5: {exc}") from exc
    return _map_drf(jsonable(props))


def _map_drf(props: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    custom: dict[str, Any] = {}
    for key, value in props.items():
        if key in DRF_KNOWN_KEYS:
            out[key] = value
        else:
            custom[key] = value
    if "center_frequencies" in out and not isinstance(out["center_frequencies"], list):
        out["center_frequencies"] = [out["center_frequencies"]]
    if "center_freq" not in out and out.get("center_frequencies"):
        first = out["center_frequencies"][0]
        out["center_freq"] = first[0] if isinstance(first, list) and first else first
    out["custom_attrs"] = custom
    return out


# -- RadioHound and SigMF --------------------------------------------------------------


def rh_props(top_level_dir: str, files: list[Any], read_json: Callable[[Any], Any]) -> dict:
    """Top-level fields of the first ``*.rh.json`` directly in the capture directory."""
    direct = [r for r in files if r["directory"] == top_level_dir] or files
    for row in sorted(direct, key=lambda r: r["name"]):
        doc = read_json(row)
        if isinstance(doc, dict):
            return jsonable(doc)
        raise MetadataError(f"RadioHound file '{row['name']}' is not a JSON object.")
    raise MetadataError("No RadioHound metadata file found.")


def sigmf_props(files: list[Any], read_json: Callable[[Any], Any]) -> dict:
    """The SigMF ``global``/``captures``/``annotations`` plus searchable shortcuts."""
    metas = sorted((r for r in files if r["name"].lower().endswith(".sigmf-meta")), key=str)
    if not metas:
        raise MetadataError("No SigMF metadata file (*.sigmf-meta) found.")
    doc = read_json(metas[0])
    if not isinstance(doc, dict) or not isinstance(doc.get("global"), dict):
        raise MetadataError(f"SigMF metadata '{metas[0]['name']}' has no 'global' object.")
    glob = doc["global"]
    captures = doc.get("captures") or []
    props: dict[str, Any] = {
        "global": glob,
        "captures": captures,
        "annotations": doc.get("annotations") or [],
    }
    if "core:sample_rate" in glob:
        props["sample_rate"] = glob["core:sample_rate"]
    if "core:datatype" in glob:
        props["datatype"] = glob["core:datatype"]
    if captures and isinstance(captures[0], dict):
        if "core:frequency" in captures[0]:
            props["center_frequency"] = captures[0]["core:frequency"]
        if "core:datetime" in captures[0]:
            props["datetime"] = captures[0]["core:datetime"]
    return jsonable(props)


def load_json_file(path: Path, limit: int = 64 * 1024 * 1024) -> Any:
    """Parse a JSON blob (None when it is too big or not JSON)."""
    try:
        if path.stat().st_size > limit:
            return None
        return json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
