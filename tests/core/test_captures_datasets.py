from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from sds_desktop.core.capture_models import Capture, CaptureFilter, CaptureType
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


# -- SDK names, filters, failures ---------------------------------------------------------


def test_sdk_spellings_share_one_implementation(
    rsps: responses.RequestsMock, captures: CaptureAPI
) -> None:
    cid = uuid.uuid4()
    rsps.get(f"{CAPS}{cid.hex}/", json=cap_json(uuid=str(cid)))
    rsps.put(f"{CAPS}{cid.hex}/detach-from-datasets/", json={"message": "ok"})
    rsps.put(f"{CAPS}{cid.hex}/revoke-share-permissions/", json={"message": "ok"})
    rsps.delete(f"{CAPS}{cid.hex}/", status=204)
    assert captures.read(capture_uuid=cid).uuid == cid.hex  # a UUID object, as SDK users pass
    assert captures.detach_from_datasets(capture_uuid=cid)
    assert captures.revoke_share_permissions(capture_uuid=str(cid))
    assert captures.delete(capture_uuid=cid)
    assert CaptureAPI.detach is CaptureAPI.detach_from_datasets
    assert CaptureAPI.revoke is CaptureAPI.revoke_share_permissions
    with pytest.raises(CaptureError, match="invalid UUID"):
        captures.read(capture_uuid="not-a-uuid")
    assert len(rsps.calls) == 4


def test_capture_type_enum_and_index(rsps: responses.RequestsMock, captures: CaptureAPI) -> None:
    rsps.post(CAPS, status=201, json=cap_json())
    captures.create(top_level_dir="/run", capture_type=CaptureType.DigitalRF, channel="ch0")
    form = parse_qs(str(rsps.calls[0].request.body))
    assert form["capture_type"] == ["drf"]
    assert form["index_name"] == ["captures-drf"]


def test_html_500_at_creation_is_a_readable_capture_error(
    rsps: responses.RequestsMock, captures: CaptureAPI
) -> None:
    page_500 = "<!DOCTYPE html><html><body><h1>ValueError at /api/v1/assets/captures/</h1>"
    rsps.post(CAPS, status=500, body=page_500, content_type="text/html")
    with pytest.raises(CaptureError) as info:
        captures.create(top_level_dir="/run", capture_type="drf", channel="ch0")
    assert str(info.value) == "SDS failed to index this channel (HTTP 500)"
    assert info.value.status == 500
    assert len(rsps.calls) == 1  # a failed creation is not retried
    rsps.post(CAPS, status=500, json={"detail": "index unavailable"})
    with pytest.raises(CaptureError, match="index unavailable"):
        captures.create(top_level_dir="/run", capture_type="drf", channel="ch0")


def test_listing_filters_server_and_client_side(
    rsps: responses.RequestsMock, captures: CaptureAPI
) -> None:
    drf = cap_json(
        name="Westford vpol",
        capture_props={
            "center_frequencies": 1.42e9,
            "start_bound": 1719496800,
            "end_bound": 1719500400,
        },
        owner={"email": EMAIL},
    )
    rh = cap_json(
        capture_type="rh",
        channel="",
        capture_props={"center_frequency": 2.4e9, "timestamp": "2024-06-27T14:30:00Z"},
        owner={"email": "bob@example.org"},
    )
    sig = cap_json(capture_type="sigmf", channel="", capture_props={})
    rsps.get(CAPS, json=page([drf, rh, sig]))

    def uuids(found: list[Capture]) -> list[str]:
        return [c.uuid for c in found]

    ids = [uuid.UUID(str(c["uuid"])).hex for c in (drf, rh, sig)]
    # frequency: production's search misses Digital RF, so it is done on the records
    assert uuids(captures.listing(min_frequency=1e9, max_frequency=2e9)) == [ids[0]]
    assert uuids(captures.listing(min_frequency=2e9)) == [ids[1]]
    assert uuids(captures.listing(text="westford")) == [ids[0]]
    assert uuids(captures.listing(owner="BOB@example.org")) == [ids[1]]
    window = {"start": datetime(2024, 6, 27, 14, 20, tzinfo=UTC)}
    assert uuids(captures.listing(**window, end=window["start"] + timedelta(minutes=20))) == ids[:2]
    assert uuids(captures.listing(start=datetime(2024, 6, 28, tzinfo=UTC))) == []
    assert uuids(captures.listing(capture_type="sigmf")) == [ids[2]]
    queries = [query(call) for call in rsps.calls]
    assert all("page" not in q for q in queries)
    assert "capture_type" not in queries[-1]  # production answers 400 to sigmf
    captures.find(CaptureFilter(capture_type="rh"))
    assert query(rsps.calls[-1])["capture_type"] == ["rh"]


def test_dataset_sdk_names(rsps: responses.RequestsMock, datasets: DatasetAPI) -> None:
    did, cid = uuid.uuid4(), uuid.uuid4()
    artifact = {"uuid": str(uuid.uuid4()), "name": "notes.txt", "directory": "/n"}
    summary = {
        "uuid": str(cid),
        "capture_type": "drf",
        "top_level_dir": "/array",
        "is_multi_channel": True,
        "channels": [{"channel": "ch0", "uuid": str(cid)}],
    }
    body = {"uuid": str(did), "name": "DS", "captures": [summary], "files": [artifact]}
    rsps.get(f"{DS}{did.hex}/", json=body)
    rsps.post(f"{DS}{did.hex}/attach-capture/", json={"message": "attached"})
    assert datasets.list_captures(did) == [summary]  # raw, as the SDK returns them
    assert datasets.list_artifact_files(str(did)) == [artifact]
    (typed,) = datasets.captures(did)
    assert typed.is_multi_channel
    assert [c.channel for c in typed.channels] == ["ch0"]
    assert datasets.add_capture_to_dataset(did, cid)
    attach = rsps.calls[-1].request
    assert json.loads(attach.body) == {"capture_uuid": cid.hex}
    assert attach.headers["Content-Type"] == "application/json"
    assert DatasetAPI.revoke is DatasetAPI.revoke_share_permissions


def test_listing_survives_productions_refused_next_page(
    rsps: responses.RequestsMock, captures: CaptureAPI, caplog: pytest.LogCaptureFixture
) -> None:
    """Production's next links carry page=2, which it refuses (400): the first page is
    kept and the truncation is logged, instead of the whole listing failing."""
    first = [cap_json() for _ in range(3)]
    rsps.get(CAPS, json=page(first, f"{CAPS}?page=2&page_size=3", count=5))
    refusal = {"detail": "unsupported operand type(s) for -: 'str' and 'int'"}
    rsps.get(CAPS, status=400, json=refusal)
    found = captures.listing(page_size=3)
    assert [c.uuid for c in found] == [uuid.UUID(str(c["uuid"])).hex for c in first]
    assert "listing 3 of 5" in caplog.text
    rsps.reset()
    rsps.get(CAPS, status=400, json={"detail": "Unknown capture type"})
    with pytest.raises(CaptureError, match="Unknown capture type"):  # a first-page refusal
        captures.listing()


def test_iter_pages_filters_each_page(rsps: responses.RequestsMock, captures: CaptureAPI) -> None:
    hit = cap_json(name="keep me")
    rsps.get(CAPS, json=page([cap_json(), hit], f"{CAPS}?page=2&page_size=100"))
    rsps.get(CAPS, json=page([cap_json()]))
    pages = list(captures.iter_pages(CaptureFilter(text="KEEP")))
    assert [[c.name for c in p] for p in pages] == [["keep me"], []]
