"""Answers checked against the real gateway (tools/differential/run.py) and pinned here.

Each test is one scenario of the differential check: the sandbox must keep answering
what production answered, texts included.
"""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path

import pytest

from tests.sandbox.conftest import Api
from tests.sandbox.rfdata import write_drf, write_rh
from tests.sandbox.test_captures_datasets import create, upload_dir

RH_MODEL = "1 validation error for _RadioHoundDataV0\n"
RH_INPUT = "input_value={'center_frequency': 2400...oat32', 'version': 'v0'}, input_type=dict]"


def test_part_filename_limit_is_100(api: Api) -> None:
    assert api.upload("/n", "a" * 96 + ".bin", b"100").status_code == 201
    r = api.upload("/n", "b" * 97 + ".bin", b"101")
    assert (r.status_code, r.json()) == (
        400,
        {"file": ["Ensure this filename has at most 100 characters (it has 101)."]},
    )
    r = api.post(
        "/assets/files/",
        data={"directory": "/n", "name": "n" * 256},
        files={"file": ("short.bin", b"256")},
    )
    assert r.json() == {"name": ["Ensure this field has no more than 255 characters."]}


def test_content_already_owned_stores_the_form_name(api: Api) -> None:
    data = b"dedup content"
    assert api.upload("/a", "orig.bin", data).status_code == 201
    named = api.post(
        "/assets/files/",
        data={"directory": "/b", "name": "given.bin"},
        files={"file": ("orig.bin", data)},
    )
    unnamed = api.post("/assets/files/", data={"directory": "/c"}, files={"file": ("o.bin", data)})
    assert (named.status_code, named.json()["name"]) == (201, "given.bin")
    assert (unnamed.status_code, unnamed.json()["name"]) == (201, "")


@pytest.mark.parametrize(
    ("name", "header"),
    [
        ("plain.bin", 'attachment; filename="plain.bin"'),
        ("café.bin", 'attachment; filename="café.bin"'),  # Latin-1 on the wire
        (
            "спектр-日本.bin",
            "=?utf-8?b?"
            + base64.b64encode('attachment; filename="спектр-日本.bin"'.encode()).decode()
            + "?=",
        ),
    ],
)
def test_download_names(api: Api, name: str, header: str) -> None:
    uid = api.upload("/dl", name, name.encode()).json()["uuid"]
    r = api.get(f"/assets/files/{uid}/download/")
    assert (r.status_code, r.content) == (200, name.encode())
    assert r.headers["Content-Disposition"] == header


def test_missing_slash_is_a_301_to_the_path(api: Api) -> None:
    r = api.get("/auth", allow_redirects=False)
    assert (r.status_code, r.headers["Location"]) == (301, "/api/v1/auth/")
    r = api.get("/assets/files", params={"path": "/"}, allow_redirects=False)
    assert (r.status_code, r.headers["Location"]) == (301, "/api/v1/assets/files/?path=%2F")


def test_authentication_before_method(api: Api) -> None:
    anonymous = Api(api.base, None)
    not_provided = {"detail": "Authentication credentials were not provided."}
    r = anonymous.delete("/assets/files/")
    assert (r.status_code, r.json()) == (401, not_provided)
    r = anonymous.request("PATCH", "/assets/captures/")
    assert (r.status_code, r.json()) == (403, not_provided)
    r = api.delete("/auth/")
    assert (r.status_code, r.json()) == (405, {"detail": 'Method "DELETE" not allowed.'})


@pytest.mark.parametrize(
    ("change", "drop", "text"),
    [
        (
            {"data": "AAAA"},
            (),
            "  Value error, buffer size must be a multiple of element size [type=value_error, "
            + RH_INPUT
            + "\n    For further information visit https://errors.pydantic.dev/2.13/v/value_error",
        ),
        (
            {"data": "AAAAAA"},
            (),
            (
                "data\n  Value error, Data must be base64 encoded [type=value_error, "
                "input_value='AAAAAA', input_type=str]\n"
                "    For further information visit https://errors.pydantic.dev/2.13/v/value_error"
            ),
        ),
        (
            None,
            ("mac_address",),
            "mac_address\n  Field required [type=missing, "
            + RH_INPUT
            + "\n    For further information visit https://errors.pydantic.dev/2.13/v/missing",
        ),
    ],
)
def test_radiohound_validated_as_production(
    api: Api, tmp_path: Path, change: dict | None, drop: tuple, text: str
) -> None:
    group = str(uuid.uuid4())
    upload_dir(api, write_rh(tmp_path / "rh", group, change=change, drop=drop), "/rh")
    r = create(
        api, top_level_dir="/rh", capture_type="rh", index_name="captures-rh", scan_group=group
    )
    assert r.status_code == 400
    prefix, _, report = r.json()["detail"].partition("': ")
    assert prefix.startswith("Error handling metadata for capture '")
    assert report == RH_MODEL + text


def test_radiohound_capture_object(api: Api, tmp_path: Path) -> None:
    group = str(uuid.uuid4())
    upload_dir(api, write_rh(tmp_path / "rh", group), "/rh")
    created = create(
        api, top_level_dir="/rh", capture_type="rh", index_name="captures-rh", scan_group=group
    ).json()
    read = api.get(f"/assets/captures/{created['uuid']}/").json()
    for key in ("capture_start_epoch_sec", "capture_start_iso_utc", "length_of_capture_ms"):
        assert read[key] is None  # production indexes no time span for RadioHound
    props = read["capture_props"]
    assert props["hardware_version"] is None  # the model's defaults are dumped
    assert props["metadata"]["archive_result"] is None
    assert read["data_files_info"] == {
        "total_count": 2,
        "total_size": read["total_file_size"],
        "count": 2,
    }
    assert (created["permission_level"], read["permission_level"]) == (None, "owner")


@pytest.mark.parametrize(("fields", "status"), [(0, 201), (1, 500), (2, 201), (3, 201)])
def test_digital_metadata_fields(api: Api, tmp_path: Path, fields: int, status: int) -> None:
    upload_dir(api, write_drf(tmp_path / "d", metadata_fields=fields), "/d")
    r = create(
        api, top_level_dir="/d", capture_type="drf", channel="ch0", index_name="captures-drf"
    )
    assert r.status_code == status, r.text
    if status == 500:  # production: an HTML error page, not JSON
        assert r.headers["Content-Type"].startswith("text/html")


def test_digital_rf_capture_object(api: Api, tmp_path: Path) -> None:
    upload_dir(api, write_drf(tmp_path / "d"), "/d")
    cap = create(
        api, top_level_dir="/d", capture_type="drf", channel="ch0", index_name="captures-drf"
    ).json()
    assert cap["center_frequency_ghz"] is None  # center_frequencies is a bare float
    assert cap["sample_rate_mhz"] == pytest.approx(0.001)
    assert (cap["length_of_capture_ms"], cap["file_cadence_ms"]) == (2000, 666)
    assert cap["capture_start_display"] == "06/27/2024 10:00:00 AM"
    assert cap["capture_end_iso_utc"] == "2024-06-27T14:00:02Z"
    assert set(cap["capture_props"]["custom_attrs"]) == {"num_subchannels", "index", "receiver_id"}
    assert not any(k.startswith("H5T") for k in cap["capture_props"])
    listed = api.get("/assets/captures/").json()["results"][0]
    assert listed["file_cadence_ms"] is None  # production's bulk path has no cadence


def test_wrong_channel_is_digital_rf_s_message(api: Api, tmp_path: Path, email: str) -> None:
    upload_dir(api, write_drf(tmp_path / "d"), "/d")
    r = create(
        api, top_level_dir="/d", capture_type="drf", channel="chX", index_name="captures-drf"
    )
    assert r.status_code == 400
    text = r.json()["detail"]
    assert ": No channels found: top_level_directory_arg = /" in text
    assert f"/files/{email}/d. If path is correct" in text


def test_sigmf_capture_creation_fails_as_production(api: Api) -> None:
    meta = {"global": {"core:datatype": "cf32_le"}, "captures": [], "annotations": []}
    api.upload("/s", "x.sigmf-meta", json.dumps(meta).encode())
    api.upload("/s", "x.sigmf-data", b"\0" * 64)
    for index in ("captures-sigmf", ""):
        r = create(api, top_level_dir="/s", capture_type="sigmf", index_name=index)
        assert r.status_code == 500
        assert r.headers["Content-Type"].startswith("text/html")
