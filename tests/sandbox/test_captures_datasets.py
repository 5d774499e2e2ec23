"""Captures and datasets over raw HTTP: shapes, errors, search filters, sharing."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from sds_desktop.sandbox.server import SandboxServer
from tests.sandbox.conftest import Api
from tests.sandbox.rfdata import write_drf, write_rh

CAPTURE_KEYS = {
    "uuid", "name", "capture_type", "capture_type_display", "index_name", "origin",
    "top_level_dir", "channel", "scan_group", "capture_props", "files", "data_files_info",
    "total_file_count", "total_file_size", "file_cadence_ms", "length_of_capture_ms",
    "sample_rate_mhz", "center_frequency_ghz", "capture_start_epoch_sec",
    "capture_start_iso_utc", "capture_end_iso_utc", "capture_start_display",
    "capture_end_display", "owner", "permission_level", "share_permissions", "shared_with",
    "is_shared", "is_shared_with_me", "is_public", "dataset", "datasets",
    "post_processed_data", "created_at", "formatted_created_at", "updated_at", "deleted_at",
    "is_deleted",
}  # fmt: skip


def upload_dir(api: Api, local: Path, sds_dir: str) -> None:
    for path in local.rglob("*"):
        if path.is_file() and not path.name.startswith("tmp."):
            rel = path.parent.relative_to(local).as_posix()
            directory = sds_dir if rel == "." else f"{sds_dir}/{rel}"
            assert api.upload(directory, path.name, path.read_bytes()).status_code == 201


def create(api: Api, **fields: str) -> object:
    return api.post("/assets/captures/", data=fields)


@pytest.fixture
def rh_capture(api: Api, tmp_path: Path) -> dict:
    group = str(uuid.uuid4())
    upload_dir(api, write_rh(tmp_path / "rh", group, count=2), "/rh")
    r = create(
        api, top_level_dir="/rh", capture_type="rh", index_name="captures-rh", scan_group=group
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_rh_capture_shape(rh_capture: dict, email: str) -> None:
    assert set(rh_capture) == CAPTURE_KEYS
    assert rh_capture["top_level_dir"] == "/rh"
    assert rh_capture["index_name"] == "captures-rh"
    assert rh_capture["channel"] == ""
    assert rh_capture["permission_level"] is None  # production's create answer
    assert rh_capture["total_file_count"] == 2
    assert rh_capture["capture_props"]["short_name"] == "rh-test"
    assert rh_capture["center_frequency_ghz"] == pytest.approx(2.4)
    assert all(f["directory"] == f"/files/{email}/rh" for f in rh_capture["files"])
    assert rh_capture["name"] == "rh"


def test_rh_scan_group_rules(api: Api, rh_capture: dict) -> None:
    group = rh_capture["scan_group"]
    r = create(
        api, top_level_dir="/rh", capture_type="rh", index_name="captures-rh", scan_group=group
    )
    assert r.status_code == 400
    assert "rh_unique_scan_group" in r.json()["detail"]
    assert rh_capture["uuid"] in r.json()["detail"]
    other = str(uuid.uuid4())
    r = create(
        api, top_level_dir="/rh", capture_type="rh", index_name="captures-rh", scan_group=other
    )
    assert r.status_code == 400
    assert "No files found for capture" in r.json()["detail"]
    r = create(
        api, top_level_dir="/rh", capture_type="rh", index_name="captures-rh", scan_group="x"
    )
    assert r.status_code == 400
    assert r.json() == {"scan_group": ["Must be a valid UUID."]}  # top level, as production


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"top_level_dir": "/x", "index_name": "captures-drf"},
            "The `capture_type` field is required.",
        ),
        (
            {"top_level_dir": "/x", "capture_type": "drf", "index_name": "captures-drf"},
            "The `channel` field is required for DigitalRF captures.",
        ),
        (
            {"top_level_dir": "/x", "capture_type": "rh"},
            "Empty value passed for a required argument 'index'",
        ),
        (
            {"top_level_dir": "/../../etc", "capture_type": "rh", "index_name": "captures-rh"},
            "The provided `top_level_dir` is invalid.",
        ),
        (
            {"capture_type": "rh", "index_name": "captures-rh"},
            "The `top_level_dir` field is required.",
        ),
    ],
)
def test_create_errors(api: Api, fields: dict, message: str) -> None:
    r = create(api, **fields)
    assert r.status_code == 400
    assert r.json() == {"detail": message}


def test_create_unknown_type_and_empty_dir(api: Api, email: str) -> None:
    r = create(api, top_level_dir="/x", capture_type="bogus", index_name="captures-rh")
    assert r.status_code == 400
    assert r.json()["detail"] == "'bogus' is not a valid CaptureType"  # production: 500
    r = create(api, top_level_dir="/nothing", capture_type="rh", index_name="captures-rh")
    assert r.status_code == 400
    assert r.json()["detail"].startswith("Error handling metadata for capture '")
    assert ": No files found for capture '" in r.json()["detail"]
    assert r.json()["detail"].endswith(f"at '/files/{email}/nothing'")


def test_drf_capture_and_uniqueness(api: Api, tmp_path: Path) -> None:
    upload_dir(api, write_drf(tmp_path / "d", channel="chA"), "/drf")
    fields = {
        "top_level_dir": "/drf",
        "capture_type": "drf",
        "index_name": "captures-drf",
        "channel": "chA",
    }
    r = create(api, **fields)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["channel"] == "chA"
    assert body["capture_props"]["samples_per_second"] == 1000
    assert body["sample_rate_mhz"] == pytest.approx(0.001)
    assert body["capture_start_iso_utc"] == "2024-06-27T14:00:00Z"
    r = create(api, **fields)
    assert r.status_code == 400
    assert r.json()["detail"] == (
        "One or more capture creation constraints violated:\n\t"
        "Capture creation constraints violated:\n\t\tdrf_unique_channel_and_tld: "
        "This channel and top level directory are already in use by another capture: "
        f"{body['uuid']}"
    )
    r = create(api, **{**fields, "channel": "nope"})
    assert r.status_code == 400


def test_capture_list_pagination_and_filters(api: Api, tmp_path: Path) -> None:
    for i in range(3):
        group = str(uuid.uuid4())
        upload_dir(
            api, write_rh(tmp_path / f"rh{i}", group, count=1, center=1e9 * (i + 1)), f"/l{i}"
        )
        assert (
            create(
                api, top_level_dir=f"/l{i}", capture_type="rh", index_name="captures-rh"
            ).status_code
            == 201
        )
    body = api.get("/assets/captures/", params={"page_size": 2}).json()
    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["next"].endswith("?page=2&page_size=2")
    assert body["previous"] is None
    # production refuses any page= (its own next link included): 400 with its text
    page_bug = {"detail": "unsupported operand type(s) for -: 'str' and 'int'"}
    for r in (api.get(body["next"]), api.get("/assets/captures/", params={"page": 1})):
        assert (r.status_code, r.json()) == (400, page_bug)
    assert api.get("/assets/captures/", params={"capture_type": "drf"}).json()["count"] == 0
    r = api.get("/assets/captures/", params={"capture_type": "nope"})
    assert (r.status_code, r.json()) == (400, {"detail": "'nope' is not a valid CaptureType"})
    r = api.get("/assets/captures/", params={"capture_type": "sigmf"})
    assert (r.status_code, r.json()) == (400, {"detail": "Unknown capture type"})

    def search(*filters: dict) -> list[float]:
        r = api.get("/assets/captures/", params={"metadata_filters": json.dumps(list(filters))})
        assert r.status_code == 200, r.text
        return sorted(c["capture_props"]["center_frequency"] for c in r.json()["results"])

    cf = "capture_props.center_frequency"
    assert search({"field_path": cf, "query_type": "range", "filter_value": {"gt": 1.5e9}}) == [
        2e9,
        3e9,
    ]
    assert search({"field_path": cf, "query_type": "term", "filter_value": 2e9}) == [2e9]
    assert search(
        {"field_path": "capture_props.short_name", "query_type": "match", "filter_value": "RH-TEST"}
    ) == [1e9, 2e9, 3e9]
    assert search(
        {
            "field_path": "capture_props.metadata.nfft",
            "query_type": "term",
            "filter_value": {"value": 1024},
        }
    ) == [1e9, 2e9, 3e9]
    assert search(
        {"field_path": cf, "query_type": "range", "filter_value": {"gte": 1e9, "lt": 3e9}},
        {"field_path": cf, "query_type": "term", "filter_value": 1e9},
    ) == [1e9]
    assert search(
        {"field_path": "capture_props.short_name", "query_type": "wildcard", "filter_value": "rh-*"}
    ) == [1e9, 2e9, 3e9]
    assert search(
        {
            "field_path": "search_props.coordinates",
            "query_type": "geo_bounding_box",
            "filter_value": {
                "top_left": {"lat": 42, "lon": -87},
                "bottom_right": {"lat": 41, "lon": -86},
            },
        }
    ) == [1e9, 2e9, 3e9]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("{not json", "'metadata_filters' could not be parsed from request"),
        ('{"a": 1}', "'metadata_filters' must be a list."),
    ],
)
def test_search_bad_filters(api: Api, raw: str, message: str) -> None:
    r = api.get("/assets/captures/", params={"metadata_filters": raw})
    assert r.status_code == 400
    assert r.json() == {"detail": message}


def test_search_malformed_filter_items_are_400(api: Api) -> None:
    for item in ({"field_path": "x"}, {"field_path": "x", "query_type": "nonsense"}, "str"):
        r = api.get("/assets/captures/", params={"metadata_filters": json.dumps([item])})
        assert r.status_code == 400
        assert r.json()["detail"].startswith("Query error")


def test_capture_read_update_delete(api: Api, rh_capture: dict, tmp_path: Path) -> None:
    cid = rh_capture["uuid"]
    assert api.get(f"/assets/captures/{uuid.UUID(cid).hex}/").json()["uuid"] == cid
    # add a file to the scan group, then PUT re-discovers it
    write_rh(tmp_path / "more", rh_capture["scan_group"], count=3)
    api.upload("/rh", "scan-2.rh.json", (tmp_path / "more" / "scan-2.rh.json").read_bytes())
    r = api.put(f"/assets/captures/{cid}/")
    assert r.status_code == 200
    assert r.json()["total_file_count"] == 3
    assert (
        api.request("PATCH", f"/assets/captures/{cid}/", data={"name": "renamed"}).json()["name"]
        == "renamed"
    )
    r = api.put(f"/assets/captures/{cid}/revoke-share-permissions/")
    assert r.json() == {"message": "Share permissions revoked successfully"}
    r = api.put(f"/assets/captures/{cid}/detach-from-datasets/")
    assert r.json() == {"message": "Capture detached from draft/private datasets successfully"}
    assert api.delete(f"/assets/captures/{cid}/").status_code == 204
    r = api.get(f"/assets/captures/{cid}/")
    assert r.status_code == 404
    assert r.json() == {"detail": "No Capture matches the given query."}
    assert api.get("/assets/captures/not-a-uuid/").status_code == 404


def test_capture_sharing_and_delete_refusals(
    server: SandboxServer,
    api: Api,
    make_api,
    rh_capture: dict,
    email: str,  # type: ignore[no-untyped-def]
) -> None:
    cid = rh_capture["uuid"]
    bob_email = f"bob-{uuid.uuid4().hex[:6]}@example.org"
    bob = make_api(bob_email)
    r = bob.get(f"/assets/captures/{cid}/")
    assert r.status_code == 403
    assert r.json() == {"detail": "You do not have permission to access this capture."}
    assert bob.delete(f"/assets/captures/{cid}/").status_code == 404

    server.share("capture", cid, bob_email)
    shared = bob.get(f"/assets/captures/{cid}/").json()
    assert shared["is_shared_with_me"] is True
    assert shared["permission_level"] == "viewer"
    names = [f["name"] for f in bob.get("/assets/files/", params={"path": "/"}).json()["results"]]
    assert sorted(names) == ["scan-0.rh.json", "scan-1.rh.json"]
    fid = rh_capture["files"][0]["uuid"]
    assert bob.get(f"/assets/files/{fid}/download/").status_code == 200

    r = api.delete(f"/assets/captures/{cid}/")
    assert r.status_code == 403
    assert r.json()["detail"].startswith("Capture is shared and cannot be deleted.")
    api.put(f"/assets/captures/{cid}/revoke-share-permissions/")
    assert bob.get(f"/assets/captures/{cid}/").status_code == 403

    dataset = server.create_dataset(email, "with capture", capture_uuids=[cid])
    r = api.delete(f"/assets/captures/{cid}/")
    assert r.status_code == 403
    r = api.delete(f"/assets/files/{fid}/")
    assert r.status_code == 403
    assert api.delete(f"/assets/datasets/{dataset}/").status_code == 204
    assert api.delete(f"/assets/captures/{cid}/").status_code == 204
    assert api.delete(f"/assets/files/{fid}/").status_code == 204


def test_dataset_detail_and_manifest(
    server: SandboxServer, api: Api, rh_capture: dict, email: str
) -> None:
    art = api.upload("/artifacts", "notes.txt", b"notes").json()["uuid"]
    dsid = server.create_dataset(email, "DS", file_uuids=[art], capture_uuids=[rh_capture["uuid"]])
    body = api.get(f"/assets/datasets/{uuid.UUID(dsid).hex}/").json()
    assert body["name"] == "DS"
    assert isinstance(body["authors"], list)
    assert isinstance(body["institutions"], list)
    assert [c["uuid"] for c in body["captures"]] == [rh_capture["uuid"]]
    assert [f["uuid"] for f in body["files"]] == [art]
    assert body["data_files_info"]["total_count"] == 3

    def manifest(**params: object) -> list[str]:
        r = api.get(f"/assets/datasets/{dsid}/files/", params=params)
        assert r.status_code == 200, r.text
        assert set(r.json()) == {"count", "next", "previous", "results"}
        return sorted(f["name"] for f in r.json()["results"])

    assert manifest() == ["notes.txt", "scan-0.rh.json", "scan-1.rh.json"]
    assert manifest(artifacts_only="true", capture=rh_capture["uuid"]) == ["notes.txt"]
    assert manifest(capture=rh_capture["uuid"]) == ["scan-0.rh.json", "scan-1.rh.json"]
    assert manifest(top_level_dir="/artifacts/") == ["notes.txt"]
    assert manifest(top_level_dir=f"/files/{email}/artifacts") == ["notes.txt"]
    assert manifest(top_level_dir="/nowhere") == []
    r = api.get(f"/assets/datasets/{dsid}/files/", params={"capture": "zzz"})
    assert r.status_code == 400
    assert r.json() == {"detail": "Invalid capture UUID: 'zzz'"}
    r = api.get(f"/assets/datasets/{dsid}/files/", params={"page": 2})
    assert r.status_code == 404
    assert r.json() == {"detail": "Invalid page."}

    empty = server.create_dataset(email, "empty")
    r = api.get(f"/assets/datasets/{empty}/files/")
    assert r.status_code == 404
    assert r.json() == {"detail": "No files found in dataset."}


def test_dataset_errors_and_revoke(server: SandboxServer, api: Api, make_api, email: str) -> None:  # type: ignore[no-untyped-def]
    r = api.get(f"/assets/datasets/{uuid.uuid4().hex}/")
    assert r.status_code == 404
    assert r.json() == {"detail": "No Dataset matches the given query."}
    dsid = server.create_dataset(email, "private")
    other = make_api()
    r = other.get(f"/assets/datasets/{dsid}/")
    assert r.status_code == 403
    assert r.json() == {"detail": "You do not have permission to access this dataset."}
    assert other.delete(f"/assets/datasets/{dsid}/").status_code == 404
    r = Api(server.url, None).get(f"/assets/datasets/{dsid}/")
    assert r.status_code == 401
    server.share("dataset", dsid, "viewer@example.org")
    r = api.delete(f"/assets/datasets/{dsid}/")
    assert r.status_code == 403
    assert r.json() == {"detail": "Dataset is shared and cannot be deleted."}
    r = api.put(f"/assets/datasets/{dsid}/revoke-share-permissions/")
    assert r.json() == {"message": "Share permissions revoked successfully"}
    assert api.delete(f"/assets/datasets/{dsid}/").status_code == 204


def test_admin_endpoints(server: SandboxServer) -> None:
    import requests

    url = f"{server.url}/sandbox-admin/users/"
    assert requests.post(url, json={"email": "a@b.c"}, timeout=10).status_code == 403
    headers = {"X-Sandbox-Admin-Token": server.admin_token}
    r = requests.post(url, json={"email": "admin-made@example.org"}, headers=headers, timeout=10)
    assert r.status_code == 201
    key = r.json()["api_key"]
    api = Api(server.url, key)
    fid = api.upload("/adm", "f", b"admin").json()["uuid"]
    r = requests.post(
        f"{server.url}/sandbox-admin/datasets/",
        json={"owner_email": "admin-made@example.org", "name": "via admin", "file_uuids": [fid]},
        headers=headers,
        timeout=10,
    )
    assert r.status_code == 201
    assert api.get(f"/assets/datasets/{r.json()['uuid']}/").json()["name"] == "via admin"
    r = requests.post(
        f"{server.url}/sandbox-admin/faults/",
        json={"fail_next": 1, "status": 502},
        headers=headers,
        timeout=10,
    )
    assert r.status_code == 200
    assert api.get("/auth/").status_code == 502
    assert api.get("/auth/").status_code == 200


def test_listing_page_carries_each_files_own_links(
    server: SandboxServer, api: Api, rh_capture: dict, email: str
) -> None:
    """A listing page reads links for all its files at once: each file still gets its own
    captures and datasets (direct, or through a capture), the others none."""
    art = api.upload("/artifacts", "notes.txt", b"notes").json()["uuid"]
    lone = api.upload("/artifacts", "lone.txt", b"alone").json()["uuid"]
    direct = server.create_dataset(email, "direct", file_uuids=[art])
    via = server.create_dataset(email, "via capture", capture_uuids=[rh_capture["uuid"]])
    rows = api.get("/assets/files/", params={"path": "/", "page_size": 100}).json()["results"]
    by_id = {r["uuid"]: r for r in rows}
    assert by_id[art]["captures"] == []
    assert [d["uuid"] for d in by_id[art]["datasets"]] == [direct]
    assert by_id[lone]["captures"] == []
    assert by_id[lone]["datasets"] == []
    for f in rh_capture["files"]:
        row = by_id[f["uuid"]]
        assert [c["uuid"] for c in row["captures"]] == [rh_capture["uuid"]]
        assert [d["uuid"] for d in row["datasets"]] == [via]
        single = api.get(f"/assets/files/{uuid.UUID(f['uuid']).hex}/").json()
        assert single["captures"] == row["captures"]
        assert single["datasets"] == row["datasets"]
