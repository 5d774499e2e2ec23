"""One large file up and down: our core vs curl (the raw limit) vs the official SDK.

Usage: uv run python bench/big_transfer.py [--mib 2048] [--rounds 3] [--no-sdk] [--tmp DIR]
       [--gateway URL --key KEY]   (a real gateway instead of a fresh sandbox)

A fresh standalone sandbox (its own process) serves every contender; each measurement
runs in a fresh child process, and contenders alternate round by round on the same file:

- upload: ``curl -F file=@…`` (multipart POST, nothing else), our ``upload_one`` (BLAKE3
  first, content check, streamed multipart, checksum compared), the SDK's ``upload_file``;
- download: ``curl -o`` (no verify, no fsync: the raw limit), our ``download_one``
  (BLAKE3 verified while receiving, fsync, atomic rename), the SDK's ``download_file``.

Each upload round uses a new user, so the gateway cannot link identical content. Client
CPU comes from the child's rusage, server CPU from the sandbox's /proc entry; the table
says which side was the limit. ``sync`` runs between rounds (not timed) so that one
round's writeback does not land in the next. Temp data is removed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    PYTHON,
    Series,
    core_at,
    external_gateway,
    limit_of,
    measure,
    process_cpu,
    temp_dir,
    write_results,
)
from _sandbox import add_user, running_sandbox

RUNNER = r"""
import json, os, resource, sys, threading, time
from pathlib import Path
which, direction, base, arg, dest = sys.argv[1:6]
key = os.environ.pop("SDS_BENCH_KEY")  # not on the command line: ps shows that to all
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
t0 = time.monotonic()
if which == "sdk":
    import spectrumx
    host, port = base.split("//", 1)[1].split("/", 1)[0].split(":")
    client = spectrumx.Client(host="localhost", env_file=Path(os.devnull),
                              env_config={"SDS_SECRET_TOKEN": key})
    client.dry_run = False
    client.gateway.port = int(port)
    c0, t0 = cpu(), time.monotonic()
    if direction == "up":
        client.upload_file(local_file=Path(arg), sds_path="/bench/big")
    else:
        client.download_file(file_uuid=arg, to_local_path=Path(dest))
else:
    from sds_desktop.core.gateway import Gateway
    from sds_desktop.core import transfer
    gw = Gateway(base + "/api/v1", key)
    cancel = threading.Event()  # as the app passes one: cancel must stay possible
    c0, t0 = cpu(), time.monotonic()
    if direction == "up":
        path = Path(arg)
        item = transfer.UploadItem(path, "/bench/big", path.name, path.stat().st_size)
        r = transfer.upload_one(gw, item, cancel=cancel)
        assert r.outcome == transfer.UploadOutcome.UPLOADED, r.outcome
    else:
        f = gw.get_file(arg)
        r = transfer.download_one(gw, transfer.DownloadItem(f, Path(dest)), cancel=cancel)
        assert r.verified
print(json.dumps({"seconds": time.monotonic() - t0, "cpu": cpu() - c0,
                  "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def key_header(folder: Path, n: int, key: str) -> Path:
    """The key as a header file for curl's ``-H @file`` (private: not on a command line,
    which ``ps`` shows to every user)."""
    path = folder / f"key-{n}.header"
    path.touch(mode=0o600)
    path.write_text(f"Authorization: Api-Key: {key}\n")
    return path


def curl_upload(base: str, header: Path, path: Path, out: str = os.devnull) -> list[str]:
    return [
        "curl", "-sS", "--fail", "-o", out,
        "-H", f"@{header}",
        "-F", "directory=/bench/big", "-F", f"name={path.name}",
        "-F", "media_type=application/octet-stream", "-F", "permissions=rw-r--r--",
        "-F", f"file=@{path};type=application/octet-stream",
        f"{base}/api/v1/assets/files/",
    ]  # fmt: skip


def curl_download(base: str, header: Path, uuid: str, dest: Path) -> list[str]:
    return [
        "curl", "-sS", "--fail", "-o", str(dest),
        "-H", f"@{header}",
        f"{base}/api/v1/assets/files/{uuid}/download/",
    ]  # fmt: skip


def seed_download(base: str, header: Path, path: Path) -> str:
    out = subprocess.run(
        curl_upload(base, header, path, out="-"),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return str(json.loads(out)["uuid"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=2048)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-sdk", action="store_true", help="curl and ours only")
    parser.add_argument("--only", choices=["up", "down"], default=None)
    parser.add_argument("--tmp", default=None, help="where the file and copies go")
    parser.add_argument("--gateway", default=None, help="a running gateway's base URL")
    parser.add_argument("--key", default=None, help="its API key (with --gateway)")
    parser.add_argument(
        "--before", default=None, help="also run our core as of this git revision ('ours@REV')"
    )
    args = parser.parse_args()
    need = args.mib * 2**20 * (2 + 3 * args.rounds)
    free = shutil.disk_usage(args.tmp or "/tmp").free
    if free < need:
        raise SystemExit(f"needs ~{need / 2**30:.1f} GiB free, {free / 2**30:.1f} GiB there")
    contenders = ["curl", "ours"] + ([] if args.no_sdk else ["sdk"])
    if args.before:
        contenders.append(f"ours@{args.before}")
    directions = [args.only] if args.only else ["up", "down"]
    series = {
        (d, c): Series(f"{args.mib} MiB {'upload' if d == 'up' else 'download'}", c, "MiB/s")
        for d in directions
        for c in contenders
    }
    with temp_dir("sds-bench-big-", args.tmp) as tmp:
        envs: dict[str, dict[str, str] | None] = dict.fromkeys(contenders)
        if args.before:
            envs[f"ours@{args.before}"] = core_at(args.before, tmp / "before")
        src = tmp / "big.bin"
        with src.open("wb") as fh:
            for _ in range(args.mib):
                fh.write(os.urandom(2**20))
        users = [f"u{r}-{c}@bench.example" for r in range(args.rounds) for c in contenders]
        data = tmp / "sandbox"
        if args.gateway:
            keys = dict.fromkeys([*users, "down"], args.key or "")
            ctx = external_gateway(args.gateway)
        else:
            keys = {u: add_user(data, u) for u in [*users, "down@bench.example"]}
            keys["down"] = keys.pop("down@bench.example")
            ctx = running_sandbox(data)
        with ctx as (base, proc):
            headers = {who: key_header(tmp, n, key) for n, (who, key) in enumerate(keys.items())}
            uuid = seed_download(base, headers["down"], src) if "down" in directions else ""
            for r in range(args.rounds):
                order = contenders if r % 2 == 0 else contenders[::-1]
                for d in directions:
                    for c in order:
                        dest = tmp / f"down-{c}.bin"
                        if c == "curl":
                            cmd = (
                                curl_upload(base, headers[f"u{r}-{c}@bench.example"], src)
                                if d == "up"
                                else curl_download(base, headers["down"], uuid, dest)
                            )
                        else:
                            key = keys[f"u{r}-{c}@bench.example"] if d == "up" else keys["down"]
                            arg = str(src) if d == "up" else uuid
                            who = c.split("@")[0]
                            cmd = [PYTHON, "-P", "-c", RUNNER, who, d, base, arg, str(dest)]
                        subprocess.run(["sync"], check=False)
                        server0 = process_cpu(proc.pid) if proc else 0.0
                        env = dict(envs[c] or os.environ)
                        if c != "curl":
                            env["SDS_BENCH_KEY"] = key
                        m = measure(cmd, env=env)
                        server = (process_cpu(proc.pid) - server0) if proc else 0.0
                        # The interpreter's start is not the transfer: the runner's figures.
                        own = json.loads(m.stdout) if c != "curl" else {}
                        seconds = own.get("seconds", m.wall)
                        client_cpu = own.get("cpu", m.cpu)
                        rate = args.mib / seconds
                        limit = limit_of(seconds, client_cpu, server)
                        series[(d, c)].add(
                            rate,
                            seconds=round(seconds, 2),
                            client_cpu_s=round(client_cpu, 2),
                            peak_rss_mib=round(own.get("rss", m.peak_rss_mib)),
                            server_cpu_s=round(server, 2),
                            limit=limit,
                        )
                        print(
                            f"round {r + 1} {d:4} {c:4}: {rate:7.1f} MiB/s "
                            f"client CPU {client_cpu:5.1f} s server CPU {server:5.1f} s ({limit})",
                            flush=True,
                        )
                        dest.unlink(missing_ok=True)
    write_results(
        "big_transfer",
        f"One {args.mib} MiB file, up and down: ours vs curl vs the official SDK",
        list(series.values()),
        params={"mib": args.mib, "rounds": args.rounds},
        baseline={s.case: "curl" for s in series.values()},
        columns=["seconds", "client_cpu_s", "server_cpu_s", "limit"],
        notes=[
            "curl: the raw limit (download: no checksum, no fsync; upload: no hashing).",
            (
                "ours: BLAKE3 before upload and compared after; download BLAKE3-verified while "
                "receiving, fsynced, renamed into place."
            ),
            (
                "Client and server share the 2 cores with other work: medians of alternated "
                "rounds; columns after 'ratio' are from the median round."
            ),
        ],
    )
    return 0


if __name__ == "__main__":
    start = time.monotonic()
    code = main()
    print(f"(bench took {time.monotonic() - start:.0f} s)")
    raise SystemExit(code)
