from __future__ import annotations

import io
import logging
import subprocess
import sys
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from sds_desktop.core.client import Client
from sds_desktop.core.errors import PathError
from sds_desktop.core.models import SDSFile
from sds_desktop.core.progress import TerminalProgress, human_bytes
from sds_desktop.core.results import Result
from sds_desktop.core.transfer import DownloadOutcome, UploadOutcome
from tests.core.conftest import EMAIL, TOKEN, file_json, page, policy

HOST = "sds.test"
BASE = "https://sds.test/api/v1"
NO_ENV = Path("/nonexistent/sds.env")


def make_client(dry_run: bool = False, **kw: Any) -> Client:
    return Client(
        HOST,
        env_file=NO_ENV,
        env_config={"SDS_SECRET_TOKEN": TOKEN, "DRY_RUN": str(dry_run)},
        retry=policy(),
        **kw,
    )


def make_tree(root: Path) -> None:
    (root / "sub").mkdir(parents=True)
    (root / "a.txt").write_bytes(b"alpha")
    (root / "sub" / "b.bin").write_bytes(b"bravo!")
    (root / "sub" / "c.bin").write_bytes(b"charlie")
    (root / "junk.log").write_bytes(b"log")


def snapshot(root: Path) -> list[tuple[str, bytes]]:
    return sorted(
        (str(p.relative_to(root)), p.read_bytes()) for p in root.rglob("*") if p.is_file()
    )


def test_host_fallbacks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SDS_SECRET_TOKEN", raising=False)
    c = Client(env_file=NO_ENV, env_config={"SDS_HOST": "localhost:8000"})
    assert c.api_url == "http://localhost:8000/api/v1"
    assert c.base_url == "http://localhost:8000"  # the SDK's form: scheme://host:port
    assert c.base_url_no_port == "http://localhost"
    default = Client(env_file=NO_ENV)
    assert default.api_url == "https://sds.crc.nd.edu/api/v1"
    assert default.base_url == "https://sds.crc.nd.edu:443"
    assert default.base_url_no_port == "https://sds.crc.nd.edu"
    assert (
        Client("other.org", env_file=NO_ENV, env_config={"SDS_HOST": "x.org"}).host == "other.org"
    )


def test_dry_run_default_and_setter_warns(caplog: pytest.LogCaptureFixture) -> None:
    c = Client(HOST, env_file=NO_ENV, env_config={"SDS_SECRET_TOKEN": TOKEN})
    assert c.dry_run is True
    with caplog.at_level(logging.WARNING):
        c.dry_run = False
    assert "dry run disabled" in caplog.text
    assert TOKEN not in repr(c)
    assert TOKEN not in caplog.text


def test_dry_run_upload_zero_requests_real_plan(tmp_path: Path) -> None:
    root = tmp_path / "up"
    make_tree(root)
    before = snapshot(tmp_path)
    c = make_client(dry_run=True)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        results = c.upload(local_path=root, sds_path="/dest", verbose=True)
        assert len(mock.calls) == 0
        plan = c.plan_upload(local_path=root, sds_path="/dest")
        assert c.delete_file(uuid.uuid4().hex) is True
        assert len(mock.calls) == 0
    assert {r.outcome for r in results} == {UploadOutcome.PLANNED}
    assert sorted(r.item.sds_path for r in results) == [
        "/dest/a.txt",
        "/dest/sub/b.bin",
        "/dest/sub/c.bin",
    ]
    assert plan.total_bytes == 18
    assert [(p.name, why) for p, why in plan.skipped] == [
        ("junk.log", "matches ignore pattern '*.log'")
    ]
    assert snapshot(tmp_path) == before


def test_upload_concurrent_collects_failures(tmp_path: Path) -> None:
    root = tmp_path / "up"
    make_tree(root)
    c = make_client()
    contents = {"a.txt": b"alpha", "b.bin": b"bravo!", "c.bin": b"charlie"}

    def on_check(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        from urllib.parse import parse_qs

        name = parse_qs(str(request.body))["name"][0]
        if name == "c.bin":
            return 403, {"Content-Type": "application/json"}, '{"detail": "nope"}'
        body = (
            '{"file_exists_in_tree": false, "file_contents_exist_for_user": false,'
            ' "user_mutable_attributes_differ": true, "asset_id": null}'
        )
        return 200, {"Content-Type": "application/json"}, body

    def on_upload(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        import json

        raw = request.body
        assert isinstance(raw, bytes)
        name = "a.txt" if b'filename="a.txt"' in raw else "b.bin"
        return 201, {}, json.dumps(file_json(name=name, directory="/d", content=contents[name]))

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.POST, f"{BASE}/assets/utils/check_contents_exist/", on_check)
        mock.add_callback(responses.POST, f"{BASE}/assets/files/", on_upload)
        results = c.upload(local_path=root, sds_path="/d", workers=3)
    by_name = {r.item.name: r for r in results}
    assert by_name["a.txt"].outcome is UploadOutcome.UPLOADED
    assert by_name["b.bin"].outcome is UploadOutcome.UPLOADED
    assert by_name["c.bin"].outcome is UploadOutcome.FAILED
    assert "nope" in str(by_name["c.bin"].error)
    assert [r.item.name for r in results] == ["a.txt", "b.bin", "c.bin"]  # plan order


def test_upload_file_single(tmp_path: Path) -> None:
    f = tmp_path / "one.bin"
    f.write_bytes(b"single")
    c = make_client()
    with responses.RequestsMock() as mock:
        mock.post(
            f"{BASE}/assets/utils/check_contents_exist/",
            json={
                "file_exists_in_tree": True,
                "file_contents_exist_for_user": True,
                "user_mutable_attributes_differ": False,
                "asset_id": str(uuid.uuid4()),
            },
        )
        r = c.upload_file(local_file=f, sds_path="/x")
    assert r.outcome is UploadOutcome.SKIPPED
    assert r.item.sds_path == "/x/one.bin"


def test_download_mirrors_tree_and_refuses_hostile(tmp_path: Path) -> None:
    c = make_client()
    good = file_json(name="g.bin", directory=f"/files/{EMAIL}/proj/sub", content=b"good")
    over = file_json(name="o.bin", directory=f"/files/{EMAIL}/project", content=b"over")
    evil = file_json(name="x", directory=f"/files/{EMAIL}/proj/../../../../tmp", content=b"evil")
    target = tmp_path / "dl"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(f"{BASE}/assets/files/", json=page([good, over, evil]))
        mock.get(f"{BASE}/assets/files/{uuid.UUID(good['uuid']).hex}/download/", body=b"good")
        results = c.download(from_sds_path="/proj", to_local_path=target)
        assert [call.request.url for call in mock.calls][1].endswith("/download/")  # type: ignore[union-attr]
        assert len(mock.calls) == 2
    assert [r.outcome for r in results] == [DownloadOutcome.DOWNLOADED]
    assert snapshot(tmp_path) == [("dl/proj/sub/g.bin", b"good")]


def test_download_dry_run_lists_but_writes_nothing(tmp_path: Path) -> None:
    c = make_client(dry_run=True)
    good = file_json(name="g.bin", directory=f"/files/{EMAIL}/proj", content=b"good")
    with responses.RequestsMock() as mock:
        mock.get(f"{BASE}/assets/files/", json=page([good]))
        results = c.download(from_sds_path="/proj", to_local_path=tmp_path / "dl")
        assert len(mock.calls) == 1
    assert [r.outcome for r in results] == [DownloadOutcome.PLANNED]
    assert list(tmp_path.iterdir()) == []


def test_download_file_by_uuid(tmp_path: Path) -> None:
    c = make_client()
    meta = file_json(name="f.bin", directory=f"/files/{EMAIL}/a/b", content=b"payload")
    hexid = uuid.UUID(meta["uuid"]).hex
    with responses.RequestsMock() as mock:
        mock.get(f"{BASE}/assets/files/{hexid}/", json=meta)
        mock.get(f"{BASE}/assets/files/{hexid}/download/", body=b"payload")
        r = c.download_file(file_uuid=meta["uuid"], to_local_path=tmp_path)
    assert r.outcome is DownloadOutcome.DOWNLOADED
    assert (tmp_path / "f.bin").read_bytes() == b"payload"


def test_delete_file_real(tmp_path: Path) -> None:
    c = make_client()
    fid = uuid.uuid4().hex
    with responses.RequestsMock() as mock:
        mock.delete(f"{BASE}/assets/files/{fid}/", status=204)
        assert c.delete_file(fid) is True


def test_lazy_package_exports() -> None:
    code = (
        "import sys, sds_desktop.core as c, sds_desktop.core.paths, sds_desktop.core.checksum\n"
        "assert 'sds_desktop.core.client' not in sys.modules\n"
        "assert 'requests' not in sys.modules\n"
        "assert c.Client.__name__ == 'Client'\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "ok"


def test_progress_bar_only_on_tty() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    quiet = io.StringIO()
    bar = TerminalProgress(100, 2, stream=quiet)
    bar.update(50)
    bar.close()
    assert quiet.getvalue() == ""
    tty = Tty()
    bar = TerminalProgress(100, 1, stream=tty, interval=0)
    bar.update(100)
    bar.file_done()
    bar.close()
    assert "100.0%" in tty.getvalue()
    assert "1/1 files" in tty.getvalue()
    assert human_bytes(2048) == "2.0 KiB"


def test_one_unsavable_name_never_hides_the_others(tmp_path: Path) -> None:
    """A 200-character "é" name (400 bytes: more than the file system allows) becomes a
    failed result with a typed error; the five other files are downloaded and verified."""
    c = make_client()
    long_name = "é" * 200
    metas = [
        file_json(name=f"f{i}.bin", directory=f"/files/{EMAIL}/six", content=f"data {i}".encode())
        for i in range(5)
    ]
    metas.insert(3, file_json(name=long_name, directory=f"/files/{EMAIL}/six", content=b"long"))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(f"{BASE}/assets/files/", json=page(metas))
        bodies = [b"data 0", b"data 1", b"data 2", b"long", b"data 3", b"data 4"]
        for meta, body in zip(metas, bodies, strict=True):
            mock.get(f"{BASE}/assets/files/{uuid.UUID(meta['uuid']).hex}/download/", body=body)
        results = c.download(from_sds_path="/six", to_local_path=tmp_path / "dl", verbose=False)
    assert [bool(r) for r in results] == [True, True, True, False, True, True]
    failed = results[3]
    assert isinstance(failed.error, PathError)
    assert "file system allows" in str(failed.error)
    assert failed.file is not None
    assert failed.file.name == long_name
    with pytest.raises(PathError):
        failed()
    assert sorted(p.name for p in (tmp_path / "dl" / "six").iterdir()) == [
        f"f{i}.bin" for i in range(5)
    ]
    assert all(r.verified for r in results if r)


def test_results_are_sdk_results(tmp_path: Path) -> None:
    root = tmp_path / "up"
    make_tree(root)
    c = make_client(dry_run=True)
    results = c.upload(local_path=root, sds_path="/d", verbose=False, warn_skipped=False)
    assert all(isinstance(r, Result) for r in results)
    assert all(results)
    assert [r.outcome for r in results] == [UploadOutcome.PLANNED] * 3
    assert results[0].sds_path == "/d/a.txt"


def test_list_files_time_window_is_sent_in_utc_and_reapplied() -> None:
    c = make_client()
    first = file_json(name="rf@1719496800.000.h5", directory=f"/files/{EMAIL}/drf/ch0")
    second = file_json(name="drf_properties.h5", directory=f"/files/{EMAIL}/drf/ch0")
    with responses.RequestsMock() as mock:
        mock.get(f"{BASE}/assets/files/", json=page([first], f"{BASE}/assets/files/?page=2"))
        mock.get(f"{BASE}/assets/files/", json=page([second]))
        start = datetime(2024, 6, 27, 10, 0, tzinfo=timezone(timedelta(hours=-4)))
        naive_end = datetime(2024, 6, 27, 15, 0)  # noqa: DTZ001 - naive means UTC, as in the SDK
        files = c.list_files("/drf", start_time=start, end_time=naive_end)
        queries = [parse_qs(urlsplit(str(call.request.url)).query) for call in mock.calls]
    assert [f.name for f in files] == ["rf@1719496800.000.h5", "drf_properties.h5"]
    for q in queries:  # the next link dropped them: re-applied
        assert q["start_time"] == ["2024-06-27T14:00:00+00:00"]
        assert q["end_time"] == ["2024-06-27T15:00:00+00:00"]  # naive: UTC
    assert queries[1]["page"] == ["2"]


def test_download_given_files_metadata_only_and_single(tmp_path: Path) -> None:
    c = make_client()
    meta = file_json(name="m.bin", directory=f"/files/{EMAIL}/a", content=b"meta")
    f = SDSFile.from_json(meta)
    with responses.RequestsMock() as mock:
        only = c.download(files_to_download=[f], to_local_path=tmp_path / "x", skip_contents=True)
        assert len(mock.calls) == 0
        assert [bool(r) for r in only] == [True]
        assert not (tmp_path / "x").exists()
        mock.get(f"{BASE}/assets/files/{f.uuid}/download/", body=b"meta")
        single = c.download_single_file(file_info=f, to_local_path=tmp_path / "s")
    assert single
    assert single.local_path == tmp_path / "s" / "a" / "m.bin"
    assert (tmp_path / "s" / "a" / "m.bin").read_bytes() == b"meta"
    # the SDK's download_file keyword: file_instance, to a file path; fields read through
    with responses.RequestsMock() as mock:
        mock.get(f"{BASE}/assets/files/{f.uuid}/download/", body=b"meta")
        got = c.download_file(file_instance=f, to_local_path=tmp_path / "copy.bin")
    assert got.name == "m.bin"
    assert got.uuid == f.uuid
    assert (tmp_path / "copy.bin").read_bytes() == b"meta"


def test_download_single_file_failure_is_a_result(tmp_path: Path) -> None:
    c = make_client()
    f = SDSFile.from_json(file_json(name="gone.bin", directory=f"/files/{EMAIL}/a"))
    with responses.RequestsMock() as mock:
        mock.get(f"{BASE}/assets/files/{f.uuid}/download/", status=404, json={"detail": "gone"})
        result = c.download_single_file(file_info=f, to_local_path=tmp_path)
    assert not result
    assert "gone" in str(result.exception_or(None))
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]  # no partial file left


def test_attributes_and_verbose(tmp_path: Path) -> None:
    c = make_client()
    assert c.base_url == "https://sds.test:443"
    assert c.base_url_no_port == "https://sds.test"
    assert c.gateway.base_url == BASE
    assert c.config.token == TOKEN
    assert not c.verbose
    c.verbose = True
    assert c.captures.verbose
    assert c.datasets.verbose
    assert not c.is_authenticated
    with responses.RequestsMock() as mock:
        mock.get(f"{BASE}/auth/", json={"message": f"API key is valid for {EMAIL}"})
        assert c.authenticate() == EMAIL
    assert c.is_authenticated


def test_file_actions_take_the_sdks_keyword(tmp_path: Path) -> None:
    c = make_client()
    fid = uuid.uuid4()
    meta = file_json(file_uuid=str(fid))
    with responses.RequestsMock() as mock:
        mock.get(f"{BASE}/assets/files/{fid.hex}/", json=meta)
        mock.put(f"{BASE}/assets/files/{fid.hex}/detach-from-datasets/", json={})
        mock.delete(f"{BASE}/assets/files/{fid.hex}/", status=204)
        assert c.get_file(file_uuid=fid).uuid == fid.hex
        assert c.detach_file_from_datasets(file_uuid=str(fid))
        assert c.delete_file(file_uuid=fid)
        assert len(mock.calls) == 3


def test_log_file_gets_the_log_once_and_no_token(tmp_path: Path) -> None:
    import logging

    log_path = tmp_path / "sds.log"
    core = logging.getLogger("sds_desktop.core")
    level = core.level
    try:
        c = make_client(dry_run=True, log_file=log_path)
        make_client(dry_run=True, log_file=log_path)  # the same file is not added twice
        root = tmp_path / "up"
        make_tree(root)
        c.upload(local_path=root, sds_path="/d", verbose=False)
        handlers = [h for h in core.handlers if getattr(h, "baseFilename", "") == str(log_path)]
        assert len(handlers) == 1
        handlers[0].flush()
        text = log_path.read_text(encoding="utf-8")
        assert "dry run: would upload 3 files" in text
        assert TOKEN not in text
    finally:
        for h in [h for h in core.handlers if getattr(h, "baseFilename", "") == str(log_path)]:
            core.removeHandler(h)
            h.close()
        core.setLevel(level)
        from sds_desktop.core import client as client_module

        client_module._FILE_HANDLERS.clear()
