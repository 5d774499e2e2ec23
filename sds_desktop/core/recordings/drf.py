"""Digital RF: one recording per top-level folder, one ``Channel`` per channel folder.

Read with ``digital_rf`` as the gateway reads it (``DigitalRFReader``: properties, bounds,
digital metadata), but cheaply: the channel's properties file, the first and last data
files (for the bounds) and the metadata at the first sample. No sample data is read.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

from sds_desktop.core.recordings import problems as pb
from sds_desktop.core.recordings.model import Channel, Problem, Recording
from sds_desktop.core.recordings.walk import DRF_DATA_RE, Tree, is_tmp

log = logging.getLogger(__name__)

_FREQ_FIELDS = ("center_frequencies", "center_freq", "center_frequency")


def import_digital_rf() -> ModuleType:
    """``import digital_rf`` without its side effect on the host's logging.

    digital_rf calls ``logging.basicConfig()`` when imported, which would install a stderr
    handler on the root logger of a script or app that has none yet.
    """
    root = logging.getLogger()
    guard = logging.NullHandler()
    root.addHandler(guard)
    try:
        import digital_rf  # noqa: PLC0415 - heavy (h5py, numpy): imported on first use

        module: ModuleType = digital_rf
        return module
    finally:
        root.removeHandler(guard)


def read_recording(
    tree: Tree, top: Path, channel_dirs: list[Path], orphan_dirs: list[Path]
) -> Recording:
    """Summarise the channels ``channel_dirs`` (with properties) and ``orphan_dirs``
    (data but no ``drf_properties.h5``) of the top-level folder ``top``."""
    reader: Any = None
    reader_error: BaseException = LookupError("no channel could be read")
    if channel_dirs:
        drf = import_digital_rf()
        try:
            reader = drf.DigitalRFReader(str(top))
        except Exception as exc:  # noqa: BLE001 - digital_rf raises many kinds on bad input
            reader_error = exc
    channels: list[Channel] = []
    for chan_dir in sorted(channel_dirs + orphan_dirs):
        files, nbytes, data_files, tmp, problems = _channel_files(tree, chan_dir)
        if chan_dir in orphan_dirs:
            problems.insert(0, pb.drf_no_properties(chan_dir))
            info: dict[str, Any] = {}
        elif reader is None:
            # one corrupt channel makes the reader of the whole folder fail; SDS reads each
            # channel on its own, so do the same
            info = _read_isolated(chan_dir, problems, reader_error)
        else:
            info = _read_channel(reader, chan_dir, problems)
        if pb.REGEX_CHARACTERS & set(chan_dir.name):
            problems.insert(0, pb.drf_channel_regex(chan_dir))
        if tmp:
            problems.append(pb.tmp_files(chan_dir, tmp))
        channels.append(
            Channel(
                name=chan_dir.name,
                path=chan_dir,
                files=tuple(files),
                bytes=nbytes,
                data_files=data_files,
                problems=tuple(problems),
                **info,
            )
        )
    return _combine(top, channels)


def _channel_files(
    tree: Tree, chan_dir: Path
) -> tuple[list[Path], int, int, list[Path], list[Problem]]:
    files: list[Path] = []
    tmp: list[Path] = []
    problems: list[Problem] = []
    nbytes = data_files = 0
    for folder in tree.under(chan_dir):
        for name, size in sorted(folder.files.items()):
            path = folder.path / name
            if is_tmp(name):
                tmp.append(path)
                continue
            files.append(path)
            nbytes += size
            if DRF_DATA_RE.match(name):
                data_files += 1
            if len(name) > pb.MAX_NAME:
                problems.append(pb.name_too_long(path))
    return files, nbytes, data_files, tmp, problems


def _read_isolated(
    chan_dir: Path, problems: list[Problem], shared_error: BaseException
) -> dict[str, Any]:
    """Read one channel through a reader of a temporary top level linking only it."""
    drf = import_digital_rf()
    try:
        with tempfile.TemporaryDirectory(prefix="sds-drf-") as tmp:
            link = Path(tmp) / chan_dir.name
            link.symlink_to(chan_dir, target_is_directory=True)
            try:
                reader = drf.DigitalRFReader(tmp)
            except Exception as exc:  # noqa: BLE001 - this channel itself is unreadable
                problems.insert(0, pb.drf_unreadable(chan_dir, exc))
                return {}
            return _read_channel(reader, chan_dir, problems, name=chan_dir.name)
    except OSError:  # no symlinks here (e.g. Windows without the privilege)
        problems.insert(0, pb.drf_unreadable(chan_dir, shared_error))
        return {}


def _read_channel(
    reader: Any, chan_dir: Path, problems: list[Problem], *, name: str | None = None
) -> dict[str, Any]:
    name = name or chan_dir.name
    info: dict[str, Any] = {}
    try:
        props = reader.get_properties(name)
        sps = float(props["samples_per_second"])
        info["sample_rate"] = sps
        info["is_complex"] = bool(props.get("is_complex", 0))
        if "num_subchannels" in props:
            info["num_subchannels"] = int(props["num_subchannels"])
        first, last = reader.get_bounds(name)
    except Exception as exc:  # noqa: BLE001 - corrupt HDF5, missing keys, ...
        problems.insert(0, pb.drf_unreadable(chan_dir, exc))
        return info
    if first is None or last is None or not sps:
        problems.insert(0, pb.drf_no_data(chan_dir))
        return info
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    info["start"] = epoch + timedelta(seconds=first / sps)
    info["end"] = epoch + timedelta(seconds=(last + 1) / sps)
    if not (chan_dir / "metadata").is_dir():
        return info  # no digital metadata at all: SDS accepts that
    try:
        mreader = reader.get_digital_metadata(name)
        fields = tuple(mreader.get_fields())
    except Exception as exc:  # noqa: BLE001 - the gateway ignores an unopenable metadata dir
        log.info("no digital metadata for %s: %s", chan_dir, exc)
        return info
    info["metadata_fields"] = fields
    if len(fields) == 1:
        problems.insert(0, pb.drf_one_metadata_field(chan_dir, fields[0]))
    try:
        # the gateway's read: forward-filled metadata at the first sample
        flat = mreader.read_flatdict(start_sample=first, end_sample=first, method="ffill")
    except Exception as exc:  # noqa: BLE001
        problems.insert(0, pb.drf_metadata_unreadable(chan_dir, exc))
        return info
    if isinstance(flat, dict):
        info["center_frequencies"] = _frequencies(flat)
    return info


def _frequencies(flat: dict[str, Any]) -> tuple[float, ...]:
    for key in _FREQ_FIELDS:
        for candidate, value in flat.items():
            if candidate.rsplit("/", 1)[-1] == key and value is not None:
                return _floats(value)
    return ()


def _floats(value: Any) -> tuple[float, ...]:
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, list | tuple):
        out: list[float] = []
        for item in value:
            out.extend(_floats(item))
        return tuple(out)
    with contextlib.suppress(TypeError, ValueError):
        return (float(value),)
    return ()


def _combine(top: Path, channels: list[Channel]) -> Recording:
    rates = {c.sample_rate for c in channels if c.sample_rate}
    starts = [c.start for c in channels if c.start is not None]
    ends = [c.end for c in channels if c.end is not None]
    freqs: list[float] = []
    for c in channels:
        freqs.extend(f for f in c.center_frequencies if f not in freqs)
    start = min(starts) if starts else None
    end = max(ends) if ends else None
    notes: list[str] = []
    if len(rates) > 1:
        notes.append("The channels have different sample rates: see each channel.")
    if len(channels) > 1:
        notes.append(
            f"SDS makes one capture per channel ({len(channels)} channels) of this "
            "top-level folder."
        )
    return Recording(
        kind="drf",
        root=top,
        name=top.name,
        files=tuple(f for c in channels for f in c.files),
        channels=tuple(c.name for c in channels),
        sample_rate=rates.pop() if len(rates) == 1 else None,
        center_frequencies=tuple(freqs),
        start=start,
        end=end,
        duration=(end - start).total_seconds() if start and end else None,
        bytes=sum(c.bytes for c in channels),
        problems=tuple(p for c in channels for p in c.problems),
        notes=tuple(notes),
        channel_info=tuple(channels),
    )
