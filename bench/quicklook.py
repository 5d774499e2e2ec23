"""Quick-look latency: the slice read plus the FFT (the worker's part), local and remote,
for each kind; and the window's time from open to drawn.

Local: a Digital RF channel (1 MS/s), a 10 GiB sparse SigMF file (only its slice is
read), a folder of RadioHound scans. Remote: the same recordings on a standalone
sandbox (own process), cold (empty cache) and warm.

Run: ``uv run python bench/quicklook.py [--rounds 5] [--seconds 4]``
Writes ``bench/results/quicklook.{json,md}``.
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import RESULTS, machine, temp_dir
from bench._sandbox import running_sandbox
from sds_desktop.core import quicklook as ql
from sds_desktop.core.gateway import Gateway
from sds_desktop.gui.rf.info import CaptureInfo
from sds_desktop.gui.rf.quicklook_load import load_capture, load_local
from sds_desktop.sandbox.server import SandboxServer
from tests.gui.rf_data import make_rh, make_sigmf
from tests.rfgen import make_drf

EMAIL = "bench@sandbox.sds"


def drf_recording(root: Path, seconds: int) -> Path:
    """One channel, 1 MS/s complex64, one-second data files."""
    return make_drf(root, channels=("ch0",), sample_rate=1_000_000, files=seconds)


def seed(data_dir: Path, local: Path) -> str:
    """Upload the local recordings into the sandbox store and register their captures."""
    server = SandboxServer(data_dir)
    app, store = server.app, server.store
    user = store.ensure_user(EMAIL)
    for path in sorted(p for p in local.rglob("*") if p.is_file()):
        if path.name.endswith(".sigmf-data") and path.stat().st_size > 1 << 30:
            continue  # the sparse giant stays local
        rel = path.parent.relative_to(local).as_posix()
        digest, size = store.put_bytes(path.read_bytes())
        store.insert_file(
            user,
            directory="/bench" + ("" if rel == "." else f"/{rel}"),
            name=path.name,
            media_type=mimetypes.guess_type(path.name)[0] or "application/octet-stream",
            permissions="rw-r--r--",
            size=size,
            sum_blake3=digest,
        )
    rh_group = json.loads(next((local / "rh").glob("*.rh.json")).read_text())["scan_group"]
    for spec in (
        {
            "capture_type": "drf",
            "top_level_dir": "/bench/drf",
            "channel": "ch0",
            "scan_group": None,
        },
        {"capture_type": "rh", "top_level_dir": "/bench/rh", "channel": "", "scan_group": rh_group},
        {
            "capture_type": "sigmf",
            "top_level_dir": "/bench/sigmf",
            "channel": "",
            "scan_group": None,
        },
    ):
        spec["index_name"] = ""
        spec["name"] = spec["top_level_dir"].rsplit("/", 1)[-1]
        app.register_capture(user, spec)
    return server.add_user(EMAIL)


def timed(fn, rounds: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=4)
    args = parser.parse_args()
    rows: dict[str, list[float]] = {}
    read: dict[str, int] = {}
    with temp_dir("sds-bench-quicklook-") as tmp:
        local = tmp / "local"
        drf_recording(local / "drf", args.seconds)
        make_sigmf(local / "sigmf", "rec", samples=1 << 20)
        make_sigmf(local / "giant", "huge", samples=1 << 20)
        with (local / "giant" / "huge.sigmf-data").open("r+b") as fh:
            fh.truncate(10 * 1024**3)
        make_rh(local / "rh", {str(uuid.uuid4()): 60})
        ql.read_drf(local / "drf" / "ch0", max_samples=16)  # the one-time digital_rf import
        for name, path in (
            ("local Digital RF channel", local / "drf" / "ch0"),
            ("local SigMF", local / "sigmf" / "rec.sigmf-meta"),
            ("local SigMF, 10 GiB file", local / "giant" / "huge.sigmf-meta"),
            ("local RadioHound, 60 scans", local / "rh"),
        ):
            rows[name] = timed(lambda p=path: load_local(p), args.rounds)
            read[name] = load_local(path).bytes_read
        key = seed(tmp / "sandbox", local)
        with running_sandbox(tmp / "sandbox") as (url, _proc):
            gateway = Gateway(f"{url}/api/v1", key)
            captures = {
                c.capture_type: CaptureInfo.from_capture(c)
                for page in gateway.iter_capture_pages({})
                for c in page
            }
            for kind, label in (
                ("drf", "remote Digital RF (one 8 MB data file)"),
                ("sigmf", "remote SigMF (meta + first 8 MiB)"),
                ("rh", "remote RadioHound, 60 scans"),
            ):
                info = captures[kind]

                def cold(i: CaptureInfo = info) -> None:
                    load_capture(gateway, i, cache=ql.HeadCache())

                shared = ql.HeadCache()
                load_capture(gateway, info, cache=shared)
                rows[f"{label}, cold"] = timed(cold, args.rounds)
                rows[f"{label}, warm cache"] = timed(
                    lambda i=info, c=shared: load_capture(gateway, i, cache=c), args.rounds
                )
                read[f"{label}, cold"] = load_capture(
                    gateway, info, cache=ql.HeadCache()
                ).bytes_read
            gateway.close()
    results = {
        "machine": machine(),
        "rounds": args.rounds,
        "seconds_of_drf": args.seconds,
        "latency_s": {k: {"median": statistics.median(v), "all": v} for k, v in rows.items()},
        "bytes_read": read,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "quicklook.json").write_text(json.dumps(results, indent=2, default=str))
    lines = [
        (
            "# Quick look: slice read + FFT (worker), median of "
            f"{args.rounds} rounds; load average {os.getloadavg()[0]:.1f}"
        ),
        "",
        "| what | median | max | bytes read |",
        "|---|---|---|---|",
    ]
    for k, v in rows.items():
        n = read.get(k)
        lines.append(
            f"| {k} | {statistics.median(v) * 1000:.0f} ms | {max(v) * 1000:.0f} ms | "
            f"{'' if n is None else f'{n:,}'} |"
        )
    (RESULTS / "quicklook.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
