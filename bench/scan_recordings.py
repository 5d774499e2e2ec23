"""How long ``scan()`` and ``preflight()`` take on a 24-hour Digital RF channel of 3,600 files.

Usage: uv run python bench/scan_recordings.py [--files 3600] [--hours 24] [--repeat 5]

Writes, with digital_rf, one channel covering ``--hours`` hours in ``--files`` data files
(tiny files: 1 sample/s of complex64; 24 s per file for the defaults, in hourly
sub-folders) plus two-field digital metadata, then measures in fresh processes:

- the one-time import of digital_rf (with h5py and numpy), then the first ``scan(top)``;
- warm: ``scan(top)`` again in the same process (the libraries already imported);
- ``preflight(top, kind="drf")`` (the scan plus the upload's file discovery).

Not a test: it prints figures; nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

START = 1719446400  # 2024-06-27T00:00:00Z

RUNNER = r"""
import json, sys, time
top = sys.argv[1]
out = {}
t = time.perf_counter()
from sds_desktop.core import scan
from sds_desktop.core.recordings import preflight
out["import_core"] = time.perf_counter() - t
t = time.perf_counter()
from sds_desktop.core.recordings.drf import import_digital_rf
import_digital_rf()
out["import_libs"] = time.perf_counter() - t
t = time.perf_counter()
recs = scan(top)
out["cold_scan"] = time.perf_counter() - t
out["warm"] = []
for _ in range(int(sys.argv[2])):
    t = time.perf_counter()
    scan(top)
    out["warm"].append(time.perf_counter() - t)
t = time.perf_counter()
problems = preflight(top, kind="drf")
out["preflight"] = time.perf_counter() - t
out.update(files=len(recs[0].files), problems=len(problems), summary=recs[0].summary())
print(json.dumps(out))
"""


def write_channel(top: Path, files: int, hours: float) -> None:
    import digital_rf
    import numpy as np

    seconds = int(hours * 3600)
    file_ms = seconds * 1000 // files
    chan = top / "ch0"
    chan.mkdir(parents=True)
    writer = digital_rf.DigitalRFWriter(
        str(chan), np.complex64, 3600, file_ms, START, 1, 1,
        uuid_str=uuid.uuid4().hex, is_complex=True, num_subchannels=1,
        is_continuous=True, compression_level=0, checksum=False, marching_periods=False,
    )  # fmt: skip
    writer.rf_write(np.zeros(seconds, dtype=np.complex64))
    writer.close()
    meta = chan / "metadata"
    meta.mkdir()
    mwriter = digital_rf.DigitalMetadataWriter(str(meta), 3600, 60, 1, 1, "metadata")
    mwriter.write(START, {"center_frequencies": np.array([915e6]), "gain": 20.0})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=3600)
    parser.add_argument("--hours", type=float, default=24)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-scan-") as tmp:
        top = Path(tmp) / "recording"
        t = time.perf_counter()
        write_channel(top, args.files, args.hours)
        data_files = sum(1 for _ in top.rglob("rf@*.h5"))
        took = time.perf_counter() - t
        print(f"wrote {data_files} data files ({args.hours:g} h) in {took:.1f} s")
        out = subprocess.run(
            [sys.executable, "-c", RUNNER, str(top), str(args.repeat)],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        result = json.loads(out.stdout.strip().splitlines()[-1])
    warm = sorted(result["warm"])
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average {load:.1f} (2-core machine shared with other jobs)")
    print(f"summary: {result['summary']}")
    print(f"import sds_desktop.core (lazy): {result['import_core'] * 1000:.0f} ms")
    libs = result["import_libs"] * 1000
    print(f"import digital_rf (+ h5py, numpy), once per process: {libs:.0f} ms")
    print(f"first scan in the process: {result['cold_scan'] * 1000:.0f} ms")
    print(
        f"warm scan: median {warm[len(warm) // 2] * 1000:.0f} ms, best {warm[0] * 1000:.0f} ms "
        f"({args.repeat} runs)"
    )
    took = result["preflight"] * 1000
    print(f"preflight(kind='drf'): {took:.0f} ms, {result['problems']} problems")


if __name__ == "__main__":
    main()
