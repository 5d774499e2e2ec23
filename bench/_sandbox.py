"""The standalone sandbox the benchmarks measure against: in its own process, as a real
gateway would be (never sharing the measured client's interpreter)."""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

CLI = [sys.executable, "-m", "sds_desktop.sandbox"]


def add_user(data_dir: Path, email: str) -> str:
    """A new API key for ``email`` in the sandbox data directory (the user is created)."""
    return subprocess.run(
        [*CLI, "--data-dir", str(data_dir), "--add-user", email],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


@contextlib.contextmanager
def running_sandbox(
    data_dir: Path,
    *extra_args: str,
    command: Sequence[str] | None = None,
    env: dict[str, str] | None = None,
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """Serve ``data_dir`` on a free loopback port; yields (base URL, process).

    ``command`` replaces the usual ``python -m sds_desktop.sandbox`` (e.g. a profiled
    server); it must print the listening URL on its first line as the CLI does.
    """
    cmd = list(command) if command else [*CLI, "--data-dir", str(data_dir), "--port", "0"]
    proc = subprocess.Popen(
        [*cmd, *extra_args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        match = re.search(r"http://127\.0\.0\.1:\d+", line)
        if match is None:
            raise SystemExit(f"the sandbox did not start: {line!r}")
        yield match.group(0), proc
    finally:
        proc.terminate()
        proc.wait(timeout=60)
