"""Command line: ``python -m sds_desktop.sandbox --data-dir DIR (--add-user EMAIL | --port N)``.

Scripts rely on the output: ``--add-user`` prints the new key alone on one stdout line;
serving prints the URL (and, with ``--demo``, host and key). Notes go to stderr.
"""

from __future__ import annotations

import argparse
import math
import signal
import sys
import tempfile
import threading
from pathlib import Path

from sds_desktop.sandbox.server import SandboxServer


def _note(text: str) -> None:
    print(text, file=sys.stderr, flush=True)  # noqa: T201 - CLI output


def _out(text: str) -> None:
    print(text, flush=True)  # noqa: T201 - CLI output


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is outside 0-65535 (0 picks a free port)")
    return value


def _latency_ms(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of milliseconds") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: give a finite number of milliseconds >= 0")
    return value


def _data_dir(text: str) -> Path:
    path = Path(text).expanduser()
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text}: not a folder")
    if not path.exists() and not path.parent.is_dir():
        raise argparse.ArgumentTypeError(f"{text}: its parent is not a folder")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sds_desktop.sandbox",
        description="Local SDS-compatible gateway (binds to 127.0.0.1 only).",
    )
    parser.add_argument("--data-dir", type=_data_dir, help="metadata and blobs (default: temp dir)")
    parser.add_argument("--add-user", metavar="EMAIL", help="print a new API key and exit")
    parser.add_argument("--port", type=_port, default=8000, help="0 picks a free port")
    parser.add_argument("--demo", action="store_true", help="seed a demo user and RF tree")
    parser.add_argument(
        "--latency-ms",
        type=_latency_ms,
        metavar="N",
        help="delay every API response by N ms (emulates a WAN round trip)",
    )
    args = parser.parse_args(argv)

    data_dir = args.data_dir
    if data_dir is None:
        data_dir = Path(tempfile.mkdtemp(prefix="sds-sandbox-"))
        _note(f"no --data-dir given: using temporary directory {data_dir}")

    server = SandboxServer(data_dir, port=args.port)
    if args.add_user:
        if "@" not in args.add_user:
            parser.error("--add-user needs an e-mail address")
        _out(server.add_user(args.add_user))
        return 0

    demo_key = server.seed_demo() if args.demo else None
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    if args.latency_ms:
        server.faults.latency(args.latency_ms / 1000)
    server.start()
    _out(f"SDS sandbox listening on {server.url} (bound to 127.0.0.1 only)")
    if demo_key is not None:
        _out(f"host: {server.url}")
        _out(f"key: {demo_key}")
    _note(f"data dir: {data_dir}; admin token: {server.admin_token}; Ctrl+C to stop")
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
