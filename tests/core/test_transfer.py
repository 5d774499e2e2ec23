"""Per-file upload and download steps: dedup, streaming, verification, cancel, safety."""

from __future__ import annotations

import contextlib
import errno
import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
import requests
import responses
from requests_toolbelt.multipart import decoder

from sds_desktop.core import gateway_http as gateway_mod
from sds_desktop.core.checksum import CHUNK_SIZE, blake3_bytes
from sds_desktop.core.errors import (
    CancelledError,
    ChecksumMismatchError,
    FileError,
    NetworkError,
    PathError,
    UploadError,
)
from sds_desktop.core.gateway import DownloadStream, Gateway
from sds_desktop.core.models import SDSFile
from sds_desktop.core.retry import RetryPolicy
from sds_desktop.core.transfer import (
    DownloadItem,
    DownloadOutcome,
    UploadItem,
    UploadOutcome,
    download_one,
    plan_download,
    plan_upload,
    upload_one,
)
from tests.core.conftest import BASE, EMAIL, file_json

FILES = f"{BASE}/assets/files/"
CHECK = f"{BASE}/assets/utils/check_contents_exist/"


def check_reply(*, in_tree: bool = False, exists: bool = False, asset: str | None = None) -> Any:
    return {
        "file_exists_in_tree": in_tree,
        "file_contents_exist_for_user": exists,
        "user_mutable_attributes_differ": not in_tree,
        "asset_id": asset,
    }


def make_item(tmp_path: Path, content: bytes, name: str = "data.bin") -> UploadItem:
    path = tmp_path / name
    path.write_bytes(content)
    return UploadItem(path, "/proj/run", name, len(content))


def files_in(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


# -- upload ------------------------------------------------------------------------


def test_upload_streams_multipart_with_filename(
    rsps: responses.RequestsMock, gateway: Gateway, tmp_path: Path
) -> None:
    content = os.urandom(3 * CHUNK_SIZE + 1234)
    item = make_item(tmp_path, content)
    seen: dict[str, Any] = {}

    def on_upload(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        raw = request.body
        assert isinstance(raw, bytes)  # responses drains the stream before the callback
        parts = decoder.MultipartDecoder(raw, str(request.headers["Content-Type"])).parts
        fields = {}
        for part in parts:
            disp = part.headers[b"Content-Disposition"].decode()
            field = disp.split('name="')[1].split('"')[0]
            fields[field] = (disp, part.content)
        seen["fields"] = fields
        reply = file_json(name="data.bin", directory="/proj/run", content=content)
        import json

        return 201, {"Content-Type": "application/json"}, json.dumps(reply)

    rsps.post(CHECK, json=check_reply())
    rsps.add_callback(responses.POST, FILES, callback=on_upload)
    reads: list[int] = []
    original = gateway_mod._UploadBody.read

    def spy(self: Any, size: int = -1) -> bytes:
        data = original(self, size)
        reads.append(len(data))
        return data

    original_send = requests.Session.send

    def send_spy(self: requests.Session, request: requests.PreparedRequest, **kw: Any) -> Any:
        if request.method == "POST" and str(request.url) == FILES:
            # a file-like body read block by block, never the whole file as bytes
            seen["streaming"] = hasattr(request.body, "read") and not isinstance(
                request.body, (bytes, bytearray)
            )
            seen["length"] = request.headers.get("Content-Length")
        return original_send(self, request, **kw)

    progress: list[int] = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(gateway_mod._UploadBody, "read", spy)
        mp.setattr(requests.Session, "send", send_spy)
        result = upload_one(gateway, item, progress=progress.append)
    assert result.outcome is UploadOutcome.UPLOADED
    assert result.verified
    assert result.local_blake3 == blake3_bytes(content)
    assert seen["streaming"]
    assert int(seen["length"]) > len(content)  # known length, no chunked encoding
    fields = seen["fields"]
    assert fields["file"][1] == content
    assert 'filename="data.bin"' in fields["file"][0]
    assert fields["name"][1] == b"data.bin"
    assert fields["directory"][1] == b"/proj/run"
    assert fields["permissions"][1] == b"rw-r--r--" or len(fields["permissions"][1]) == 9
    assert "sum_blake3" not in fields
    # never read whole: many bounded reads
    assert max(reads) <= CHUNK_SIZE
    assert len([r for r in reads if r]) >= 4
    assert sum(progress) == len(content)
    # content check came first, with our checksum
    form = parse_qs(str(rsps.calls[0].request.body))
    assert form["sum_blake3"] == [blake3_bytes(content)]


def test_upload_skips_when_in_tree(
    rsps: responses.RequestsMock, gateway: Gateway, tmp_path: Path
) -> None:
    item = make_item(tmp_path, b"same")
    rsps.post(CHECK, json=check_reply(in_tree=True, exists=True, asset=str(uuid.uuid4())))
    result = upload_one(gateway, item)
    assert result.outcome is UploadOutcome.SKIPPED
    assert len(rsps.calls) == 1


def test_upload_links_sibling(
    rsps: responses.RequestsMock, gateway: Gateway, tmp_path: Path
) -> None:
    item = make_item(tmp_path, b"content")
    sibling = uuid.uuid4()
    rsps.post(CHECK, json=check_reply(exists=True, asset=str(sibling)))
    rsps.post(
        FILES,
        status=201,
        json=file_json(name="data.bin", directory="/proj/run", content=b"content"),
    )
    result = upload_one(gateway, item)
    assert result.outcome is UploadOutcome.LINKED
    form = parse_qs(str(rsps.calls[1].request.body))
    assert form["sibling_uuid"] == [sibling.hex]


def test_upload_checksum_mismatch(
    rsps: responses.RequestsMock, gateway: Gateway, tmp_path: Path
) -> None:
    item = make_item(tmp_path, b"ours")
    rsps.post(CHECK, json=check_reply())
    rsps.post(FILES, status=201, json=file_json(content=b"theirs"))
    with pytest.raises(UploadError, match="differs"):
        upload_one(gateway, item)


def test_upload_cancel_mid_stream(
    rsps: responses.RequestsMock, gateway: Gateway, tmp_path: Path
) -> None:
    content = os.urandom(3 * CHUNK_SIZE)
    item = make_item(tmp_path, content)
    cancel = threading.Event()

    rsps.post(CHECK, json=check_reply())
    rsps.post(FILES, status=201, json=file_json(content=content))

    def progress(n: int) -> None:
        cancel.set()

    with pytest.raises(CancelledError):
        upload_one(gateway, item, progress=progress, cancel=cancel)


def test_upload_retry_restarts_file(
    rsps: responses.RequestsMock, gateway: Gateway, tmp_path: Path
) -> None:
    content = b"x" * 1000
    item = make_item(tmp_path, content)
    rsps.post(CHECK, json=check_reply())
    rsps.post(FILES, status=503, body="down")
    rsps.post(CHECK, json=check_reply())
    rsps.post(FILES, status=201, json=file_json(content=content))
    progress: list[int] = []
    result = upload_one(gateway, item, progress=progress.append)
    assert result.outcome is UploadOutcome.UPLOADED
    assert [c.request.url.split("/api/v1")[1] for c in rsps.calls] == [  # type: ignore[union-attr]
        "/assets/utils/check_contents_exist/",
        "/assets/files/",
        "/assets/utils/check_contents_exist/",
        "/assets/files/",
    ]
    assert sum(progress) == len(content)


def test_upload_4xx_not_retried(
    rsps: responses.RequestsMock, gateway: Gateway, tmp_path: Path
) -> None:
    item = make_item(tmp_path, b"abc")
    rsps.post(CHECK, json=check_reply())
    rsps.post(FILES, status=400, json={"file": ["No file was submitted."]})
    with pytest.raises(UploadError, match="No file was submitted"):
        upload_one(gateway, item)
    assert len(rsps.calls) == 2


def test_upload_duplicate_reject_is_skip(
    rsps: responses.RequestsMock, gateway: Gateway, tmp_path: Path
) -> None:
    item = make_item(tmp_path, b"abc")
    rsps.post(CHECK, json=check_reply())
    rsps.post(
        FILES,
        status=400,
        json={"detail": "File with checksum already exists in the tree, run PATCH instead."},
    )
    assert upload_one(gateway, item).outcome is UploadOutcome.SKIPPED


def test_upload_dry_run_sends_nothing(gateway: Gateway, tmp_path: Path) -> None:
    item = make_item(tmp_path, b"abc")
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        result = upload_one(gateway, item, dry_run=True)
        assert len(mock.calls) == 0
    assert result.outcome is UploadOutcome.PLANNED


def test_plan_upload_keeps_subpaths(tmp_path: Path) -> None:
    root = tmp_path / "capture"
    (root / "ch0" / "2024").mkdir(parents=True)
    (root / "top.txt").write_text("t")
    (root / "ch0" / "2024" / "rf@1.h5").write_bytes(b"rf")
    (root / "ch0" / "tmp.rf@2.h5").write_bytes(b"busy")
    (root / "empty.bin").write_bytes(b"")
    plan = plan_upload(root, "/base")
    assert sorted(i.sds_path for i in plan.items) == ["/base/ch0/2024/rf@1.h5", "/base/top.txt"]
    assert plan.total_bytes == 3
    reasons = {p.name: r for p, r in plan.skipped}
    assert "ignore" in reasons["tmp.rf@2.h5"]
    assert reasons["empty.bin"] == "empty file"
    single = plan_upload(root / "top.txt", "/")
    assert [i.sds_path for i in single.items] == ["/top.txt"]


# -- download -----------------------------------------------------------------------


def sds_file(content: bytes, name: str = "a.bin", directory: str = "/d") -> SDSFile:
    return SDSFile.from_json(
        file_json(name=name, directory=f"/files/{EMAIL}{directory}", content=content)
    )


def add_download(
    rsps: responses.RequestsMock, f: SDSFile, body: bytes, status: int = 200, **kw: Any
) -> None:
    rsps.get(f"{FILES}{f.uuid}/download/", body=body, status=status, **kw)


def test_download_verifies_and_renames(
    rsps: responses.RequestsMock, gateway: Gateway, tmp_path: Path
) -> None:
    content = os.urandom(2 * CHUNK_SIZE + 10)
    f = sds_file(content)
    add_download(rsps, f, content)
    dest = tmp_path / "out" / "d" / "a.bin"
    progress: list[int] = []
    result = download_one(gateway, DownloadItem(f, dest), progress=progress.append)
    assert result.outcome is DownloadOutcome.DOWNLOADED
    assert result.verified
    assert dest.read_bytes() == content
    assert sum(progress) == len(content)
    assert len(progress) >= 3  # written in chunks
    assert files_in(tmp_path / "out") == ["d/a.bin"]


def test_download_206_whole_file(
    rsps: responses.RequestsMock, gateway: Gateway, tmp_path: Path
) -> None:
    content = b"0123456789"
    f = sds_file(content)
    add_download(rsps, f, content, status=206, headers={"Content-Range": "bytes 0-9/10"})
    result = download_one(gateway, DownloadItem(f, tmp_path / "a.bin"))
    assert result.outcome is DownloadOutcome.DOWNLOADED


def test_download_checksum_mismatch_leaves_nothing(
    rsps: responses.RequestsMock, gateway: Gateway, tmp_path: Path
) -> None:
    f = sds_file(b"expected")
    add_download(rsps, f, b"tampered")
    dest = tmp_path / "a.bin"
    with pytest.raises(ChecksumMismatchError):
        download_one(gateway, DownloadItem(f, dest))
    assert files_in(tmp_path) == []


def test_download_cancel_mid_stream(
    rsps: responses.RequestsMock, gateway: Gateway, tmp_path: Path
) -> None:
    content = os.urandom(3 * CHUNK_SIZE)
    f = sds_file(content)
    add_download(rsps, f, content)
    cancel = threading.Event()
    with pytest.raises(CancelledError):
        download_one(
            gateway,
            DownloadItem(f, tmp_path / "a.bin"),
            progress=lambda n: cancel.set(),
            cancel=cancel,
        )
    assert files_in(tmp_path) == []


class FlakyStreams:
    """download_stream stand-in: the first attempt dies mid-body, the next succeeds."""

    def __init__(self, content: bytes, failures: int = 1) -> None:
        self.content = content
        self.failures = failures
        self.opened = 0

    @contextlib.contextmanager
    def __call__(self, uuid: str, *, cancel: object = None) -> Iterator[DownloadStream]:
        self.opened += 1
        fail = self.opened <= self.failures

        def chunks() -> Iterator[bytes]:
            yield self.content[:5]
            if fail:
                raise NetworkError("connection reset")
            yield self.content[5:]

        yield DownloadStream(200, {}, chunks())


def test_download_retry_restarts_file(
    gateway: Gateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = b"0123456789abcdef"
    f = sds_file(content)
    flaky = FlakyStreams(content)
    monkeypatch.setattr(gateway, "download_stream", flaky)
    progress: list[int] = []
    result = download_one(gateway, DownloadItem(f, tmp_path / "a.bin"), progress=progress.append)
    assert result.outcome is DownloadOutcome.DOWNLOADED
    assert flaky.opened == 2
    assert (tmp_path / "a.bin").read_bytes() == content
    assert sum(progress) == len(content)
    assert files_in(tmp_path) == ["a.bin"]


def test_download_gives_up_and_cleans(
    gateway: Gateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = b"0123456789abcdef"
    f = sds_file(content)
    flaky = FlakyStreams(content, failures=10)
    monkeypatch.setattr(gateway, "download_stream", flaky)
    with pytest.raises(NetworkError):
        download_one(gateway, DownloadItem(f, tmp_path / "a.bin"))
    assert flaky.opened == 3
    assert files_in(tmp_path) == []


def test_download_disk_full(
    gateway: Gateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = b"0123456789abcdef"
    f = sds_file(content)
    monkeypatch.setattr(gateway, "download_stream", FlakyStreams(content, failures=0))

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(FileError, match="disk full"):
        download_one(gateway, DownloadItem(f, tmp_path / "a.bin"))
    assert files_in(tmp_path) == []


def test_download_skip_and_overwrite_rules(
    rsps: responses.RequestsMock, gateway: Gateway, tmp_path: Path
) -> None:
    content = b"server content"
    f = sds_file(content)
    dest = tmp_path / "a.bin"
    dest.write_bytes(b"local edit")
    r = download_one(gateway, DownloadItem(f, dest))
    assert r.outcome is DownloadOutcome.SKIPPED_EXISTS
    assert dest.read_bytes() == b"local edit"
    assert len(rsps.calls) == 0
    add_download(rsps, f, content)
    r = download_one(gateway, DownloadItem(f, dest), overwrite=True)
    assert r.outcome is DownloadOutcome.DOWNLOADED
    assert dest.read_bytes() == content
    r = download_one(gateway, DownloadItem(f, dest), overwrite=True)
    assert r.outcome is DownloadOutcome.SKIPPED_IDENTICAL
    assert len(rsps.calls) == 1


def test_download_dry_run_writes_nothing(gateway: Gateway, tmp_path: Path) -> None:
    f = sds_file(b"abc")
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        r = download_one(gateway, DownloadItem(f, tmp_path / "sub" / "a.bin"), dry_run=True)
        assert len(mock.calls) == 0
    assert r.outcome is DownloadOutcome.PLANNED
    assert list(tmp_path.iterdir()) == []


def test_download_refuses_unsafe_file(gateway: Gateway, tmp_path: Path) -> None:
    f = SDSFile.from_json(file_json(name="../../evil"))
    assert not f.safe
    with pytest.raises(PathError):
        download_one(gateway, DownloadItem(f, tmp_path / "evil"))


@pytest.mark.parametrize(
    ("name", "directory"),
    [
        ("../escape", "/files/a@b.c/x"),
        ("ok", "/files/a@b.c/../../../etc"),
        ("ok", "/../outside"),
        ("nul\x00.txt", "/files/a@b.c/x"),
        ("C:evil", "/files/a@b.c/x"),
        ("ok", "/files/a@b.c/C:/Windows"),
        ("back\\slash", "/files/a@b.c/x"),
        ("ok", "C:\\Windows\\System32"),
        ("ok", "/files/a@b.c/x\\..\\..\\y"),
        ("CON", "/files/a@b.c/x"),
    ],
)
def test_plan_download_refuses_hostile(tmp_path: Path, name: str, directory: str) -> None:
    f = SDSFile.from_json(file_json(name=name, directory=directory))
    plan = plan_download([f], tmp_path / "target")
    assert plan.items == []
    assert len(plan.refused) == 1


def test_plan_download_layout(tmp_path: Path) -> None:
    a = sds_file(b"1", "a.bin", "/x/y")
    b = sds_file(b"22", "b.bin", "/x/y/z")
    outside = sds_file(b"3", "c.bin", "/xy")
    plan = plan_download([a, b, outside], tmp_path, base_sds_path="/x")
    assert [i.local_path for i in plan.items] == [
        tmp_path / "y" / "a.bin",
        tmp_path / "y" / "z" / "b.bin",
    ]
    assert plan.total_bytes == 3
    assert plan.refused[0][0] is outside
    mirror = plan_download([a, b], tmp_path)
    assert mirror.items[0].local_path == tmp_path / "x" / "y" / "a.bin"
    dup = SDSFile.from_json(file_json(name="a.bin", directory=f"/files/{EMAIL}/x/y"))
    plan2 = plan_download([a, dup], tmp_path)
    assert len(plan2.items) == 1
    assert "already maps" in plan2.refused[0][1]


def test_run_lanes_keeps_order_and_gives_small_files_their_own_wider_lane() -> None:
    from sds_desktop.core.transfer import SMALL_FILE_BYTES, run_lanes

    lock = threading.Lock()
    running = {"small": 0, "large": 0}
    peak = {"small": 0, "large": 0}
    release = threading.Event()
    both_lanes_busy = threading.Event()

    def work(item: tuple[int, int]) -> int:
        index, size = item
        lane = "small" if size < SMALL_FILE_BYTES else "large"
        with lock:
            running[lane] += 1
            peak[lane] = max(peak[lane], running[lane])
            if running["small"] == 6 and running["large"] == 2:
                both_lanes_busy.set()
        release.wait(10)
        with lock:
            running[lane] -= 1
        return index

    sizes = [SMALL_FILE_BYTES * 4 if i % 5 == 0 else 100 for i in range(30)]
    items = list(enumerate(sizes))
    opener = threading.Thread(target=lambda: (both_lanes_busy.wait(10), release.set()))
    opener.start()
    results = run_lanes(work, items, sizes, workers=2, small_file_workers=6)
    opener.join()
    assert results == list(range(30))  # plan order, whatever finished first
    assert both_lanes_busy.is_set()  # large and small ran at the same time
    assert peak == {"small": 6, "large": 2}  # each lane at its own width, never more


# -- issue 10: conflicts, bounds, typed errors, stalls --------------------------------

from datetime import UTC, datetime, timedelta  # noqa: E402

from sds_desktop.core.conflicts import (  # noqa: E402
    Conflict,
    ConflictAction,
    ConflictPolicy,
    Resolution,
    Side,
    decide,
    keep_both_name,
)
from sds_desktop.core.errors import (  # noqa: E402
    ChangedWhileUploadingError,
    ConflictError,
    DiskFullError,
    DownloadError,
    StalledError,
)
from sds_desktop.core.progress import StallWatch  # noqa: E402
from sds_desktop.core.transfer import _disk_error, sweep_partials  # noqa: E402


def _side(size: int = 5, days: int = 0, digest: str | None = "a") -> Side:
    return Side("p", size, datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=days), digest)


@pytest.mark.parametrize(
    ("action", "source", "existing", "expected"),
    [
        (ConflictAction.OVERWRITE, _side(), _side(), Resolution.WRITE),
        (ConflictAction.SKIP, _side(), _side(), Resolution.SKIP),
        (ConflictAction.KEEP_BOTH, _side(), _side(), Resolution.RENAME),
        (ConflictAction.ASK, _side(), _side(), Resolution.ASK),
        (ConflictAction.OVERWRITE_IF_DIFFERENT, _side(), _side(), Resolution.IDENTICAL),
        (ConflictAction.OVERWRITE_IF_DIFFERENT, _side(), _side(digest="b"), Resolution.WRITE),
        (ConflictAction.OVERWRITE_IF_DIFFERENT, _side(size=6), _side(), Resolution.WRITE),
        (ConflictAction.OVERWRITE_IF_NEWER, _side(days=1), _side(), Resolution.WRITE),
        (ConflictAction.OVERWRITE_IF_NEWER, _side(), _side(days=1), Resolution.SKIP),
        (ConflictAction.OVERWRITE_IF_NEWER, _side(), _side(), Resolution.SKIP),
    ],
)
def test_conflict_decisions(
    action: ConflictAction, source: Side, existing: Side, expected: Resolution
) -> None:
    assert decide(action, Conflict("download", source, existing)) is expected


def test_overwrite_if_different_hashes_the_local_side_only_when_needed() -> None:
    calls: list[int] = []

    def hash_local() -> str:
        calls.append(1)
        return "a"

    conflict = Conflict("download", _side(), _side(digest=None))
    assert decide(ConflictAction.OVERWRITE_IF_DIFFERENT, conflict, hash_local=hash_local) is (
        Resolution.IDENTICAL
    )
    assert calls == [1]
    other_size = Conflict("download", _side(size=9), _side(digest=None))
    decide(ConflictAction.OVERWRITE_IF_DIFFERENT, other_size, hash_local=hash_local)
    assert calls == [1]  # sizes differ: no need to read the file


def test_keep_both_names_and_policy_per_job() -> None:
    taken = {"a (1).txt", "a (2).txt"}
    assert keep_both_name("a.txt", taken.__contains__) == "a (3).txt"
    assert keep_both_name("noext", lambda _n: False) == "noext (1)"
    policy = ConflictPolicy(download=ConflictAction.SKIP)
    assert policy.action_for(1, "download") is ConflictAction.SKIP
    # uploads: a new version by default (SDS keeps the older one, nothing deleted)
    assert policy.action_for(1, "upload") is ConflictAction.OVERWRITE
    policy.remember(1, ConflictAction.KEEP_BOTH)
    assert policy.action_for(1, "upload") is ConflictAction.KEEP_BOTH
    assert policy.action_for(2, "upload") is ConflictAction.OVERWRITE


def _mock_download(rsps: responses.RequestsMock, f: SDSFile, body: bytes) -> None:
    rsps.get(f"{FILES}{uuid.UUID(f.uuid).hex}/download/", body=body, status=200)


def _remote(content: bytes, name: str = "a.bin") -> SDSFile:
    return SDSFile.from_json(file_json(name=name, content=content))


@pytest.mark.parametrize(
    ("action", "outcome", "local_after"),
    [
        (ConflictAction.OVERWRITE, DownloadOutcome.DOWNLOADED, b"remote"),
        (ConflictAction.SKIP, DownloadOutcome.SKIPPED_EXISTS, b"local!"),
        (ConflictAction.OVERWRITE_IF_DIFFERENT, DownloadOutcome.DOWNLOADED, b"remote"),
        (ConflictAction.KEEP_BOTH, DownloadOutcome.RENAMED, b"local!"),
    ],
)
def test_download_conflict_actions(  # noqa: PLR0917 - parametrized
    rsps: responses.RequestsMock,
    gateway: Gateway,
    tmp_path: Path,
    action: ConflictAction,
    outcome: DownloadOutcome,
    local_after: bytes,
) -> None:
    f = _remote(b"remote")
    _mock_download(rsps, f, b"remote")
    dest = tmp_path / "a.bin"
    dest.write_bytes(b"local!")
    result = download_one(gateway, DownloadItem(f, dest), on_conflict=action)
    assert result.outcome is outcome
    assert dest.read_bytes() == local_after
    if action is ConflictAction.KEEP_BOTH:
        assert result.saved_as == tmp_path / "a (1).bin"
        assert (tmp_path / "a (1).bin").read_bytes() == b"remote"


def test_download_conflict_ask_raises_with_both_sides(
    rsps: responses.RequestsMock, gateway: Gateway, tmp_path: Path
) -> None:
    f = _remote(b"remote")
    dest = tmp_path / "a.bin"
    dest.write_bytes(b"other content")
    with pytest.raises(ConflictError) as info:
        download_one(gateway, DownloadItem(f, dest), on_conflict=ConflictAction.ASK)
    conflict = info.value.detail
    assert isinstance(conflict, Conflict)
    assert conflict.source.size == 6
    assert conflict.source.blake3 == f.sum_blake3
    assert conflict.existing.size == len(b"other content")
    assert conflict.existing.blake3 is None  # hashed on demand, not up front
    assert dest.read_bytes() == b"other content"


def test_download_never_writes_more_than_the_listed_size(
    rsps: responses.RequestsMock, gateway: Gateway, tmp_path: Path
) -> None:
    f = _remote(b"12345")
    _mock_download(rsps, f, b"123456")  # one byte too many
    dest = tmp_path / "a.bin"
    with pytest.raises(DownloadError, match="more than the listed 5 bytes"):
        download_one(gateway, DownloadItem(f, dest), retry=False)
    assert not dest.exists()
    assert list(tmp_path.iterdir()) == []


def test_plan_download_refuses_absurd_sizes(tmp_path: Path) -> None:
    ok = _remote(b"fine", name="ok.bin")
    huge = SDSFile.from_json(file_json(name="huge.bin", size=2**70))
    plan = plan_download([ok, huge], tmp_path, base_sds_path=ok.directory)
    assert [i.file.name for i in plan.items] == ["ok.bin"]
    assert [(f.name, "absurd size" in why) for f, why in plan.refused] == [("huge.bin", True)]


def test_disk_errors_are_typed_and_say_where_and_how_much_is_free(tmp_path: Path) -> None:
    target = tmp_path / "x.bin"
    full = _disk_error(OSError(errno.ENOSPC, "No space left"), target)
    assert isinstance(full, DiskFullError)
    assert str(target) in str(full)
    assert full.free_bytes is not None
    assert "bytes free" in str(full)
    long = _disk_error(OSError(errno.ENAMETOOLONG, "File name too long"), target)
    assert isinstance(long, PathError)
    assert "too long" in str(long)
    loop = _disk_error(OSError(errno.ELOOP, "loop"), target)
    assert "link loop" in str(loop)
    denied = _disk_error(OSError(errno.EACCES, "denied"), target)
    assert "permission denied" in str(denied)


def test_sweep_partials_removes_only_our_temp_files(tmp_path: Path) -> None:
    (tmp_path / ".sds-abc.partial").write_bytes(b"half")
    (tmp_path / "keep.partial").write_bytes(b"mine")
    (tmp_path / "data.bin").write_bytes(b"data")
    removed = sweep_partials([tmp_path, tmp_path / "missing"])
    assert removed == [tmp_path / ".sds-abc.partial"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.bin", "keep.partial"]


def test_stall_watch_fires_on_silence_not_on_progress() -> None:
    now = [0.0]
    watch = StallWatch(None, 5, clock=lambda: now[0])
    now[0] = 4.0
    watch.feed(1)
    now[0] = 8.0
    assert not watch._check()  # 4 s since the last chunk
    now[0] = 9.5
    assert watch._check()
    assert watch.event.is_set()
    assert watch.reason is not None
    assert "stalled" in watch.reason
    user = threading.Event()
    user.set()
    cancelled = StallWatch(user, 5, clock=lambda: 0.0)
    assert cancelled._check()
    assert cancelled.reason is None  # a user cancel is not a stall


def test_a_stalled_download_raises_stalled_not_cancelled(gateway: Gateway, tmp_path: Path) -> None:
    f = _remote(b"x" * 10)

    @contextlib.contextmanager
    def silent(_uuid: str, *, cancel: threading.Event | None = None) -> Iterator[DownloadStream]:
        def chunks() -> Iterator[bytes]:
            assert cancel is not None
            cancel.wait(10)  # a server that sends nothing until we give up
            raise CancelledError("interrupted")
            yield b""  # pragma: no cover

        yield DownloadStream(200, {}, chunks())

    gateway.download_stream = silent  # type: ignore[method-assign]
    dest = tmp_path / "a.bin"
    with pytest.raises(StalledError, match="stalled"):
        download_one(gateway, DownloadItem(f, dest), retry=False, stall_seconds=0.2)
    assert list(tmp_path.iterdir()) == []


def test_upload_of_a_file_that_grows_fails_and_leaves_nothing(
    rsps: responses.RequestsMock, gateway: Gateway, tmp_path: Path
) -> None:
    content = b"g" * 1000
    item = make_item(tmp_path, content)
    rsps.post(CHECK, json=check_reply())
    created = file_json(name=item.name, content=content)
    rsps.post(FILES, json=created, status=201)
    deleted = rsps.delete(f"{FILES}{uuid.UUID(created['uuid']).hex}/", status=204)

    def grow(_n: int) -> None:
        with item.local_path.open("ab") as fh:
            fh.write(b"more")

    with pytest.raises(ChangedWhileUploadingError, match="changed while uploading"):
        upload_one(gateway, item, progress=grow, retry=False)
    assert deleted.call_count == 1  # what the server stored under its name is removed


def test_upload_conflict_with_other_content_on_sds(
    rsps: responses.RequestsMock, gateway: Gateway, tmp_path: Path
) -> None:
    item = make_item(tmp_path, b"new content")
    existing = SDSFile.from_json(
        file_json(name=item.name, directory=f"/files/{EMAIL}{item.sds_directory}", content=b"old")
    )
    rsps.post(CHECK, json=check_reply())
    with pytest.raises(ConflictError) as info:
        upload_one(gateway, item, retry=False, existing=existing, on_conflict=ConflictAction.ASK)
    assert isinstance(info.value.detail, Conflict)
    skipped = upload_one(
        gateway, item, retry=False, existing=existing, on_conflict=ConflictAction.SKIP
    )
    assert skipped.outcome is UploadOutcome.SKIPPED_CONFLICT
    renamed_json = file_json(name="data (1).bin", content=b"new content")
    posted = rsps.post(FILES, json=renamed_json, status=201)
    kept = upload_one(
        gateway, item, retry=False, existing=existing, on_conflict=ConflictAction.KEEP_BOTH
    )
    assert kept.item.name == "data (1).bin"
    assert posted.call_count == 1
    rsps.replace(responses.POST, FILES, json=file_json(name=item.name, content=b"new content"))
    old_kept = rsps.delete(f"{FILES}{uuid.UUID(existing.uuid).hex}/", status=204)
    result = upload_one(
        gateway, item, retry=False, existing=existing, on_conflict=ConflictAction.OVERWRITE
    )
    assert result.outcome is UploadOutcome.UPLOADED
    assert old_kept.call_count == 0  # overwrite on SDS: a new version; the older one stays


def test_errors_are_told_apart_not_an_sds_gateway_and_html_500(
    rsps: responses.RequestsMock, gateway: Gateway
) -> None:
    from sds_desktop.core.errors import ServiceError

    rsps.get(
        f"{BASE}/auth/",
        body="<html><h1>Not Found</h1></html>",
        status=404,
        content_type="text/html",
    )
    with pytest.raises(ServiceError, match="this is not an SDS gateway"):
        gateway.authenticate()
    rsps.replace(
        responses.GET,
        f"{BASE}/auth/",
        body="<!doctype html><p>Server Error</p>",
        status=500,
        content_type="text/html",
    )
    with pytest.raises(ServiceError) as info:
        Gateway(BASE, "k.v", timeout=5, retry=RetryPolicy(attempts=1)).authenticate()
    assert str(info.value) == "SDS failed on this request (HTTP 500)"


def test_json_bodies_are_capped(
    rsps: responses.RequestsMock, gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sds_desktop.core.errors import ServiceError

    monkeypatch.setattr(gateway_mod, "MAX_JSON_BYTES", 1000)
    f = file_json(description="x" * 5000)
    rsps.get(f"{FILES}{uuid.UUID(f['uuid']).hex}/", json=f)
    with pytest.raises(ServiceError, match="larger than"):
        gateway.get_file(f["uuid"])


def test_endless_next_pages_are_bounded_by_the_advertised_count(
    rsps: responses.RequestsMock, gateway: Gateway
) -> None:
    calls = {"n": 0}

    def endless(request: Any) -> tuple[int, dict[str, str], str]:
        import json

        calls["n"] += 1
        n = calls["n"]
        body = {
            "count": 3,
            "next": f"{FILES}?page={n + 1}&path=%2Fdata",
            "previous": None,
            "results": [file_json(name=f"f{n}-{i}.bin") for i in range(100)],
        }
        return 200, {}, json.dumps(body)

    rsps.add_callback(responses.GET, FILES, callback=endless)
    files = gateway.list_files("/data")
    assert calls["n"] <= 12  # 3 advertised: stops after about a thousand, not never
    assert len(files) <= 1200


def test_after_the_last_upload_byte_a_long_silence_is_allowed() -> None:
    now = [0.0]
    watch = StallWatch(None, 5, clock=lambda: now[0])
    watch.grace(100)  # SDS stores a large upload before it answers
    now[0] = 50.0
    assert not watch._check()
    now[0] = 101.0
    assert watch._check()
    assert watch.reason is not None


def _partial(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / ".sds-a.bin.x1.partial"
    path.write_bytes(data)
    return path


def test_resume_appends_only_on_a_matching_206(
    rsps: responses.RequestsMock, gateway: Gateway, tmp_path: Path
) -> None:
    from sds_desktop.core.download import resume_download

    content = bytes(range(256)) * 40
    f = _remote(content)
    url = f"{FILES}{uuid.UUID(f.uuid).hex}/download/"
    got = rsps.get(
        url,
        body=content[4000:],
        status=206,
        headers={"Content-Range": f"bytes 4000-{len(content) - 1}/{len(content)}"},
    )
    dest = tmp_path / "a.bin"
    result, started = resume_download(
        gateway, DownloadItem(f, dest), _partial(tmp_path, content[:4000])
    )
    assert got.calls[0].request.headers["Range"] == "bytes=4000-"
    assert started == 4000
    assert result.outcome is DownloadOutcome.DOWNLOADED
    assert dest.read_bytes() == content
    assert [p.name for p in tmp_path.iterdir()] == ["a.bin"]


def test_resume_restarts_cleanly_when_the_server_ignores_range(
    rsps: responses.RequestsMock, gateway: Gateway, tmp_path: Path
) -> None:
    from sds_desktop.core.download import resume_download

    content = b"production ignores Range" * 100
    f = _remote(content)
    rsps.get(f"{FILES}{uuid.UUID(f.uuid).hex}/download/", body=content, status=200)
    dest = tmp_path / "a.bin"
    _, started = resume_download(gateway, DownloadItem(f, dest), _partial(tmp_path, b"old" * 9))
    assert started == 0  # the row says "restarting from 0"
    assert dest.read_bytes() == content


def test_resume_refuses_a_206_from_the_wrong_byte(
    rsps: responses.RequestsMock, gateway: Gateway, tmp_path: Path
) -> None:
    from sds_desktop.core.download import resume_download

    content = b"z" * 1000
    f = _remote(content)
    rsps.get(
        f"{FILES}{uuid.UUID(f.uuid).hex}/download/",
        body=content[:500],
        status=206,
        headers={"Content-Range": "bytes 0-499/1000"},
    )
    partial = _partial(tmp_path, content[:300])
    with pytest.raises(DownloadError, match="expected bytes from 300"):
        resume_download(gateway, DownloadItem(f, tmp_path / "a.bin"), partial)
    assert list(tmp_path.iterdir()) == []  # nothing under the final name, temp removed
