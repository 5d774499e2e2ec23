from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from sds_desktop.core.captures import CaptureAPI, existing_capture_uuid
from sds_desktop.core.datasets import DatasetAPI
from sds_desktop.core.errors import AuthError, CaptureError, DatasetError, PathError
from sds_desktop.core.gateway import Gateway
from sds_desktop.core.transfer import DownloadOutcome
from tests.core.conftest import BASE, EMAIL, file_json, page

CAPS = f"{BASE}/assets/captures/"
DS = f"{BASE}/assets/datasets/"


def cap_json(**kw: Any) -> dict[str, Any]:
    data = {
        "uuid": str(uuid.uuid4()),
        "capture_type": "drf",
        "top_level_dir": "/run",
        "channel": "ch0",
        "index_name": "captures-drf",
        "origin": "user",
        "capture_props": {},
    }
    data.update(kw)
    return data


def query(call: Any) -> dict[str, list[str]]:
    return parse_qs(urlsplit(str(call.request.url)).query)


@pytest.fixture
def captures(gateway: Gateway) -> CaptureAPI:
    return CaptureAPI(gateway, lambda: False)


@pytest.fixture
def datasets(gateway: Gateway) -> DatasetAPI:
    return DatasetAPI(gateway, lambda: False)


def test_create_drf_form(rsps: responses.RequestsMock, captures: CaptureAPI) -> None:
    reply = cap_json()
    rsps.post(CAPS, status=201, json=reply)
    cap = captures.create(top_level_dir="run/", capture_type="drf", channel="ch0", name="My")
    assert cap is not None
    assert cap.uuid == uuid.UUID(reply["uuid"]).hex
    form = parse_qs(str(rsps.calls[0].request.body))
    assert form == {
        "top_level_dir": ["/run"],
        "capture_type": ["drf"],
        "index_name": ["captures-drf"],
        "channel": ["ch0"],
        "name": ["My"],
    }


def test_create_rh_index(rsps: responses.RequestsMock, captures: CaptureAPI) -> None:
    sg = str(uuid.uuid4())
    rsps.post(CAPS, status=201, json=cap_json(capture_type="rh", channel="", scan_group=sg))
    captures.create(top_level_dir="/rh", capture_type="rh", scan_group=sg)
    form = parse_qs(str(rsps.calls[0].request.body))
    assert form["index_name"] == ["captures-rh"]
    assert form["scan_group"] == [sg]


def test_create_validation_sends_nothing(
    rsps: responses.RequestsMock, captures: CaptureAPI
) -> None:
    with pytest.raises(CaptureError, match="channel"):
        captures.create(top_level_dir="/x", capture_type="drf")
    with pytest.raises(CaptureError, match="unknown capture type"):
        captures.create(top_level_dir="/x", capture_type="wav")  # type: ignore[arg-type]
    assert len(rsps.calls) == 0


def test_create_existing_returns_it(rsps: responses.RequestsMock, captures: CaptureAPI) -> None:
    existing = uuid.uuid4()
    detail = (
        "One or more capture creation constraints violated:\n\tdrf_unique_channel_and_tld: "
        f"This channel and top level directory are already in use by another capture: {existing}"
    )
    rsps.post(CAPS, status=400, json={"detail": detail})
    rsps.get(f"{CAPS}{existing.hex}/", json=cap_json(uuid=str(existing)))
    cap = captures.create(top_level_dir="/run", capture_type="drf", channel="ch0")
    assert cap is not None
    assert cap.uuid == existing.hex
    assert existing_capture_uuid("nothing here") is None


def test_create_error_detail(rsps: responses.RequestsMock, captures: CaptureAPI) -> None:
    rsps.post(CAPS, status=400, json={"detail": "No files found for capture"})
    with pytest.raises(CaptureError, match="No files found"):
        captures.create(top_level_dir="/run", capture_type="drf", channel="ch0")


def test_capture_403_is_auth(rsps: responses.RequestsMock, captures: CaptureAPI) -> None:
    rsps.get(CAPS, status=403, json={"detail": "Authentication credentials were not provided."})
    with pytest.raises(AuthError):
        captures.listing()


def test_listing_all_pages_filters_reapplied(
    rsps: responses.RequestsMock, captures: CaptureAPI
) -> None:
    rsps.get(CAPS, json=page([cap_json(), cap_json()], f"{CAPS}?page=2&page_size=100"))
    rsps.get(CAPS, json=page([cap_json()], f"{CAPS}?page=3&page_size=100"))
    rsps.get(CAPS, json=page([cap_json(capture_type="drf", channel=None)], None))
    caps = captures.listing(capture_type="drf")
    assert len(caps) == 4
    assert "page" not in query(rsps.calls[0])
    assert query(rsps.calls[0])["capture_type"] == ["drf"]
    assert query(rsps.calls[1]) == {"page": ["2"], "page_size": ["100"], "capture_type": ["drf"]}
    assert query(rsps.calls[2])["capture_type"] == ["drf"]


def test_advanced_search(rsps: responses.RequestsMock, captures: CaptureAPI) -> None:
    rsps.get(CAPS, json=page([cap_json()]))
    flt = {
        "field_path": "capture_props.center_freq",
        "query_type": "range",
        "filter_value": {"gte": 1},
    }
    found = captures.advanced_search(filters=[flt])
    assert len(found) == 1
    assert json.loads(query(rsps.calls[0])["metadata_filters"][0]) == [flt]
    rsps.get(CAPS, json=page([]))
    captures.advanced_search(field_path="a.b", query_type="term", filter_value="x")
    assert json.loads(query(rsps.calls[1])["metadata_filters"][0]) == [
        {"field_path": "a.b", "query_type": "term", "filter_value": "x"}
    ]
    with pytest.raises(CaptureError):
        captures.advanced_search()


def test_capture_actions(rsps: responses.RequestsMock, captures: CaptureAPI) -> None:
    cid = uuid.uuid4().hex
    rsps.get(f"{CAPS}{cid}/", json=cap_json(uuid=cid))
    rsps.put(f"{CAPS}{cid}/", json=cap_json(uuid=cid))
    rsps.delete(f"{CAPS}{cid}/", status=204)
    rsps.put(f"{CAPS}{cid}/detach-from-datasets/", json={"message": "ok"})
    rsps.put(f"{CAPS}{cid}/revoke-share-permissions/", json={"message": "ok"})
    assert captures.read(cid).uuid == cid
    updated = captures.update(cid)
    assert updated is not None
    assert captures.delete(cid)
    assert captures.detach(cid)
    assert captures.revoke(cid)
    assert [c.request.method for c in rsps.calls] == ["GET", "PUT", "DELETE", "PUT", "PUT"]


def test_capture_writes_dry_run(rsps: responses.RequestsMock, gateway: Gateway) -> None:
    api = CaptureAPI(gateway, lambda: True)
    cid = uuid.uuid4().hex
    assert api.create(top_level_dir="/x", capture_type="drf", channel="c") is None
    assert api.delete(cid)
    assert api.detach(cid)
    assert api.revoke(cid)
    assert api.update(cid) is None
    assert len(rsps.calls) == 0


def test_dataset_get(rsps: responses.RequestsMock, datasets: DatasetAPI) -> None:
    did = uuid.uuid4()
    rsps.get(f"{DS}{did.hex}/", json={"uuid": str(did), "name": "DS", "institutions": ""})
    assert datasets.get(str(did)).name == "DS"
    rsps.get(f"{DS}{uuid.UUID(int=1).hex}/", status=404, json={"detail": "No Dataset matches"})
    with pytest.raises(DatasetError):
        datasets.get(str(uuid.UUID(int=1)))


def test_dataset_files_pages_and_filters(
    rsps: responses.RequestsMock, datasets: DatasetAPI
) -> None:
    did = uuid.uuid4().hex
    url = f"{DS}{did}/files/"
    shared = file_json(name="dup")
    cap = uuid.uuid4()
    rsps.get(
        url, json=page([file_json(), shared], f"{url}?page=2&capture={cap}&top_level_dir=%2Fx")
    )
    rsps.get(url, json=page([shared, file_json()], None))
    rsps.get(
        f"{DS}{did}/",
        json={"uuid": did, "name": "DS", "owner": {"id": 1, "email": "own@er.org", "name": "O"}},
    )
    files = datasets.files(did, captures=[cap.hex], top_level_dirs=["x/"])
    assert len(files) == 3
    q = query(rsps.calls[1])
    assert q["capture"] == [str(cap)]
    # production stores /files/<owner>/x, users say /x: both forms, OR-ed by the server
    assert q["top_level_dir"] == ["/x", "/files/own@er.org/x"]
    assert q["page"] == ["1"]
    assert query(rsps.calls[2])["page"] == ["2"]


def test_dataset_files_repeated_params(rsps: responses.RequestsMock, datasets: DatasetAPI) -> None:
    did = uuid.uuid4().hex
    rsps.get(f"{DS}{did}/files/", json=page([]))
    a, b = uuid.uuid4(), uuid.uuid4()
    datasets.get_files(did, capture_uuids=[str(a), b])
    assert query(rsps.calls[0])["capture"] == [str(a), str(b)]
    # as in the SDK, artifacts_only drops capture filters (artifacts have no capture)
    datasets.files(did, captures=[str(a)], artifacts_only=True)
    q = query(rsps.calls[1])
    assert "capture" not in q
    assert q["artifacts_only"] == ["true"]
    assert datasets.files(did, top_level_dirs=[]) == []
    assert len(rsps.calls) == 2


def test_dataset_empty_404(rsps: responses.RequestsMock, datasets: DatasetAPI) -> None:
    did = uuid.uuid4().hex
    rsps.get(f"{DS}{did}/files/", status=404, json={"detail": "No files found in dataset."})
    assert datasets.files(did) == []


def test_dataset_download(
    rsps: responses.RequestsMock, datasets: DatasetAPI, tmp_path: Path
) -> None:
    did = uuid.uuid4().hex
    good = file_json(name="g.bin", directory=f"/files/{EMAIL}/ds", content=b"good")
    evil = file_json(name="../../evil", content=b"evil")
    rsps.get(f"{DS}{did}/files/", json=page([good, evil]))
    rsps.get(f"{BASE}/assets/files/{uuid.UUID(good['uuid']).hex}/download/", body=b"good")
    results = datasets.download(did, tmp_path)
    # the hostile entry is a failed result (typed error), the good one is downloaded
    assert [r.outcome for r in results] == [DownloadOutcome.FAILED, DownloadOutcome.DOWNLOADED]
    assert isinstance(results[0].error, PathError)
    assert [bool(r) for r in results] == [False, True]
    assert (tmp_path / "ds" / "g.bin").read_bytes() == b"good"
    assert not (tmp_path.parent / "evil").exists()


def test_dataset_delete_revoke(rsps: responses.RequestsMock, datasets: DatasetAPI) -> None:
    did = uuid.uuid4().hex
    rsps.delete(f"{DS}{did}/", status=204)
    rsps.put(f"{DS}{did}/revoke-share-permissions/", json={"message": "ok"})
    assert datasets.delete(did)
    assert datasets.revoke(did)
    rsps.delete(f"{DS}{uuid.UUID(int=2).hex}/", status=403, json={"detail": "shared"})
    with pytest.raises(AuthError):
        datasets.delete(uuid.UUID(int=2).hex)
