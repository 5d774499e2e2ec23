"""Many small files up and down: our core at 1/4/16 workers vs the official SDK.

Usage: uv run python bench/vs_sdk.py [--files 2000] [--file-kib 64] [--latency-ms 50]
       [--rounds 3] [--workers 1,4,16] [--no-download] [--no-sdk]
       [--gateway URL --key KEY]   (a real gateway instead of a fresh sandbox)

A fresh standalone sandbox (its own process; ``--latency-ms`` delays every response as a
WAN round trip to production would) serves every contender. Each measurement runs in
a fresh child process; contenders alternate round by round on identical files:

- upload: ``Client.upload(local_path=folder)`` (ours: ``workers`` and
  ``small_file_workers`` set to W), a new user per round and contender so that the
  gateway cannot link content it already has;
- download: ``Client.download(from_sds_path=folder)`` of one folder uploaded once
  beforehand, into a fresh local folder (ours BLAKE3-verifies and fsyncs every file).

Figures: files/s (median, min, max), ratio to the SDK, client CPU (the child's own),
server CPU (the sandbox process), which side was the limit, peak client RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    PYTHON,
    Series,
    external_gateway,
    limit_of,
    measure,
    process_cpu,
    temp_dir,
    write_results,
)
from _sandbox import add_user, running_sandbox

RUNNER = r"""
import json, os, resource, sys, time
from pathlib import Path
which, direction, base, src, sds_path, workers = sys.argv[1:7]
key = os.environ.pop("SDS_BENCH_KEY")  # not on the command line: ps shows that to all
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
if which == "sdk":
    import spectrumx
    port = int(base.rsplit(":", 1)[1])
    client = spectrumx.Client(host="localhost", env_file=Path(os.devnull),
                              env_config={"SDS_SECRET_TOKEN": key})
    client.dry_run = False
    client.gateway.port = port  # the SDK speaks plain http only to "localhost" on port 80
    c0, t0 = cpu(), time.monotonic()
    if direction == "up":
        results = client.upload(local_path=Path(src), sds_path=sds_path, verbose=False)
    else:
        results = client.download(from_sds_path=sds_path, to_local_path=Path(src),
                                  verbose=False)
    ok = sum(1 for r in results if bool(r))
else:
    from sds_desktop.core import Client
    client = Client(base, env_file=Path(os.devnull),
                    env_config={"SDS_SECRET_TOKEN": key, "DRY_RUN": "false"})
    w = int(workers)
    c0, t0 = cpu(), time.monotonic()
    if direction == "up":
        results = client.upload(local_path=Path(src), sds_path=sds_path, verbose=False,
                                workers=w, small_file_workers=w)
    else:
        results = client.download(from_sds_path=sds_path, to_local_path=Path(src),
                                  verbose=False, workers=w, small_file_workers=w)
    ok = sum(1 for r in results if r.error is None)
print(json.dumps({"ok": ok, "seconds": time.monotonic() - t0, "cpu": cpu() - c0,
                  "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def make_files(root: Path, count: int, size: int) -> None:
    root.mkdir(parents=True)
    for i in range(count):
        (root / f"sweep-{i:05d}.bin").write_bytes(os.urandom(size))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--file-kib", type=int, default=64)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", default="1,4,16", help="our worker counts to run")
    parser.add_argument("--no-download", action="store_true")
    parser.add_argument("--no-sdk", action="store_true")
    parser.add_argument("--gateway", default=None, help="a running gateway's base URL")
    parser.add_argument("--key", default=None, help="its API key (with --gateway)")
    args = parser.parse_args()

    contenders = [f"ours w{w}" for w in args.workers.split(",")]
    if not args.no_sdk:
        contenders.insert(0, "sdk")
    directions = ["up"] if args.no_download else ["up", "down"]
    label = f"{args.files} x {args.file_kib} KiB, {args.latency_ms} ms RTT"
    series = {
        (d, c): Series(f"{label} {'upload' if d == 'up' else 'download'}", c, "files/s")
        for d in directions
        for c in contenders
    }
    with temp_dir("sds-bench-vs-sdk-") as tmp:
        src = tmp / "small"
        make_files(src, args.files, args.file_kib * 1024)
        data = tmp / "sandbox"
        users = [f"u{r}-{i}@bench.example" for r in range(args.rounds) for i in range(9)]
        if args.gateway:
            keys = dict.fromkeys([*users, "down"], args.key or "")
            server = external_gateway(args.gateway)
        else:
            keys = {u: add_user(data, u) for u in [*users, "down@bench.example"]}
            keys["down"] = keys.pop("down@bench.example")
            server = running_sandbox(data, "--latency-ms", str(args.latency_ms))
        with server as (base, proc):
            print(f"sandbox {base}; {args.latency_ms} ms per response; {label}", flush=True)
            if "down" in directions:
                seed = [PYTHON, "-P", "-c", RUNNER, "ours", "up", base]
                measure(
                    [*seed, str(src), "/bench/down", "16"],
                    env=dict(os.environ, SDS_BENCH_KEY=keys["down"]),
                )
            for r in range(args.rounds):
                order = contenders if r % 2 == 0 else contenders[::-1]
                for d in directions:
                    for i, c in enumerate(order):
                        key = keys[f"u{r}-{i}@bench.example"] if d == "up" else keys["down"]
                        target = src if d == "up" else tmp / "down"
                        sds_path = f"/bench/up-{r}" if d == "up" else "/bench/down"
                        workers = c.rsplit("w", 1)[1] if c.startswith("ours") else "0"
                        who = "sdk" if c == "sdk" else "ours"
                        cmd = [PYTHON, "-P", "-c", RUNNER, who, d, base, str(target)]
                        # The SDK keeps resumable-upload state under XDG_STATE_HOME and
                        # would skip the same local files next round: a fresh one each run.
                        state = tmp / f"sdk-state-{r}-{d}"
                        env = dict(os.environ, SDS_BENCH_KEY=key)
                        if who == "sdk":
                            env["XDG_STATE_HOME"] = str(state)
                        server0 = process_cpu(proc.pid) if proc else 0.0
                        m = measure([*cmd, sds_path, workers], env=env)
                        server = (process_cpu(proc.pid) - server0) if proc else 0.0
                        own = json.loads(m.stdout.strip().splitlines()[-1])
                        rate = own["ok"] / own["seconds"] if own["seconds"] else 0.0
                        limit = limit_of(own["seconds"], own["cpu"], server)
                        series[(d, c)].add(
                            rate,
                            ok=own["ok"],
                            seconds=round(own["seconds"], 1),
                            client_cpu_s=round(own["cpu"], 1),
                            server_cpu_s=round(server, 1),
                            peak_rss_mib=round(own["rss"]),
                            limit=limit,
                        )
                        print(
                            f"round {r + 1} {d:4} {c:8}: {own['ok']} ok, {rate:6.1f} files/s, "
                            f"client CPU {own['cpu']:.1f} s, server CPU {server:.1f} s ({limit})",
                            flush=True,
                        )
                        if d == "down":
                            shutil.rmtree(target, ignore_errors=True)
    ordered = sorted(series.values(), key=lambda s: (s.case.endswith("download"), s.contender))
    write_results(
        f"vs_sdk_{args.latency_ms}ms",
        f"Small files, ours vs the official SDK 0.2.4 ({label})",
        ordered,
        params={
            "files": args.files,
            "file_kib": args.file_kib,
            "latency_ms": args.latency_ms,
            "rounds": args.rounds,
            "workers": args.workers,
        },
        baseline={s.case: "sdk" for s in ordered} if not args.no_sdk else None,
        columns=["ok", "client_cpu_s", "server_cpu_s", "peak_rss_mib", "limit"],
        notes=[
            (
                "Client and sandbox share 2 cores with other work: medians of alternated "
                "rounds; the columns after 'ratio' are from the median round."
            ),
            "ours download: BLAKE3-verified and fsynced per file; the SDK checks nothing.",
        ],
    )
    return 0


if __name__ == "__main__":
    start = time.monotonic()
    code = main()
    print(f"(bench took {time.monotonic() - start:.0f} s)")
    raise SystemExit(code)
