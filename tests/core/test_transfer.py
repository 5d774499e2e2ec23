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

from sds_desktop.core import gateway as gateway_mod
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
