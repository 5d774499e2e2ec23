"""Differential check: the same requests to the real SDS gateway and to the sandbox.

Not run by CI (it needs the real gateway, see /work/shared/real-gateway/README.md):

    source /opt/realsds/env.sh                       # REAL_SDS_URL, REAL_SDS_KEY
    uv run python tools/differential/run.py          # sandbox of this work tree
    uv run python tools/differential/run.py --sandbox-tree /tmp/old-tree   # another tree
    uv run python tools/differential/run.py --sandbox-url URL --sandbox-key KEY

Each scenario's answers are compared on status, body kind, JSON keys and types, error
text and the headers a client acts on; the score is scenarios agreeing / total. Rows
of the sandbox's table of deliberate differences (``sds_desktop/sandbox/deliberate.py``,
when the tree has it) are reported apart and not counted as agreeing.
"""

# ruff: noqa: T201, S603 - a command-line tool that prints and runs the sandbox
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from compare import Answer, compare  # noqa: E402
from scenarios import SCENARIOS, Ctx  # noqa: E402
from sides import Side  # noqa: E402

KNOWN_DIFFERENCES = {
    # scenario name -> why the sandbox deliberately answers otherwise (see docs/sandbox.md)
    "crash_malformed_uuid": "production 500s on malformed UUIDs; the sandbox answers 4xx JSON",
    "crash_upload_directory": "production 500s on a missing or escaping directory",
    "crash_capture_type": "production 500s on an unknown capture_type at creation",
}


def start_sandbox(tree: Path, data_dir: Path) -> tuple[subprocess.Popen, str, str]:
    """``python -m sds_desktop.sandbox`` from ``tree``: (process, url, key)."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    cmd = [sys.executable, "-m", "sds_desktop.sandbox", "--data-dir", str(data_dir)]
    key = subprocess.run(
        [*cmd, "--add-user", "diff@sandbox.local"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    proc = subprocess.Popen(
        [*cmd, "--port", "0"],
        cwd=tree,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    if proc.stdout is None:
        raise RuntimeError("no stdout")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if "listening on" in line:
            url = line.split("listening on", 1)[1].split()[0]
            return proc, url, key
    proc.kill()
    raise RuntimeError("the sandbox did not start")


def answers(side: Side, fn, ctx: Ctx) -> list[tuple[str, Answer]] | str:
    try:
        out = fn(side, ctx)
    except Exception as exc:  # noqa: BLE001 - a scenario that cannot run is a finding
        return f"{type(exc).__name__}: {exc}"
    return [(label, a if isinstance(a, Answer) else Answer.of(a, ctx.run)) for label, a in out]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--real-url", default=os.environ.get("REAL_SDS_URL"))
    parser.add_argument("--real-key", default=os.environ.get("REAL_SDS_KEY"))
    parser.add_argument("--sandbox-url")
    parser.add_argument("--sandbox-key")
    parser.add_argument("--sandbox-tree", type=Path, default=HERE.parents[1])
    parser.add_argument("--only", nargs="*", help="run only these scenarios")
    parser.add_argument("--json", type=Path, help="write every answer and finding here")
    args = parser.parse_args()
    if not args.real_url or not args.real_key:
        parser.error("--real-url/--real-key (or REAL_SDS_URL/REAL_SDS_KEY) are required")

    run = f"diff-{uuid.uuid4().hex[:8]}"
    proc = None
    with tempfile.TemporaryDirectory(prefix="sds-diff-") as tmp:
        if args.sandbox_url:
            url, key = args.sandbox_url, args.sandbox_key
        else:
            proc, url, key = start_sandbox(args.sandbox_tree.resolve(), Path(tmp) / "sandbox")
        try:
            real, mine = Side("real", args.real_url, args.real_key), Side("sandbox", url, key)
            ctx = Ctx(run, Path(tmp) / "fixtures")
            ctx.tmp.mkdir()
            report = []
            for scen in SCENARIOS:
                if args.only and scen.name not in args.only:
                    continue
                a, b = answers(real, scen.fn, ctx), answers(mine, scen.fn, ctx)
                problems: list[str] = []
                if isinstance(a, str) or isinstance(b, str):
                    problems.append(
                        f"could not run: real {a if isinstance(a, str) else 'ok'}; "
                        f"sandbox {b if isinstance(b, str) else 'ok'}"
                    )
                else:
                    for (label, ra), (_, sa) in zip(a, b, strict=True):
                        problems += [
                            f"[{label}] {p}" for p in compare(ra, sa, run, values=scen.values)
                        ]
                report.append(
                    {
                        "scenario": scen.name,
                        "agree": not problems,
                        "known": KNOWN_DIFFERENCES.get(scen.name),
                        "problems": problems,
                        "real": a
                        if isinstance(a, str)
                        else [(label, x.__dict__) for label, x in a],
                        "sandbox": b
                        if isinstance(b, str)
                        else [(label, x.__dict__) for label, x in b],
                    }
                )
                mark = (
                    "AGREE"
                    if not problems
                    else ("KNOWN" if scen.name in KNOWN_DIFFERENCES else "DIFFER")
                )
                print(f"{mark:6} {scen.name}", flush=True)
                for p in problems:
                    print(f"         {p}", flush=True)
        finally:
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=10)
    agree = sum(r["agree"] for r in report)
    known = sum(1 for r in report if not r["agree"] and r["known"])
    print(
        f"\nscore: {agree}/{len(report)} scenarios agree; {known} differ as documented; "
        f"{len(report) - agree - known} differ"
    )
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, default=str))
    return 0 if agree + known == len(report) else 1


if __name__ == "__main__":
    sys.exit(main())
