"""Files: check, upload (content and sibling), list, retrieve, download, delete, bad input."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
import requests

from sds_desktop.core.checksum import blake3_bytes
from sds_desktop.sandbox.server import SandboxServer
from tests.sandbox.conftest import Api

UPLOAD_KEYS = {
    "uuid", "created_at", "directory", "expiration_date", "media_type", "name",
    "permissions", "size", "sum_blake3", "updated_at",
}  # fmt: skip
FILE_KEYS = {
    "uuid", "owner", "captures", "datasets", "created_at", "updated_at", "expiration_date",
    "deleted_at", "is_deleted", "is_public", "directory", "file", "media_type", "name",
    "permissions", "size", "sum_blake3", "bucket_name", "dataset", "capture",
}  # fmt: skip
NAIVE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
ISO_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d$")
OUTSIDE = {"detail": "The provided path must be in the user's files directory."}


def test_upload_response_shape(api: Api) -> None:
    data = b"hello sandbox"
    r = api.upload("//probe/dir1", "h.txt", data, "text/plain")
    assert r.status_code == 201
    body = r.json()
    assert set(body) == UPLOAD_KEYS
    assert body["directory"] == "/probe/dir1"
    assert body["size"] == len(data)
    assert body["sum_blake3"] == blake3_bytes(data)
    assert uuid.UUID(body["uuid"]).version == 4
    for key in ("created_at", "updated_at", "expiration_date"):
        assert ISO_OFFSET.match(body[key]), body[key]


def test_file_object_shape(api: Api, email: str) -> None:
    uid = api.upload("/a/b", "x.bin", b"123").json()["uuid"]
    r = api.get(f"/assets/files/{uuid.UUID(uid).hex}/")
    assert r.status_code == 200
    body = r.json()
    assert set(body) == FILE_KEYS
    assert body["directory"] == f"/files/{email}/a/b"
    assert body["owner"]["email"] == email
    assert set(body["owner"]) == {"id", "email", "name"}
    for key in ("created_at", "updated_at", "expiration_date"):
        assert NAIVE.match(body[key]), body[key]
    assert body["permissions"] == "rw-r--r--"
    assert body["captures"] == []
    assert body["datasets"] == []
    assert api.get(f"/assets/files/{uid}/").json()["uuid"] == uid  # dashed form works too


def test_stored_name_comes_from_multipart_filename(api: Api) -> None:
    r = api.post(
        "/assets/files/",
        data={"directory": "/n", "name": "field-name.txt"},
        files={"file": ("../../etc/real-name.txt", b"data")},
    )
    assert r.status_code == 201
    assert r.json()["name"] == "real-name.txt"


def test_check_contents_three_cases(api: Api) -> None:
    data = b"check me"
    digest = blake3_bytes(data)
    form = {"directory": "/c", "name": "f.txt", "sum_blake3": digest, "media_type": "text/plain"}
    r = api.post("/assets/utils/check_contents_exist/", data=form)
    assert r.status_code == 200
    assert r.json() == {
        "file_exists_in_tree": False,
        "file_contents_exist_for_user": False,
        "user_mutable_attributes_differ": True,
        "asset_id": None,
    }
    uid = api.upload("/c", "f.txt", data, "text/plain").json()["uuid"]
    r = api.post("/assets/utils/check_contents_exist/", data={**form, "permissions": "rw-r--r--"})
    assert r.json() == {
        "file_exists_in_tree": True,
        "file_contents_exist_for_user": True,
        "user_mutable_attributes_differ": False,
        "asset_id": uid,
    }
    r = api.post("/assets/utils/check_contents_exist/", data={**form, "directory": "/other"})
    assert r.json() == {
        "file_exists_in_tree": False,
        "file_contents_exist_for_user": True,
        "user_mutable_attributes_differ": True,
        "asset_id": uid,
    }


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("directory", "No directory provided."),
        ("name", "No file name provided."),
        ("sum_blake3", "No checksum provided."),
    ],
)
def test_check_contents_missing_fields(api: Api, missing: str, message: str) -> None:
    form = {"directory": "/c", "name": "f", "sum_blake3": "0" * 64}
    del form[missing]
    r = api.post("/assets/utils/check_contents_exist/", data=form)
    assert r.status_code == 400
    assert r.json() == {"detail": message}


def test_sibling_upload(api: Api) -> None:
    data = b"shared content"
    first = api.upload("/one", "a.txt", data).json()
    r = api.post(
        "/assets/files/",
        data={
            "directory": "/two",
            "name": "b.txt",
            "media_type": "text/plain",
            "permissions": "rw-r--r--",
            "sum_blake3": first["sum_blake3"],
            "sibling_uuid": uuid.UUID(first["uuid"]).hex,
        },
    )
    assert r.status_code == 201
    body = r.json()
    assert body["name"] == "b.txt"
    assert body["directory"] == "/two"
    assert body["sum_blake3"] == first["sum_blake3"]
    assert body["size"] == len(data)
    assert api.get(f"/assets/files/{body['uuid']}/download/").content == data


def test_sibling_unknown_or_malformed(api: Api) -> None:
    base = {"directory": "/s", "name": "x", "media_type": "", "permissions": "rw-r--r--"}
    r = api.post("/assets/files/", data={**base, "sibling_uuid": uuid.uuid4().hex})
    assert r.status_code == 404
    assert r.json() == {"detail": "No File matches the given query."}
    r = api.post("/assets/files/", data={**base, "sibling_uuid": "not-a-uuid"})
    assert r.status_code == 400
    assert r.json() == {"sibling_uuid": ["Must be a valid UUID."]}


def test_duplicate_upload_is_400(api: Api) -> None:
    assert api.upload("/dup", "d.txt", b"same").status_code == 201
    r = api.upload("/dup", "d.txt", b"same")
    assert r.status_code == 400
    assert r.json() == {
        "detail": "File with checksum already exists in the tree, run PATCH instead."
    }
    # Different content at the same path is a new version; listings show the newest.
    assert api.upload("/dup", "d.txt", b"newer").status_code == 201
    results = api.get("/assets/files/", params={"path": "/dup"}).json()["results"]
    assert [f["sum_blake3"] for f in results] == [blake3_bytes(b"newer")]


def test_upload_missing_file_part(api: Api) -> None:
    r = api.post("/assets/files/", data={"directory": "/x", "name": "n"})
    assert r.status_code == 400
    assert r.json() == {"file": ["No file was submitted."]}
    r = api.post("/assets/files/", data={"directory": "/x"}, files={"other": ("n", b"1")})
    assert r.status_code == 400
    assert r.json() == {"file": ["No file was submitted."]}


def test_upload_empty_file(api: Api) -> None:
    r = api.upload("/x", "empty", b"")
    assert r.status_code == 400
    assert r.json() == {"file": ["The submitted file is empty."]}


def test_upload_missing_directory(api: Api) -> None:
    r = api.post("/assets/files/", files={"file": ("n", b"1")})
    assert r.status_code == 400
    assert r.json() == {"directory": ["This field is required."]}


def test_upload_wrong_types(api: Api) -> None:
    r = api.post(
        "/assets/files/",
        data={"directory": "/x", "permissions": "rwxrwxrwx-extra"},
        files={"file": ("n", b"1")},
    )
    assert r.status_code == 400
    assert r.json() == {"permissions": ["Ensure this field has no more than 9 characters."]}


@pytest.mark.parametrize(
    "directory", ["../escape", "/a/../../b", "/..", "a/../../../etc", "/x\x00y"]
)
def test_upload_path_traversal_is_400(api: Api, server: SandboxServer, directory: str) -> None:
    r = api.upload(directory, "evil.txt", b"evil")
    assert r.status_code == 400, r.text
    assert r.json() == OUTSIDE
    # nothing was written anywhere but the blob store
    data_dir = Path(server.data_dir)
    assert not list(data_dir.parent.glob("**/evil.txt"))


def test_list_path_traversal_is_400(api: Api) -> None:
    r = api.get("/assets/files/", params={"path": "/../../other@example.org"})
    assert r.status_code == 400
    assert r.json() == OUTSIDE
    r = api.post(
        "/assets/utils/check_contents_exist/",
        data={"directory": "/../x", "name": "n", "sum_blake3": "0" * 64},
    )
    assert r.status_code == 400
    assert r.json() == OUTSIDE


def test_malformed_multipart(api: Api) -> None:
    r = api.post(
        "/assets/files/",
        data=b'--zzz\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nabc',
        headers={"Content-Type": "multipart/form-data; boundary=zzz"},
    )
    assert r.status_code == 400
    assert r.json()["detail"].startswith("Multipart form parse error")
    r = api.post(
        "/assets/files/",
        data=b"garbage",
        headers={"Content-Type": "multipart/form-data"},
    )
    assert r.status_code == 400
    assert r.json()["detail"].startswith("Multipart form parse error")


def test_retrieve_unknown_and_malformed(api: Api) -> None:
    for ident in (uuid.uuid4().hex, "abc", "../../etc"):
        r = api.get(f"/assets/files/{ident}/")
        assert r.status_code in (404,)
        if r.headers["Content-Type"].startswith("application/json"):
            assert r.json() == {"detail": "No File matches the given query."}


def _names(api: Api, path: str) -> list[str]:
    r = api.get("/assets/files/", params={"path": path, "page_size": 100})
    assert r.status_code == 200
    return sorted(f"{f['directory'].split('/', 3)[3]}/{f['name']}" for f in r.json()["results"])


def test_prefix_semantics(api: Api) -> None:
    for directory in ("/a", "/ab", "/a/sub", "/b"):
        api.upload(directory, "f.txt", directory.encode())
    assert _names(api, "/a") == ["a/f.txt", "a/sub/f.txt", "ab/f.txt"]  # `/a` matches `/ab`
    assert _names(api, "/a/") == ["a/f.txt", "a/sub/f.txt", "ab/f.txt"]
    assert _names(api, "/a/sub") == ["a/sub/f.txt"]
    assert _names(api, "/a/f.txt") == ["a/f.txt"]  # exact file match
    assert _names(api, "/zzz") == []


def test_pagination(api: Api) -> None:
    for i in range(7):
        api.upload("/pages", f"f{i}.txt", f"file {i}".encode())
    r = api.get("/assets/files/", params={"path": "/pages", "page_size": 3, "extra": "ignored"})
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 7
    assert len(body["results"]) == 3
    assert body["previous"] is None
    assert body["warnings"] == []
    seen = [f["name"] for f in body["results"]]
    url = body["next"]
    assert "page=2" in url
    assert "extra=ignored" in url
    assert "page_size=3" in url
    while url:
        page = api.get(url).json()
        seen += [f["name"] for f in page["results"]]
        assert page["previous"] is not None
        url = page["next"]
    assert seen == [f"f{i}.txt" for i in range(7)]

    r = api.get("/assets/files/", params={"path": "/pages", "page_size": 3, "page": 4})
    assert r.status_code == 404
    assert r.json() == {"detail": "Invalid page."}
    for bad in ("0", "x", "-1"):
        r = api.get("/assets/files/", params={"path": "/pages", "page": bad})
        assert r.status_code == 404
        assert r.json() == {"detail": "Invalid page."}


def test_page_size_capped_and_defaults(api: Api) -> None:
    for i in range(35):
        api.upload("/many", f"m{i:02}", f"{i}".encode())
    r = api.get("/assets/files/", params={"path": "/many", "page_size": 10**9})
    assert len(r.json()["results"]) == 35  # capped at 100, fewer exist
    r = api.get("/assets/files/", params={"path": "/many"})
    assert len(r.json()["results"]) == 30
    for bad in ("abc", "0", "-5"):
        r = api.get("/assets/files/", params={"path": "/many", "page_size": bad})
        assert r.status_code == 200
        assert len(r.json()["results"]) == 30


def test_temporal_filter_warnings_and_errors(api: Api) -> None:
    api.upload("/t", "rf@1719496800.000.h5", b"a")
    api.upload("/t", "rf@1719500400.000.h5", b"b")
    api.upload("/t", "drf_properties.h5", b"c")
    r = api.get(
        "/assets/files/",
        params={
            "path": "/t",
            "start_time": "2024-06-27T13:59:00+00:00",
            "end_time": "2024-06-27T14:30:00Z",
        },
    )
    assert sorted(f["name"] for f in r.json()["results"]) == [
        "drf_properties.h5",
        "rf@1719496800.000.h5",
    ]
    r = api.get("/assets/files/", params={"path": "/t", "start_time": "2024-06-27T14:00:00"})
    assert len(r.json()["results"]) == 3
    assert r.json()["warnings"]
    r = api.get("/assets/files/", params={"path": "/t", "start_time": "yesterday", "end_time": "x"})
    assert r.status_code == 400
    assert r.json()["detail"].startswith("Invalid start_time")


def test_isolation_between_users(make_api) -> None:  # type: ignore[no-untyped-def]
    alice, bob = make_api(), make_api()
    uid = alice.upload("/private", "secret.txt", b"alice only").json()["uuid"]
    assert bob.get("/assets/files/", params={"path": "/"}).json()["count"] == 0
    assert bob.get("/assets/files/", params={"path": "/private"}).json()["count"] == 0
    r = bob.get(f"/assets/files/{uid}/")
    assert r.status_code == 403
    assert r.json() == {"detail": "You do not have permission to access this file."}
    r = bob.get(f"/assets/files/{uid}/download/")
    assert r.status_code == 403
    assert r.json() == {"detail": "You do not have permission to download this file."}
    assert bob.delete(f"/assets/files/{uid}/").status_code == 404
    r = bob.post(
        "/assets/utils/check_contents_exist/",
        data={
            "directory": "/private",
            "name": "secret.txt",
            "sum_blake3": blake3_bytes(b"alice only"),
        },
    )
    assert r.json()["file_contents_exist_for_user"] is False
    assert alice.get(f"/assets/files/{uid}/download/").content == b"alice only"


def test_download_headers_and_range(api: Api) -> None:
    data = bytes(range(256)) * 100
    uid = api.upload("/r", "range.bin", data, "application/x-test").json()["uuid"]
    r = api.get(f"/assets/files/{uid}/download/")
    assert r.status_code == 200
    assert r.content == data
    assert r.headers["Content-Type"] == "application/x-test"
    assert r.headers["Content-Disposition"] == 'attachment; filename="range.bin"'
    assert r.headers["Content-Length"] == str(len(data))

    # production ignores Range: 200 and the whole body, in every form
    for rng in ("bytes=100-199", "bytes=-10", "bytes=25000-", "bytes=999999-"):
        r = api.get(f"/assets/files/{uid}/download/", headers={"Range": rng})
        assert (r.status_code, r.content) == (200, data)
        assert "Content-Range" not in r.headers


def test_range_honoured_only_with_the_switch(api: Api, server: SandboxServer) -> None:
    data = bytes(range(256)) * 100
    uid = api.upload("/r", "range.bin", data, "application/x-test").json()["uuid"]
    server.faults.honour_range(True)
    r = api.get(f"/assets/files/{uid}/download/", headers={"Range": "bytes=100-199"})
    assert r.status_code == 206
    assert r.content == data[100:200]
    assert r.headers["Content-Range"] == f"bytes 100-199/{len(data)}"
    r = api.get(f"/assets/files/{uid}/download/", headers={"Range": "bytes=25000-"})
    assert r.status_code == 206
    assert r.content == data[25000:]
    r = api.get(f"/assets/files/{uid}/download/", headers={"Range": "bytes=-10"})
    assert r.content == data[-10:]
    r = api.get(f"/assets/files/{uid}/download/", headers={"Range": "bytes=999999-"})
    assert r.status_code == 416
    assert r.headers["Content-Range"] == f"bytes */{len(data)}"


def test_delete_and_detach(api: Api, server: SandboxServer, email: str) -> None:
    uid = api.upload("/del", "x", b"x").json()["uuid"]
    other = api.upload("/del", "y", b"y").json()["uuid"]
    dataset = server.create_dataset(email, "d", file_uuids=[other])
    r = api.delete(f"/assets/files/{other}/")
    assert r.status_code == 403
    assert r.json()["detail"].startswith("Cannot delete file 'y': it is associated with")
    r = api.put(f"/assets/files/{other}/detach-from-datasets/")
    assert r.json() == {"message": "File detached from draft/private datasets successfully"}
    assert api.delete(f"/assets/files/{other}/").status_code == 204
    r = api.delete(f"/assets/files/{uid}/")
    assert r.status_code == 204
    assert r.content == b""
    assert api.get(f"/assets/files/{uid}/").status_code == 404
    assert api.get(f"/assets/datasets/{dataset}/").status_code == 200


def test_put_does_not_persist(api: Api, email: str) -> None:
    uid = api.upload("/p", "orig.txt", b"p").json()["uuid"]
    r = api.put(f"/assets/files/{uid}/", data={"directory": "/moved", "name": "new.txt"})
    assert r.status_code == 200
    assert r.json()["name"] == "new.txt"
    assert r.json()["directory"] == f"/files/{email}/moved"
    assert api.get(f"/assets/files/{uid}/").json()["name"] == "orig.txt"
    r = api.put(f"/assets/files/{uid}/", data={"name": "n"})
    assert r.status_code == 400
    assert r.json() == {"detail": "No directory provided."}


def test_users_me(api: Api, email: str) -> None:
    body = api.get("/users/me/").json()
    assert body["email"] == email


def test_no_trailing_slash_does_not_500(server: SandboxServer, api: Api) -> None:
    r = requests.get(
        f"{server.url}/api/v1/auth", headers=api.headers(), timeout=10, allow_redirects=False
    )
    assert r.status_code in (301, 308)


def test_paged_listing_sees_every_write_between_pages(api, server, email) -> None:
    server.bulk_files(email, "/many", 250)
    first = api.get("/assets/files/", params={"path": "/many", "page_size": 100}).json()
    assert first["count"] == 250
    assert api.upload("/many", "late.bin", b"late").status_code == 201
    again = api.get("/assets/files/", params={"path": "/many", "page_size": 100}).json()
    assert again["count"] == 251  # the cached listing was dropped by the write
    names = set()
    page = 1
    while True:
        body = api.get(
            "/assets/files/", params={"path": "/many", "page_size": 100, "page": page}
        ).json()
        names.update(r["name"] for r in body["results"])
        if body["next"] is None:
            break
        page += 1
    assert len(names) == 251
    assert "late.bin" in names
