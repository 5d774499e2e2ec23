"""The README's "How it measures up" section, generated from bench/results/*.json.

Usage: uv run python bench/tables.py [--write]   (prints it; --write replaces the section)

Every figure in the section comes from a results file of this folder (medians of the
alternated rounds), so that the README says only what a benchmark run measured, with
the machine, load and commit it ran on. A benchmark not run leaves its rows out.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
README = HERE.parent / "README.md"


def load(name: str) -> dict[str, Any] | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.is_file() else None


def pick(res: dict[str, Any], case_part: str, contender: str) -> dict[str, Any] | None:
    for row in res["results"]:
        if case_part in row["case"] and row["contender"] == contender:
            return row  # type: ignore[no-any-return]
    return None


def mid(row: dict[str, Any]) -> dict[str, Any]:
    """The per-round extras of the median round."""
    order = sorted(range(len(row["rounds"])), key=lambda i: row["rounds"][i])
    return row["per_round"][order[len(order) // 2]]  # type: ignore[no-any-return]


def num(x: float, unit: str = "") -> str:
    text = f"{x:,.0f}" if abs(x) >= 100 else f"{x:.1f}" if abs(x) >= 10 else f"{x:.2f}"
    return f"{text} {unit}".strip()


def ran_on(res: dict[str, Any]) -> str:
    m = res["machine"]
    return (
        f"commit {m['commit']}, {m['when_utc']} UTC, load {m['load_avg_at_start'][0]:.1f}, "
        f"{len(res['results'][0]['rounds'])} rounds"
    )


def big_rows(res: dict[str, Any]) -> list[str]:
    rows = []
    mib = res["params"]["mib"]
    size = f"{mib // 1024} GiB" if mib >= 1024 else f"{mib} MiB"
    for direction in ("upload", "download"):
        cells = []
        curl = pick(res, direction, "curl")
        for who in ("curl", "sdk", "ours"):
            row = pick(res, direction, who)
            if row is None:
                cells.append("(not run)")
                continue
            text = num(row["median"], "MiB/s")
            if who != "curl" and curl:
                text += f" ({row['median'] / curl['median']:.2f}x curl)"
            cells.append(text)
        ours = pick(res, direction, "ours")
        limit = mid(ours)["limit"] if ours else ""
        rows.append(f"| {size} {direction} | {' | '.join(cells)} | {limit} |")
    cpu = []
    for who in ("curl", "sdk", "ours"):
        row = pick(res, "upload", who)
        cpu.append(f"{mid(row)['client_cpu_s']:.1f} s" if row else "(not run)")
    rows.append(f"| client CPU, {size} upload | {' | '.join(cpu)} | |")
    rss = ["-"]
    for who in ("sdk", "ours"):
        row = pick(res, "upload", who)
        rss.append(f"{max(r['peak_rss_mib'] for r in row['per_round'])} MiB" if row else "-")
    rows.append(f"| peak client RSS, {size} upload | {' | '.join(rss)} | |")
    return rows


def small_rows(res: dict[str, Any]) -> list[str]:
    rows = []
    p = res["params"]
    best = f"ours w{p['workers'].split(',')[-1]}"
    for direction in ("upload", "download"):
        sdk = pick(res, direction, "sdk")
        ours = pick(res, direction, best)
        if ours is None:
            continue
        label = f"{p['files']:,} x {p['file_kib']} KiB {direction}, {p['latency_ms']} ms RTT"
        ratio = f" ({ours['median'] / sdk['median']:.1f}x SDK)" if sdk else ""
        sdk_text = num(sdk["median"], "files/s") if sdk else "(not run)"
        rows.append(
            f"| {label} | - | {sdk_text} | {num(ours['median'], 'files/s')}{ratio}, "
            f"{best.split()[1]} | {mid(ours)['limit']} |"
        )
    return rows


def app_rows() -> tuple[list[str], list[str]]:
    rows: list[str] = []
    sources: list[str] = []
    start = load("startup")
    if start:
        row = next(r for r in start["results"] if r["contender"] == "this tree")
        before = next(
            (
                r
                for r in start["results"]
                if r["contender"].startswith("at ") and r["case"] == row["case"]
            ),
            None,
        )
        was = f" (was {num(before['median'], 's')} at {before['contender'][3:]})" if before else ""
        rows.append(
            f"| start to first paint | {num(row['median'], 's')}{was} | <= 0.8 s | "
            f"{num(row['min'], 's')}-{num(row['max'], 's')} |"
        )
        sources.append(f"`startup.py`: {ran_on(start)}")
    stalls = load("gui_stalls")
    if stalls:
        p = stalls["params"]

        def med(case: str, who: str) -> str:
            r = pick(stalls, case, who)
            return num(r["median"]) if r else "-"

        small = f"{p['files']} small files"
        rows.append(
            f"| GUI thread, 16 small uploads running: max / p99 gap | "
            f"{med(small, 'max GUI gap')} / {med(small, 'p99 GUI gap')} ms "
            f"({med(small, 'files/s')} files/s) | <= 100 / <= 16 ms | |"
        )
        if p.get("queue"):
            q = "files queued"
            rows.append(
                f"| {p['queue']:,} files queued: max / p99 gap | {med(q, 'max GUI gap')} / "
                f"{med(q, 'p99 GUI gap')} ms ({med(q, 'files/s')} files/s) | <= 100 ms; "
                f"files/s as with few | |"
            )
            ops = [
                o
                for o in ("pause", "resume", "cancel", "retry", "remove")
                if pick(stalls, q, f"{o} all")
            ]
            rows.append(
                f"| {p['queue']:,} files queued: {' / '.join(ops)} all (call to repaint) | "
                f"{' / '.join(med(q, f'{o} all') for o in ops)} ms | <= 200 ms | |"
            )
        sources.append(f"`gui_stalls.py`: {ran_on(stalls)}")
    folder = load("large_folder")
    if folder:
        n = f"{folder['params']['files']:,}"

        def cell(case: str, who: str, unit: str) -> str:
            r = pick(folder, case, who)
            return num(r["median"], unit) if r else "-"

        rows.append(
            f"| {n}-file SDS folder in the window: first rows / all rows | "
            f"{cell('window', 'first rows', 's')} / {cell('window', 'all rows', 's')} "
            f"(core alone {cell('core alone', 'ours', 's')}) | <= 1 s / <= 10 s | |"
        )
        rows.append(
            f"| {n}-file SDS folder: worst GUI gap, RSS after | "
            f"{cell('window', 'worst GUI gap', 'ms')}, {cell('window', 'RSS after', 'MiB')} "
            "| <= 100 ms, <= 300 MB | |"
        )
        sources.append(f"`large_folder.py`: {ran_on(folder)}")
    proto = load("worker_process")
    if proto:
        cells = []
        for who in ("threads", "process", "process nice 10"):
            mx, p99, rate = (pick(proto, c, who) for c in ("max GUI", "p99 GUI", "files/s"))
            if mx and p99 and rate:
                cells.append(
                    f"{who}: {num(mx['median'])} / {num(p99['median'])} ms, "
                    f"{num(rate['median'])} files/s"
                )
        rows.append(
            "| prototype: 16 uploads as threads vs in a worker process (max / p99 gap) | "
            f"{'; '.join(cells)} | <= 100 / <= 16 ms | |"
        )
        sources.append(f"`worker_process.py`: {ran_on(proto)}")
    return rows, sources


def section() -> str:
    out = ["## How it measures up", ""]
    big, small = load("big_transfer"), load("vs_sdk_50ms")
    any_res = big or small or load("startup") or load("gui_stalls")
    if any_res is None:
        return "\n".join([*out, "(no benchmark results yet: `uv run python bench/run_all.py`)"])
    m = any_res["machine"]
    loads = [
        r["machine"]["load_avg_at_start"][0]
        for r in (load(n) for n in ("big_transfer", "vs_sdk_50ms", "startup", "gui_stalls"))
        if r
    ]
    out += [
        (
            "Measured with `bench/` (see `bench/README.md`; one command: `uv run python "
            f"bench/run_all.py`) on this project's machine: {m['cpus']} cores ({m['cpu']}), "
            f"{m['memory_gib']} GiB, Python {m['python']}; client and a fresh sandbox "
            "gateway share the cores with other work (load average "
            f"{min(loads):.1f}-{max(loads):.1f} at the start of these runs), so absolute "
            "figures move by a third between runs: compare the ratios within a run. "
            "Medians of rounds in which the contenders alternated; `--latency-ms` delays "
            "every sandbox response as the network to production does."
        ),
        "",
    ]
    sources = []
    if big or small:
        out += [
            "| | curl (raw limit) | official SDK 0.2.4 | SDS Desktop core | limit (ours) |",
            "|---|---|---|---|---|",
        ]
        if big:
            out += big_rows(big)
            sources.append(f"`big_transfer.py`: {ran_on(big)}")
        if small:
            out += small_rows(small)
            sources.append(f"`vs_sdk.py`: {ran_on(small)}")
        out.append("")
    app, app_sources = app_rows()
    if app:
        out += [
            "The app itself (the real window; a 5 ms heartbeat timer on the GUI thread):",
            "",
            "| | result (median) | target | range |",
            "|---|---|---|---|",
            *app,
            "",
        ]
        sources += app_sources
    out += ["Runs: " + "; ".join(sources) + ".", ""]
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="replace the README section")
    args = parser.parse_args()
    text = section()
    if not args.write:
        print(text)
        return 0
    readme = README.read_text()
    pattern = re.compile(r"## How it measures up\n.*?(?=\n## )", re.DOTALL)
    if not pattern.search(readme):
        raise SystemExit("README has no '## How it measures up' section")
    README.write_text(pattern.sub(lambda _m: text.rstrip("\n") + "\n", readme, count=1))
    print(f"wrote the section into {README}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
