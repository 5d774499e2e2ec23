"""Upload then download one big file through the core and print the peak RSS.

Usage: uv run python bench/memory_roundtrip.py URL API_KEY [--size-mib 1024] [--sds-path /bench]

The core streams both ways, so the peak RSS should stay near the interpreter's baseline
(tens of MiB) whatever --size-mib is. Not a test: it needs a running gateway (the
sandbox, or a real one) and writes to it.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from sds_desktop.core.checksum import CHUNK_SIZE
from sds_desktop.core.client import Client


def peak_rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="gateway host or URL, e.g. http://127.0.0.1:8000")
    parser.add_argument("key", help="API key")
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--sds-path", default="/bench")
    parser.add_argument("--insecure-http", action="store_true")
    args = parser.parse_args()

    client = Client(
        args.url,
        env_file=Path(os.devnull),
        env_config={"SDS_SECRET_TOKEN": args.key, "DRY_RUN": "false"},
        allow_insecure_http=args.insecure_http,
    )
    print(f"baseline peak RSS: {peak_rss_mib():.1f} MiB")
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / f"roundtrip-{int(time.time())}.bin"
        with src.open("wb") as fh:
            for _ in range(args.size_mib):
                fh.write(os.urandom(CHUNK_SIZE))
        print(f"source: {args.size_mib} MiB, peak RSS {peak_rss_mib():.1f} MiB")

        t0 = time.monotonic()
        up = client.upload_file(local_file=src, sds_path=args.sds_path)
        t1 = time.monotonic()
        print(f"upload: {up.outcome} in {t1 - t0:.1f}s, peak RSS {peak_rss_mib():.1f} MiB")
        remote = up.file or next(
            f for f in client.list_files(f"{args.sds_path}/{src.name}") if f.name == src.name
        )

        dest = Path(tmp) / "back"
        dest.mkdir()
        down = client.download_file(file=remote, to_local_path=dest)
        t2 = time.monotonic()
        print(f"download: {down.outcome} in {t2 - t1:.1f}s, peak RSS {peak_rss_mib():.1f} MiB")
        if not down.verified:
            print("download NOT verified", file=sys.stderr)
            return 1
    print(f"peak RSS: {peak_rss_mib():.1f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
