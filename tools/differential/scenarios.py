"""The scenarios: each sends the same requests to one server and returns its answers.

A scenario is a function ``(side, ctx) -> [(label, response_or_answer), ...]``; the
runner calls it once per server and compares the answers label by label. Directories
are under ``/<run>/<scenario>`` so that runs never see each other's files.
"""

# ruff: noqa: ARG001 - every scenario takes (side, ctx), used or not
from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from compare import Answer  # noqa: E402
from sides import Side  # noqa: E402

from tests.sandbox import rfdata  # noqa: E402 - after the path set-up

Result = list[tuple[str, Any]]


@dataclass
class Ctx:
    run: str
    tmp: Path

    def dir(self, scenario: str) -> str:
        return f"/{self.run}/{scenario}"

    def tree(self, name: str, build: Callable[[Path], Any]) -> Path:
        """A local fixture tree, built once per run (both servers get the same bytes)."""
        path = self.tmp / name
        if not path.exists():
            build(path)
        return path


@dataclass
class Scenario:
    name: str
    fn: Callable[[Side, Ctx], Result]
    values: bool = False  # also compare JSON values of success answers


SCENARIOS: list[Scenario] = []


def scenario(values: bool = False) -> Callable:
    def register(fn: Callable[[Side, Ctx], Result]) -> Callable[[Side, Ctx], Result]:
        SCENARIOS.append(Scenario(fn.__name__, fn, values))
        return fn

    return register


def _uid(response: requests.Response) -> str:
    return response.json()["uuid"]


# -- auth and routing --------------------------------------------------------------------


@scenario(values=False)
def auth_ok(s: Side, c: Ctx) -> Result:
    return [("auth", s.call("GET", "/auth/"))]


@scenario()
def auth_bad_key(s: Side, c: Ctx) -> Result:
    return [("auth", s.call("GET", "/auth/", key="AbCdEfGh.0123456789abcdef0123456789abcdef"))]


@scenario()
def auth_no_header(s: Side, c: Ctx) -> Result:
    return [
        ("auth", s.call("GET", "/auth/", key=None)),
        ("files", s.call("GET", "/assets/files/", key=None)),
        ("captures", s.call("GET", "/assets/captures/", key=None)),
    ]


@scenario()
def no_trailing_slash(s: Side, c: Ctx) -> Result:
    return [
        ("get auth", s.call("GET", "/auth")),
        ("get files", s.call("GET", "/assets/files", params={"path": "/"})),
    ]


@scenario()
def auth_before_method(s: Side, c: Ctx) -> Result:
    return [
        ("delete auth, no key", s.call("DELETE", "/auth/", key=None)),
        ("delete files, no key", s.call("DELETE", "/assets/files/", key=None)),
        ("patch captures, no key", s.call("PATCH", "/assets/captures/", key=None)),
        ("delete auth, key", s.call("DELETE", "/auth/")),
        ("put files, key", s.call("PUT", "/assets/files/")),
    ]


@scenario()
def unknown_routes(s: Side, c: Ctx) -> Result:
    return [
        ("nope", s.call("GET", "/nope/")),
        ("dataset list", s.call("GET", "/assets/datasets/")),
    ]


# -- files -------------------------------------------------------------------------------


@scenario()
def upload_ok(s: Side, c: Ctx) -> Result:
    return [("upload", s.upload(c.dir("upload_ok"), "hello.txt", b"hello differential\n"))]


@scenario()
def upload_name_lengths(s: Side, c: Ctx) -> Result:
    d = c.dir("upload_name_lengths")
    return [
        ("100 chars", s.upload(d, "a" * 96 + ".bin", b"100")),
        ("101 chars", s.upload(d, "b" * 97 + ".bin", b"101")),
        ("150 chars", s.upload(d, "c" * 146 + ".bin", b"150")),
        ("name field 256", s.upload(d, "short.bin", b"256", name="n" * 256)),
    ]


@scenario()
def upload_refused(s: Side, c: Ctx) -> Result:
    d = c.dir("upload_refused")
    no_file = s.call(
        "POST", "/assets/files/", data={"directory": d, "name": "x.bin"}, files={"other": b"x"}
    )
    first = s.upload(d, "dup.bin", b"duplicate me")
    again = s.upload(d, "dup.bin", b"duplicate me")
    return [("no file part", no_file), ("first", first), ("identical again", again)]


@scenario(values=True)
def upload_dedup_name(s: Side, c: Ctx) -> Result:
    d = c.dir("upload_dedup_name")
    data = f"dedup {c.run}".encode()
    s.upload(d + "/a", "orig.bin", data)
    named = s.upload(d + "/b", "orig.bin", data, name="given.bin")
    unnamed = s.upload(d + "/c", "orig.bin", data, name=None)

    def stored(r: requests.Response) -> Answer:
        body = r.json()
        return Answer(r.status_code, "json", {"name": body.get("name"), "dir": body["directory"]})

    return [("named", stored(named)), ("unnamed", stored(unnamed))]


@scenario(values=True)
def check_contents(s: Side, c: Ctx) -> Result:
    d = c.dir("check_contents")
    data = f"check {c.run}".encode()
    from blake3 import blake3  # noqa: PLC0415

    digest = blake3(data).hexdigest()

    def check(directory: str, name: str) -> requests.Response:
        form = {
            "directory": directory,
            "name": name,
            "sum_blake3": digest,
            "media_type": "application/octet-stream",
            "permissions": "rw-r--r--",
        }
        return s.call("POST", "/assets/utils/check_contents_exist/", data=form)

    def flags(r: requests.Response) -> Answer:
        body = r.json()
        body["asset_id"] = body.get("asset_id") is not None
        return Answer(r.status_code, "json", body)

    before = flags(check(d, "c.bin"))
    s.upload(d, "c.bin", data)
    return [
        ("new", before),
        ("same path", flags(check(d, "c.bin"))),
        ("elsewhere", flags(check(d + "/other", "c.bin"))),
        ("no directory", check("", "c.bin")),
    ]


@scenario()
def listing(s: Side, c: Ctx) -> Result:
    d = c.dir("listing")
    for i in range(3):
        s.upload(d, f"f{i}.bin", f"listing {i} {c.run}".encode())
    page = s.call("GET", "/assets/files/", params={"path": d, "page_size": 2})
    count = Answer(page.status_code, "json", {"count": page.json().get("count")})
    return [
        ("page 1", page),
        ("count", count),
        ("past end", s.call("GET", "/assets/files/", params={"path": d, "page": 9})),
    ]


@scenario()
def retrieve(s: Side, c: Ctx) -> Result:
    uid = _uid(s.upload(c.dir("retrieve"), "r.bin", f"retrieve {c.run}".encode()))
    return [
        ("retrieve", s.call("GET", f"/assets/files/{uid}/")),
        ("unknown", s.call("GET", f"/assets/files/{uuid.uuid4()}/")),
    ]


def _download(s: Side, c: Ctx, scen: str, name: str, **kwargs: Any) -> requests.Response:
    uid = _uid(s.upload(c.dir(scen), name, f"{scen} {name} {c.run}".encode()))
    return s.call("GET", f"/assets/files/{uid.replace('-', '')}/download/", **kwargs)


@scenario()
def download_names(s: Side, c: Ctx) -> Result:
    return [
        ("ascii", _download(s, c, "download_names", "plain.bin")),
        ("latin-1", _download(s, c, "download_names", "café.bin")),
        ("cyrillic+cjk", _download(s, c, "download_names", "спектр-日本.bin")),
    ]


@scenario()
def download_range_ignored(s: Side, c: Ctx) -> Result:
    scen = "download_range_ignored"
    return [
        ("first bytes", _download(s, c, scen, "r1.bin", headers={"Range": "bytes=0-9"})),
        ("suffix", _download(s, c, scen, "r2.bin", headers={"Range": "bytes=-5"})),
        ("open", _download(s, c, scen, "r3.bin", headers={"Range": "bytes=5-"})),
        ("unsatisfiable", _download(s, c, scen, "r4.bin", headers={"Range": "bytes=999-"})),
    ]


@scenario()
def file_update_delete(s: Side, c: Ctx) -> Result:
    d = c.dir("file_update_delete")
    uid = _uid(s.upload(d, "u.bin", f"update {c.run}".encode()))
    put = s.call(
        "PUT",
        f"/assets/files/{uid}/",
        data={"directory": d, "name": "renamed.bin", "permissions": "rw-r--r--"},
    )
    return [("put", put), ("delete", s.call("DELETE", f"/assets/files/{uid}/"))]


# -- captures ----------------------------------------------------------------------------


def _create(s: Side, **fields: str) -> requests.Response:
    return s.call("POST", "/assets/captures/", data=fields)


def _drf(s: Side, c: Ctx, scen: str, fields: int, channel: str = "ch0") -> requests.Response:
    local = c.tree(f"drf{fields}", lambda p: rfdata.write_drf(p, metadata_fields=fields))
    d = c.dir(scen)
    s.upload_tree(local, d)
    return _create(
        s, capture_type="drf", top_level_dir=d, channel=channel, index_name="captures-drf"
    )


@scenario()
def drf_two_fields(s: Side, c: Ctx) -> Result:
    created = _drf(s, c, "drf_two_fields", 2)
    return [("create", created), ("read", s.call("GET", f"/assets/captures/{_uid(created)}/"))]


@scenario()
def drf_no_metadata(s: Side, c: Ctx) -> Result:
    return [("create", _drf(s, c, "drf_no_metadata", 0))]


@scenario()
def drf_one_field(s: Side, c: Ctx) -> Result:
    return [("create", _drf(s, c, "drf_one_field", 1))]


@scenario()
def drf_refused(s: Side, c: Ctx) -> Result:
    d = c.dir("drf_refused")
    first = _drf(s, c, "drf_refused", 2)
    again = _create(
        s, capture_type="drf", top_level_dir=d, channel="ch0", index_name="captures-drf"
    )
    return [
        ("first", first),
        ("wrong channel", _drf_again(s, d, "chX")),
        ("no channel", _create(s, capture_type="drf", top_level_dir=d, index_name="captures-drf")),
        ("duplicate", again),
    ]


def _drf_again(s: Side, d: str, channel: str) -> requests.Response:
    return _create(
        s, capture_type="drf", top_level_dir=d, channel=channel, index_name="captures-drf"
    )


def _rh(
    s: Side, c: Ctx, scen: str, *, change: dict[str, Any] | None = None, drop: tuple = ()
) -> tuple[requests.Response, str]:
    group = str(uuid.uuid4())
    local = c.tmp / f"rh-{scen}-{s.name}"
    rfdata.write_rh(local, group, count=2, change=change, drop=drop)
    d = c.dir(scen)
    s.upload_tree(local, d)
    created = _create(
        s, capture_type="rh", top_level_dir=d, scan_group=group, index_name="captures-rh"
    )
    return created, group


@scenario()
def rh_ok(s: Side, c: Ctx) -> Result:
    created, _ = _rh(s, c, "rh_ok")
    return [("create", created), ("read", s.call("GET", f"/assets/captures/{_uid(created)}/"))]


@scenario()
def rh_invalid_files(s: Side, c: Ctx) -> Result:
    return [
        ("data AAAA", _rh(s, c, "rh_data_aaaa", change={"data": "AAAA"})[0]),
        ("bad padding", _rh(s, c, "rh_bad_padding", change={"data": "AAAAAA"})[0]),
        ("no mac_address", _rh(s, c, "rh_no_mac", drop=("mac_address",))[0]),
        ("no metadata", _rh(s, c, "rh_no_metadata", drop=("metadata",))[0]),
    ]


@scenario()
def rh_refused(s: Side, c: Ctx) -> Result:
    d = c.dir("rh_refused")
    rfdata.write_rh(c.tmp / f"rh-refused-{s.name}", str(uuid.uuid4()), count=1)
    s.upload_tree(c.tmp / f"rh-refused-{s.name}", d)
    return [
        (
            "scan_group not a uuid",
            _create(
                s, capture_type="rh", top_level_dir=d, scan_group="nope", index_name="captures-rh"
            ),
        ),
        (
            "scan_group of no file",
            _create(
                s,
                capture_type="rh",
                top_level_dir=d,
                scan_group=str(uuid.uuid4()),
                index_name="captures-rh",
            ),
        ),
    ]


@scenario()
def sigmf_create(s: Side, c: Ctx) -> Result:
    d = c.dir("sigmf_create")
    meta = {
        "global": {"core:datatype": "cf32_le", "core:sample_rate": 1e6, "core:version": "1.0.0"},
        "captures": [{"core:sample_start": 0, "core:frequency": 2.4e9}],
        "annotations": [],
    }
    s.upload(d, "x.sigmf-meta", json.dumps(meta).encode())
    s.upload(d, "x.sigmf-data", bytes(range(256)) * 8)
    return [
        (
            "with index",
            _create(s, capture_type="sigmf", top_level_dir=d, index_name="captures-sigmf"),
        ),
        ("without index", _create(s, capture_type="sigmf", top_level_dir=d)),
    ]


@scenario()
def capture_listing(s: Side, c: Ctx) -> Result:
    _rh(s, c, "capture_listing")
    return [
        ("plain", s.call("GET", "/assets/captures/", params={"page_size": 1})),
        ("rh", s.call("GET", "/assets/captures/", params={"capture_type": "rh", "page_size": 1})),
        ("page=1", s.call("GET", "/assets/captures/", params={"page": 1})),
        ("page=2", s.call("GET", "/assets/captures/", params={"page": "2", "page_size": 1})),
        ("sigmf", s.call("GET", "/assets/captures/", params={"capture_type": "sigmf"})),
        ("unknown type", s.call("GET", "/assets/captures/", params={"capture_type": "xyz"})),
    ]


@scenario(values=True)
def capture_search_frequency(s: Side, c: Ctx) -> Result:
    drf = _uid(_drf(s, c, "capture_search_frequency", 2))
    rh, _ = _rh(s, c, "capture_search_frequency_rh")
    rh_uid = _uid(rh)

    def found(low: float, high: float) -> Answer:
        filters = [
            {
                "field_path": "search_props.center_frequency",
                "query_type": "range",
                "filter_value": {"gte": low, "lte": high},
            }
        ]
        r = s.call(
            "GET",
            "/assets/captures/",
            params={"metadata_filters": json.dumps(filters), "page_size": 100},
        )
        ids = {x["uuid"] for x in r.json().get("results", [])} if r.ok else set()
        return Answer(r.status_code, "json", {"drf": drf in ids, "rh": rh_uid in ids})

    return [("drf band", found(900e6, 930e6)), ("rh band", found(2.39e9, 2.41e9))]


@scenario()
def capture_read_delete(s: Side, c: Ctx) -> Result:
    created, _ = _rh(s, c, "capture_read_delete")
    uid = _uid(created)
    return [
        ("unknown", s.call("GET", f"/assets/captures/{uuid.uuid4()}/")),
        ("delete", s.call("DELETE", f"/assets/captures/{uid}/")),
        ("read deleted", s.call("GET", f"/assets/captures/{uid}/")),
    ]


@scenario()
def dataset_unknown(s: Side, c: Ctx) -> Result:
    return [
        ("get", s.call("GET", f"/assets/datasets/{uuid.uuid4()}/")),
        ("files", s.call("GET", f"/assets/datasets/{uuid.uuid4()}/files/")),
    ]


# -- input production crashes on (the sandbox's table of deliberate differences) ---------


@scenario()
def crash_malformed_uuid(s: Side, c: Ctx) -> Result:
    return [
        ("file", s.call("GET", "/assets/files/not-a-uuid/")),
        ("capture", s.call("GET", "/assets/captures/not-a-uuid/")),
        ("dataset", s.call("GET", "/assets/datasets/not-a-uuid/")),
    ]


@scenario()
def crash_upload_directory(s: Side, c: Ctx) -> Result:
    no_dir = s.call(
        "POST", "/assets/files/", data={"name": "x.bin"}, files={"file": ("x.bin", b"x")}
    )
    return [
        ("no directory", no_dir),
        ("escaping the root", s.upload("/../../escape", "x.bin", b"x")),
    ]


@scenario()
def upload_dotdot_inside(s: Side, c: Ctx) -> Result:
    d = f"/{c.run}/a/../dotdot"
    return [("upload", s.upload(d, "x.bin", f"dotdot {c.run}".encode()))]


@scenario()
def crash_capture_type(s: Side, c: Ctx) -> Result:
    return [("unknown type", _create(s, capture_type="xyz", top_level_dir=c.dir("x")))]
