"""Peak server memory while streaming a multi-GiB upload through the sandbox.

Usage: uv run python bench/sandbox_memory.py [--gib 2]

Starts ``python -m sds_desktop.sandbox`` in a subprocess, creates a mostly sparse file
with random blocks, streams it with requests-toolbelt's MultipartEncoder (constant
client memory), checks the server's BLAKE3, downloads it back, and prints the server
process's peak RSS (VmHWM from /proc/<pid>/status). Linux only.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import requests
from _sandbox import add_user, running_sandbox
from blake3 import blake3
from requests_toolbelt import MultipartEncoder

MIB = 1024 * 1024


def make_file(path: Path, size: int) -> str:
    """Sparse file with a random MiB every 64 MiB; returns its BLAKE3."""
    with path.open("wb") as fh:
        fh.truncate(size)
        for offset in range(0, size, 64 * MIB):
            fh.seek(offset)
            fh.write(os.urandom(min(MIB, size - offset)))
    hasher = blake3()
    with path.open("rb") as fh:
        while chunk := fh.read(8 * MIB):
            hasher.update(chunk)
    return hasher.hexdigest()


def vm_hwm_kib(pid: int) -> int:
    text = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"VmHWM:\s+(\d+) kB", text)
    return int(match.group(1)) if match else -1


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gib", type=float, default=2.0)
    args = parser.parse_args()
    size = int(args.gib * 1024 * MIB)
    with tempfile.TemporaryDirectory(prefix="sandbox-bench-") as tmp:
        data_dir = Path(tmp) / "data"
        key = add_user(data_dir, "bench@example.org")
        with running_sandbox(data_dir) as (url, proc):
            idle = vm_hwm_kib(proc.pid)
            src = Path(tmp) / "big.bin"
            t0 = time.monotonic()
            digest = make_file(src, size)
            print(f"generated {args.gib:g} GiB test file in {time.monotonic() - t0:.1f} s")
            headers = {"Authorization": f"Api-Key: {key}"}
            with src.open("rb") as fh:
                encoder = MultipartEncoder(
                    fields={
                        "directory": "/bench",
                        "name": "big.bin",
                        "media_type": "application/octet-stream",
                        "permissions": "rw-r--r--",
                        "file": ("big.bin", fh, "application/octet-stream"),
                    }
                )
                t0 = time.monotonic()
                r = requests.post(
                    f"{url}/api/v1/assets/files/",
                    data=encoder,
                    headers={**headers, "Content-Type": encoder.content_type},
                    timeout=3600,
                )
                upload_s = time.monotonic() - t0
            r.raise_for_status()
            body = r.json()
            assert body["sum_blake3"] == digest, "server checksum differs"
            assert body["size"] == size
            after_upload = vm_hwm_kib(proc.pid)
            t0 = time.monotonic()
            hasher = blake3()
            with requests.get(
                f"{url}/api/v1/assets/files/{body['uuid']}/download/",
                headers=headers,
                stream=True,
                timeout=3600,
            ) as resp:
                resp.raise_for_status()
                for chunk in resp.iter_content(MIB):
                    hasher.update(chunk)
            download_s = time.monotonic() - t0
            assert hasher.hexdigest() == digest, "download differs"
            peak = vm_hwm_kib(proc.pid)
            gib = size / (1024 * MIB)
            print(f"upload   {gib:g} GiB in {upload_s:.1f} s ({size / MIB / upload_s:.0f} MiB/s)")
            print(
                f"download {gib:g} GiB in {download_s:.1f} s ({size / MIB / download_s:.0f} MiB/s)"
            )
            print(f"server VmHWM idle:         {idle / 1024:.1f} MiB")
            print(f"server VmHWM after upload: {after_upload / 1024:.1f} MiB")
            print(f"server VmHWM peak:         {peak / 1024:.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
