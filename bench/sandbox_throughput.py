"""Sandbox server throughput on many small files: requests/s and files/s.

Usage: uv run python bench/sandbox_throughput.py [--threads 8] [--files 300] [--file-kib 4]
       [--latency-ms N] [--profile out.pstats]

Starts the sandbox in a subprocess (so that the server does not share the client's
interpreter and GIL), then T client threads, each with its own requests.Session, each
doing N times what a client does per small file: POST check_contents_exist (urlencoded
form), then POST /assets/files/ (multipart). Every file has distinct random content.

``--profile FILE`` runs the server under cProfile (every request-handler thread, from
request line to last response byte), writes the merged stats to FILE on exit and prints
the top entries. Profiling slows the server down; do not compare those figures.

Not a test: it prints figures; nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import os
import pstats
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
from _sandbox import add_user, running_sandbox
from blake3 import blake3

PROFILED_SERVER = r"""
import cProfile, pstats, signal, sys, threading
from pathlib import Path
from sds_desktop.sandbox import server as srvmod
data_dir, out = sys.argv[1], sys.argv[2]
merged, lock = [], threading.Lock()
base = srvmod._QuietHandler.handle
def handle(self):
    prof = cProfile.Profile()
    prof.enable()
    try:
        base(self)
    finally:
        prof.disable()
        with lock:
            merged.append(prof)
srvmod._QuietHandler.handle = handle
srv = srvmod.SandboxServer(Path(data_dir), port=0).start()
print(srv.url, flush=True)
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
stop.wait()
srv.stop()
with lock:
    stats = pstats.Stats(merged[0])
    for prof in merged[1:]:
        stats.add(prof)
stats.dump_stats(out)
"""


def worker(url: str, key: str, idx: int, files: int, *, size: int, errors: list[str]) -> None:
    session = requests.Session()
    session.headers["Authorization"] = f"Api-Key: {key}"
    directory = f"/bench/t{idx}"
    for n in range(files):
        data = os.urandom(size)
        name = f"f{n:05d}.bin"
        checksum = blake3(data).hexdigest()
        form = {
            "directory": directory,
            "name": name,
            "media_type": "application/octet-stream",
            "sum_blake3": checksum,
            "permissions": "rw-r--r--",
        }
        r = session.post(f"{url}/api/v1/assets/utils/check_contents_exist/", data=form, timeout=60)
        if r.status_code != 200:
            errors.append(f"check {r.status_code}")
            continue
        del form["sum_blake3"]
        r = session.post(
            f"{url}/api/v1/assets/files/",
            data=form,
            files={"file": (name, data, "application/octet-stream")},
            timeout=60,
        )
        if r.status_code != 201 or r.json()["sum_blake3"] != checksum:
            errors.append(f"upload {r.status_code}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--files", type=int, default=300, help="files per thread")
    parser.add_argument("--file-kib", type=int, default=4)
    parser.add_argument("--latency-ms", type=float, default=0)
    parser.add_argument("--profile", metavar="FILE", help="profile the server (cProfile)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sandbox-tput-") as tmp:
        data_dir = Path(tmp) / "data"
        key = add_user(data_dir, "bench@example.org")
        profiled = [sys.executable, "-c", PROFILED_SERVER, str(data_dir), args.profile or ""]
        latency = ["--latency-ms", str(args.latency_ms)] if args.latency_ms else []
        served = {"command": profiled} if args.profile else {}
        with running_sandbox(data_dir, *([] if args.profile else latency), **served) as (url, _):
            requests.get(f"{url}/api/v1/auth/", headers={"Authorization": f"Api-Key: {key}"})
            errors: list[str] = []
            threads = [
                threading.Thread(
                    target=worker,
                    args=(url, key, i, args.files),
                    kwargs={"size": args.file_kib * 1024, "errors": errors},
                )
                for i in range(args.threads)
            ]
            t0 = time.monotonic()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.monotonic() - t0
    files = args.threads * args.files
    print(
        f"{args.threads} threads x {args.files} files of {args.file_kib} KiB"
        f" (latency {args.latency_ms:g} ms): {elapsed:.2f} s, "
        f"{2 * files / elapsed:.0f} requests/s, {files / elapsed:.1f} files/s, "
        f"{len(errors)} errors{' ' + str(errors[:3]) if errors else ''}"
    )
    if args.profile:
        pstats.Stats(args.profile).sort_stats("cumulative").print_stats(40)
        pstats.Stats(args.profile).sort_stats("tottime").print_stats(30)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
