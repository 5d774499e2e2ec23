"""SigMF: ``.sigmf-meta`` + ``.sigmf-data`` pairs and ``.sigmf`` archives.

The metadata is parsed and validated with the ``sigmf`` library (its JSON schema); the
dataset's size is checked against the datatype, channel count and the sample positions
the metadata mentions. The ``core:sha512`` check reads the whole dataset, so it runs only
when asked (``deep``).
"""

from __future__ import annotations

import json
import re
import tarfile
import warnings
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import IO, Any

from sds_desktop.core.recordings import problems as pb
from sds_desktop.core.recordings.model import Problem, Recording

META_EXT = ".sigmf-meta"
DATA_EXT = ".sigmf-data"
ARCHIVE_EXT = ".sigmf"
_HASH_CHUNK = 1 << 20
_FRACTION_RE = re.compile(r"\.\d+")


def read_pair(meta_path: Path, meta_size: int, data_size: int | None, *, deep: bool) -> Recording:
    """A ``.sigmf-meta`` file and its dataset (``data_size`` None: no dataset found)."""
    problems: list[Problem] = []
    doc = _load_meta(meta_path.read_bytes, meta_path, problems)
    data_path = meta_path.with_name(meta_path.name[: -len(META_EXT)] + DATA_EXT)
    if isinstance(doc, dict):
        dataset = _global(doc).get("core:dataset")
        if isinstance(dataset, str) and dataset and PurePosixPath(dataset).name == dataset:
            data_path = meta_path.with_name(dataset)  # a non-conforming dataset beside it
            data_size = data_path.stat().st_size if data_path.is_file() else None
    files = [meta_path]
    if data_size is None:
        problems.append(pb.sigmf_no_data(meta_path, data_path.name))
    else:
        files.append(data_path)

    def opener() -> IO[bytes]:
        return data_path.open("rb")

    return _recording(
        meta_path.parent,
        name=meta_path.name[: -len(META_EXT)],
        files=files,
        nbytes=meta_size + (data_size or 0),
        doc=doc,
        data_path=data_path,
        data_size=data_size,
        deep_open=opener if deep and data_size is not None else None,
        problems=problems,
    )


def read_archive(path: Path, size: int, *, deep: bool) -> Recording:
    """A ``.sigmf`` archive (tar of one metadata file and its dataset), read in place."""
    problems: list[Problem] = []
    doc: Any = None
    data_size: int | None = None
    data_name = ""
    try:
        with tarfile.open(path, "r:") as tar:
            members = tar.getmembers()
            metas = [m for m in members if m.isfile() and m.name.endswith(META_EXT)]
            if not metas:
                problems.append(pb.sigmf_bad_meta(path, "the archive holds no .sigmf-meta file"))
            else:
                meta = metas[0]

                def read_meta() -> bytes:
                    fh = tar.extractfile(meta)
                    return fh.read() if fh is not None else b""

                doc = _load_meta(read_meta, path, problems)
                data_name = meta.name[: -len(META_EXT)] + DATA_EXT
                data = next((m for m in members if m.isfile() and m.name == data_name), None)
                if data is None:
                    problems.append(pb.sigmf_no_data(path, PurePosixPath(data_name).name))
                else:
                    data_size = data.size
                    if deep:
                        fh = tar.extractfile(data)
                        if fh is not None:
                            _check_sha512(doc, lambda: fh, path, problems)
    except (OSError, tarfile.TarError) as exc:
        problems.append(pb.sigmf_bad_meta(path, exc))
    # the hash (if asked) was checked while the archive was open
    return _recording(
        path,
        name=path.name[: -len(ARCHIVE_EXT)],
        files=[path],
        nbytes=size,
        doc=doc,
        data_path=path,
        data_size=data_size,
        deep_open=None,
        problems=problems,
    )


def _load_meta(read: Callable[[], bytes], where: Path, problems: list[Problem]) -> Any:
    try:
        doc = json.loads(read())
    except (OSError, ValueError) as exc:
        problems.append(pb.sigmf_bad_meta(where, exc))
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("global"), dict):
        problems.append(pb.sigmf_bad_meta(where, "no 'global' object"))
        return None
    from sigmf import validate  # noqa: PLC0415 - jsonschema: imported on first use

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # undeclared extensions: a future error, not ours
        try:
            validate.validate(doc)
        except Exception as exc:  # noqa: BLE001 - jsonschema.ValidationError and friends
            message = getattr(exc, "message", None) or str(exc)
            problems.append(pb.sigmf_invalid(where, message))
    return doc


def _global(doc: dict[str, Any]) -> dict[str, Any]:
    value = doc.get("global")
    return value if isinstance(value, dict) else {}


def _list(doc: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = doc.get(key)
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _recording(
    root: Path,
    *,
    name: str,
    files: list[Path],
    nbytes: int,
    doc: Any,
    data_path: Path,
    data_size: int | None,
    deep_open: Callable[[], IO[bytes]] | None,
    problems: list[Problem],
) -> Recording:
    notes = [pb.SIGMF_NOTE]
    sample_rate: float | None = None
    freqs: list[float] = []
    start = end = None
    duration = None
    for f in files:
        if len(f.name) > pb.MAX_NAME:
            problems.append(pb.name_too_long(f))
    if isinstance(doc, dict):
        glob = _global(doc)
        captures = _list(doc, "captures")
        rate = glob.get("core:sample_rate")
        if isinstance(rate, int | float) and rate > 0:
            sample_rate = float(rate)
        for cap in captures:
            freq = cap.get("core:frequency")
            if isinstance(freq, int | float) and float(freq) not in freqs:
                freqs.append(float(freq))
        start = _datetime(captures[0].get("core:datetime")) if captures else None
        samples = None
        if data_size is not None:
            samples = _check_size(doc, data_path, data_size, problems)
        if samples is not None and sample_rate:
            duration = samples / sample_rate
            if start is not None:
                end = start + timedelta(seconds=duration)
        if deep_open is not None:
            _check_sha512(doc, deep_open, data_path, problems)
    return Recording(
        kind="sigmf",
        root=root,
        name=name,
        files=tuple(files),
        sample_rate=sample_rate,
        center_frequencies=tuple(freqs),
        start=start,
        end=end,
        duration=duration,
        bytes=nbytes,
        problems=tuple(problems),
        notes=tuple(notes),
    )


def _check_size(
    doc: dict[str, Any], data_path: Path, data_size: int, problems: list[Problem]
) -> int | None:
    """Samples in the dataset, or None; a problem when size and metadata disagree."""
    from sigmf.sigmffile import dtype_info  # noqa: PLC0415 - numpy: imported on first use

    glob = _global(doc)
    try:
        sample_size = int(dtype_info(glob.get("core:datatype"))["sample_size"])
    except Exception as exc:  # noqa: BLE001 - SigMFFileError on an unknown datatype
        problems.append(pb.sigmf_size(data_path, f"its datatype cannot be read ({exc})"))
        return None
    channels = glob.get("core:num_channels", 1)
    channels = channels if isinstance(channels, int) and channels > 0 else 1
    captures = _list(doc, "captures")
    header = sum(int(c.get("core:header_bytes", 0) or 0) for c in captures)
    trailing = int(glob.get("core:trailing_bytes", 0) or 0)
    sample_bytes = data_size - header - trailing
    frame = sample_size * channels
    if sample_bytes < 0:
        problems.append(
            pb.sigmf_size(
                data_path, f"it has {data_size} bytes, fewer than its header and trailing bytes"
            )
        )
        return None
    samples, remainder = divmod(sample_bytes, frame)
    datatype = glob.get("core:datatype")
    if remainder:
        problems.append(
            pb.sigmf_size(
                data_path,
                f"{sample_bytes} bytes of samples is not a whole number of {datatype} "
                f"samples ({frame} bytes each across {channels} channel(s)); {remainder} "
                "bytes are left over",
            )
        )
    needed = 0
    for cap in captures:
        start = cap.get("core:sample_start", 0)
        if isinstance(start, int) and start > 0:
            needed = max(needed, start + 1)
    for ann in _list(doc, "annotations"):
        start, count = ann.get("core:sample_start", 0), ann.get("core:sample_count", 0)
        if isinstance(start, int) and isinstance(count, int):
            needed = max(needed, start + count)
    if needed > samples:
        problems.append(
            pb.sigmf_size(
                data_path,
                f"the metadata describes samples up to {needed:,} but the dataset holds "
                f"{samples:,} {datatype} samples",
            )
        )
    return samples


def _check_sha512(
    doc: Any, open_data: Callable[[], IO[bytes]], where: Path, problems: list[Problem]
) -> None:
    if not isinstance(doc, dict):
        return
    expected = _global(doc).get("core:sha512")
    if not isinstance(expected, str) or not expected:
        return
    import hashlib  # noqa: PLC0415

    digest = hashlib.sha512()
    with open_data() as fh:
        for chunk in iter(lambda: fh.read(_HASH_CHUNK), b""):
            digest.update(chunk)
    if digest.hexdigest() != expected.lower():
        problems.append(pb.sigmf_sha512(where))


def _datetime(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    # SigMF allows nanoseconds; Python's parser takes at most microseconds
    text = _FRACTION_RE.sub(lambda m: m.group(0)[:7], value.replace("Z", "+00:00"))
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)  # SigMF datetimes are UTC
    return parsed.astimezone(UTC)
