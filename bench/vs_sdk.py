"""Side by side with the official SDK, against one sandbox: files/s and peak client RSS.

Usage: uv run python bench/vs_sdk.py [--files 300] [--file-kib 4] [--big-mib 256] [--latency-ms 0]

Starts a sandbox gateway in a subprocess (so that the server does not share the
client's interpreter), creates one user per client so that neither benefits from the
other's uploads (the gateway would link identical content), then runs each measurement
in its own fresh Python process and reads that process's peak RSS (ru_maxrss):

- many small files: ``Client.upload(local_path=dir)`` of N files of K KiB each;
- one large file:   upload of one M MiB file (peak RSS against file size).

``--latency-ms`` delays every API response of the sandbox by that much, as a WAN round
trip to production would: small files are then bound by round trips, not CPU.

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
from pathlib import Path

from _sandbox import add_user, running_sandbox

RUNNER = r"""
import json, os, resource, sys, time
from pathlib import Path
which, port, key, src, sds_path = sys.argv[1:6]
if which == "sdk":
    import spectrumx
    client = spectrumx.Client(host="localhost", env_file=Path(os.devnull),
                              env_config={"SDS_SECRET_TOKEN": key})
    client.dry_run = False
    # The SDK only speaks plain http to "localhost" on port 80: point it at the sandbox port.
    client.gateway.port = int(port)
    t0 = time.monotonic()
    results = client.upload(local_path=Path(src), sds_path=sds_path, verbose=False)
    elapsed = time.monotonic() - t0
    ok = sum(1 for r in results if bool(r))
else:
    from sds_desktop.core import Client
    client = Client(f"http://127.0.0.1:{port}", env_file=Path(os.devnull),
                    env_config={"SDS_SECRET_TOKEN": key, "DRY_RUN": "false"})
    t0 = time.monotonic()
    results = client.upload(local_path=Path(src), sds_path=sds_path, verbose=False)
    elapsed = time.monotonic() - t0
    ok = sum(1 for r in results if r.error is None)
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"ok": ok, "seconds": elapsed, "peak_rss_mib": rss}))
"""


def run_client(which: str, port: int, key: str, src: Path, sds_path: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", RUNNER, which, str(port), key, str(src), sds_path],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def make_files(root: Path, count: int, size: int) -> None:
    root.mkdir(parents=True)
    for i in range(count):
        (root / f"sweep-{i:05d}.bin").write_bytes(os.urandom(size))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--file-kib", type=int, default=4)
    parser.add_argument("--big-mib", type=int, default=256)
    parser.add_argument("--latency-ms", type=int, default=0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        data = tmp / "sandbox"
        keys = {who: add_user(data, f"{who}@bench.example") for who in ("sdk", "ours")}
        with running_sandbox(data, "--latency-ms", str(args.latency_ms)) as (url, _):
            port = int(url.rsplit(":", 1)[1])
            print(
                f"sandbox on port {port}; {os.cpu_count()} CPUs; "
                f"{args.latency_ms} ms added per response"
            )

            rows = []
            for which in ("sdk", "ours"):
                small = tmp / f"small-{which}"
                make_files(small, args.files, args.file_kib * 1024)
                res = run_client(which, port, keys[which], small, "/bench/small")
                rows.append(
                    (which, "small", res, args.files / res["seconds"] if res["seconds"] else 0)
                )
                big = tmp / f"big-{which}"
                big.mkdir()
                with (big / "big.bin").open("wb") as fh:
                    for _ in range(args.big_mib):
                        fh.write(os.urandom(1024 * 1024))
                res = run_client(which, port, keys[which], big, "/bench/big")
                rows.append((which, "big", res, args.big_mib / res["seconds"]))
                (big / "big.bin").unlink()

    print(f"\n{'client':6} {'case':30} {'ok':>5} {'seconds':>8} {'rate':>14} {'peak RSS':>10}")
    for which, case, res, rate in rows:
        label = (
            f"{args.files} x {args.file_kib} KiB files"
            if case == "small"
            else f"1 x {args.big_mib} MiB"
        )
        unit = "files/s" if case == "small" else "MiB/s"
        print(
            f"{which:6} {label:30} {res['ok']:>5} {res['seconds']:>8.2f} "
            f"{rate:>8.1f} {unit:7} {res['peak_rss_mib']:>7.1f} MiB"
        )
    by = {(w, c): r for w, c, _, r in rows}
    if by.get(("sdk", "small")):
        print(f"\nsmall files: ours / SDK = {by[('ours', 'small')] / by[('sdk', 'small')]:.2f}x")
    return 0


if __name__ == "__main__":
    start = time.monotonic()
    code = main()
    print(f"(bench took {time.monotonic() - start:.0f} s)")
    raise SystemExit(code)
