"""Shared plumbing of the benchmarks: measured child processes, statistics, results.

Every benchmark writes ``bench/results/<name>.json`` (all rounds, the machine, the commit)
and ``bench/results/<name>.md`` (a table: median, min, max, ratio). Figures on the shared
2-core machine are noisy: contenders alternate round by round and the tables give
medians; ratios within one run are what compare.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def machine() -> dict[str, Any]:
    """What the figures ran on: CPUs, memory, load, Python, the commit."""
    cpu = ""
    with _suppress():
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_gib = 0.0
    with _suppress():
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        mem_gib = round(pages / 2**30, 1)
    commit = ""
    with _suppress():
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        dirty = subprocess.run(
            # results written by an earlier benchmark of the same run do not count
            ["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench/results"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        if dirty:
            commit += "+dirty"
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": mem_gib,
        "load_avg_at_start": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "platform": platform.platform(),
        "commit": commit,
        "when_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
    }


@contextmanager
def _suppress() -> Iterator[None]:
    with suppress(OSError, ValueError, subprocess.SubprocessError):
        yield


@contextmanager
def temp_dir(prefix: str, base: str | None = None) -> Iterator[Path]:
    """A temp folder removed on the way out, whatever happened (no leftovers per run)."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=base))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@dataclass
class Measured:
    """One child run: its stdout, wall seconds, and CPU seconds (user + system)."""

    stdout: str
    wall: float
    cpu: float
    peak_rss_mib: float


def measure(cmd: Sequence[str], *, env: dict[str, str] | None = None) -> Measured:
    """Run ``cmd`` to the end: wall time, its CPU seconds (user + system), peak RSS."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    proc = subprocess.Popen(
        list(cmd), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    out, err = proc.communicate()
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed ({proc.returncode}): {err.strip()[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    # ru_maxrss of RUSAGE_CHILDREN is the largest child so far: the runner's own figure
    # (printed as JSON) is preferred where it reports one.
    return Measured(out, wall, cpu, after.ru_maxrss / 1024)


def core_at(rev: str, where: Path) -> dict[str, str]:
    """An environment whose ``sds_desktop`` is the tree at git revision ``rev`` (for
    before/after contenders in one run)."""
    where.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, "sds_desktop"], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(where)], input=archive, check=True)
    return dict(os.environ, PYTHONPATH=str(where))


@contextmanager
def external_gateway(base: str) -> Iterator[tuple[str, None]]:
    """A gateway already running elsewhere (``--gateway``): its URL, and no process of
    ours whose CPU could be read."""
    yield base.rstrip("/").removesuffix("/api/v1"), None


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a live process has used so far (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def limit_of(wall: float, client_cpu: float, server_cpu: float) -> str:
    """Which side bounded a run: a side whose CPU time is near the wall time was busy all
    along (one core each: the Python client's GIL, the sandbox's); otherwise the wait
    was elsewhere (disk, round trips, or the other processes sharing the machine)."""
    if wall <= 0:
        return "?"
    c, s = client_cpu / wall, server_cpu / wall
    if c >= 0.8 and c >= s:
        return f"client CPU ({c:.0%} of a core)"
    if s >= 0.8:
        return f"server CPU ({s:.0%} of a core)"
    if c + s >= 1.6:
        return f"both CPUs (client {c:.0%}, server {s:.0%}: 2 cores)"
    return f"I/O or latency (client {c:.0%}, server {s:.0%} of a core)"


@dataclass
class Series:
    """Rounds of one contender in one case."""

    case: str
    contender: str
    unit: str
    values: list[float] = field(default_factory=list)
    extra: list[dict[str, Any]] = field(default_factory=list)

    def add(self, value: float, **extra: Any) -> None:
        self.values.append(value)
        self.extra.append(extra)

    @property
    def median(self) -> float:
        return statistics.median(self.values) if self.values else 0.0

    def stats(self) -> dict[str, Any]:
        v = self.values
        return {
            "case": self.case,
            "contender": self.contender,
            "unit": self.unit,
            "rounds": v,
            "median": self.median,
            "min": min(v) if v else 0.0,
            "max": max(v) if v else 0.0,
            "per_round": self.extra,
        }


def _fmt(x: float) -> str:
    if x == 0:
        return "0"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def write_results(
    name: str,
    title: str,
    series: Sequence[Series],
    *,
    params: dict[str, Any],
    baseline: dict[str, str] | None = None,
    higher_is_better: bool = True,
    lower_better: Sequence[str] = (),
    notes: Sequence[str] = (),
    columns: Sequence[str] = (),
) -> Path:
    """Write ``bench/results/<name>.json`` and ``.md``; return the Markdown path.

    ``baseline`` maps a case to the contender that ratios are against (in that case);
    a ratio above 1 is better than the baseline (for ``lower_better`` cases and when not
    ``higher_is_better``: baseline / value).
    ``columns`` names per-round extras (e.g. ``limit``) shown from the median round.
    """
    RESULTS.mkdir(parents=True, exist_ok=True)
    info = machine()
    base = baseline or {}
    rows: list[dict[str, Any]] = []
    for s in series:
        row = s.stats()
        ref = next(
            (o for o in series if o.case == s.case and o.contender == base.get(s.case)), None
        )
        if ref is not None and ref.median:
            up = higher_is_better and s.case not in lower_better
            ratio = s.median / ref.median if up else ref.median / s.median
            row["ratio"] = {"vs": ref.contender, "value": ratio}
        rows.append(row)
    payload = {"benchmark": name, "title": title, "params": params, "machine": info}
    payload["results"] = rows
    payload["notes"] = list(notes)
    (RESULTS / f"{name}.json").write_text(json.dumps(payload, indent=2) + "\n")

    head = ["case", "contender", "median", "min", "max", "unit", "ratio", *columns]
    lines = [
        f"## {title}",
        "",
        f"`bench/{name}.py {_args(params)}`",
        "",
        (
            f"Machine: {info['cpus']} CPUs ({info['cpu'] or 'unknown'}), {info['memory_gib']} GiB, "
            f"Python {info['python']}, load {info['load_avg_at_start']} at start; "
            f"commit {info['commit']}, {info['when_utc']} UTC. "
            f"{len(series[0].values) if series else 0} rounds, contenders alternated."
        ),
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    for s, row in zip(series, rows, strict=True):
        ratio = row.get("ratio")
        ratio_text = f"{ratio['value']:.2f}x vs {ratio['vs']}" if ratio else ""
        mid = _median_round(s)
        cells = [
            s.case,
            s.contender,
            _fmt(row["median"]),
            _fmt(row["min"]),
            _fmt(row["max"]),
            s.unit,
            ratio_text,
            *[str(mid.get(c, "")) for c in columns],
        ]
        lines.append("| " + " | ".join(cells) + " |")
    if notes:
        lines.append("")
        lines.extend(f"- {n}" for n in notes)
    md = RESULTS / f"{name}.md"
    md.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return md


def _args(params: dict[str, Any]) -> str:
    return " ".join(f"--{k.replace('_', '-')} {v}" for k, v in params.items())


def _median_round(s: Series) -> dict[str, Any]:
    if not s.values:
        return {}
    order = sorted(range(len(s.values)), key=lambda i: s.values[i])
    return s.extra[order[len(order) // 2]]


PYTHON = sys.executable
