"""``upload_capture`` / ``upload_multichannel_drf_capture`` with the HTTP mocked: the
preflight (``sds_desktop.core.recordings``) first, the per-file uploads, then creation."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
import responses

from sds_desktop.core.capture_models import CaptureType
from sds_desktop.core.client import Client
from sds_desktop.core.errors import CaptureError, SDSError
from sds_desktop.core.recordings import PreflightError
from tests.core.conftest import BASE, TOKEN, file_json, policy
from tests.core.test_captures_datasets import CAPS, cap_json
from tests.rfgen import long_name, make_drf, make_rh, make_sigmf


def _client() -> Client:
    return Client(
        "sds.test",
        env_file=Path("/nonexistent/sds.env"),
        env_config={"SDS_SECRET_TOKEN": TOKEN, "DRY_RUN": "false"},
        retry=policy(),
    )


def _accept_uploads(rsps: responses.RequestsMock) -> list[str]:
    """Mock the per-file upload steps; returns the names uploaded, in order."""
    names: list[str] = []
    rsps.post(
        f"{BASE}/assets/utils/check_contents_exist/",
        json={
            "file_exists_in_tree": False,
            "file_contents_exist_for_user": False,
            "user_mutable_attributes_differ": True,
            "asset_id": None,
        },
    )

    def on_upload(request: Any) -> tuple[int, dict[str, str], str]:
        raw = request.body.read() if hasattr(request.body, "read") else request.body
        fields = dict(re.findall(rb'name="(\w+)"\r\n\r\n([^\r]*)\r\n', raw))
        name = fields[b"name"].decode()
        directory = fields[b"directory"].decode()
        payload = raw.split(b'filename="', 1)[1].split(b"\r\n\r\n", 1)[1].rsplit(b"\r\n--", 1)[0]
        names.append(f"{directory}/{name}")
        reply = file_json(name=name, directory=directory, content=payload)
        return 201, {"Content-Type": "application/json"}, json.dumps(reply)

    rsps.add_callback(responses.POST, f"{BASE}/assets/files/", callback=on_upload)
    return names


def test_upload_capture_blocking_preflight_sends_nothing(
    rsps: responses.RequestsMock, tmp_path: Path
) -> None:
    group = str(uuid.uuid4())
    make_rh(tmp_path / "rh", scan_group=group)
    (tmp_path / "rh" / long_name(101, ".txt")).write_text("101 characters: refused by SDS")
    client = _client()
    with pytest.raises(PreflightError) as info:
        client.upload_capture(
            local_path=tmp_path / "rh", sds_path="/rh", capture_type="rh", scan_group=group
        )
    assert any(p.blocking for p in info.value.problems)
    assert len(rsps.calls) == 0  # not a byte moved
    assert (
        client.upload_capture(
            local_path=tmp_path / "rh",
            sds_path="/rh",
            capture_type="rh",
            scan_group=group,
            raise_on_error=False,
        )
        is None
    )
    assert len(rsps.calls) == 0


def test_upload_capture_failed_creation_keeps_files(
    rsps: responses.RequestsMock, tmp_path: Path
) -> None:
    make_drf(tmp_path / "westford")
    uploaded = _accept_uploads(rsps)
    rsps.post(CAPS, status=500, body="<html>Server Error</html>", content_type="text/html")
    client = _client()
    with pytest.raises(CaptureError, match=r"^SDS failed to index this channel \(HTTP 500\)$"):
        client.upload_capture(
            local_path=tmp_path / "westford",
            sds_path="/westford",
            capture_type=CaptureType.DigitalRF,
            channel="ch0",
            verbose=False,
        )
    assert "/westford/ch0/drf_properties.h5" in uploaded
    assert not [c for c in rsps.calls if c.request.method == "DELETE"]  # files stay


def test_upload_multichannel_links_existing_and_rolls_back_its_own(
    rsps: responses.RequestsMock, tmp_path: Path
) -> None:
    make_drf(tmp_path / "array", channels=("ch0", "ch1", "ch2"))
    _accept_uploads(rsps)
    existing, made = uuid.uuid4(), uuid.uuid4()
    taken = (
        "drf_unique_channel_and_tld: This channel and top level directory are already in "
        f"use by another capture: {existing}"
    )

    def on_create(request: Any) -> tuple[int, dict[str, str], str]:
        channel = parse_qs(str(request.body))["channel"][0]
        if channel == "ch0":
            return 400, {}, json.dumps({"detail": taken})
        if channel == "ch1":
            return 201, {}, json.dumps(cap_json(uuid=str(made), channel="ch1"))
        return 400, {}, json.dumps({"detail": "No channels found: ch2"})

    rsps.add_callback(responses.POST, CAPS, callback=on_create)
    rsps.get(f"{CAPS}{existing.hex}/", json=cap_json(uuid=str(existing), channel="ch0"))
    rsps.delete(f"{CAPS}{made.hex}/", status=204)
    client = _client()
    with pytest.raises(CaptureError, match=r"ch2.*No channels found"):
        client.upload_multichannel_drf_capture(
            local_path=tmp_path / "array", sds_path="/array", channels=["ch0", "ch1", "ch2"]
        )
    deleted = [c.request.url for c in rsps.calls if c.request.method == "DELETE"]
    assert deleted == [f"{CAPS}{made.hex}/"]  # only the capture this call made


def test_upload_multichannel_success(rsps: responses.RequestsMock, tmp_path: Path) -> None:
    make_drf(tmp_path / "array", channels=("ch0", "ch1"))
    _accept_uploads(rsps)

    def on_create(request: Any) -> tuple[int, dict[str, str], str]:
        channel = parse_qs(str(request.body))["channel"][0]
        return 201, {}, json.dumps(cap_json(channel=channel, top_level_dir="/array"))

    rsps.add_callback(responses.POST, CAPS, callback=on_create)
    made = _client().upload_multichannel_drf_capture(
        local_path=tmp_path / "array", sds_path="/array", channels=["ch0", "ch1"], verbose=False
    )
    assert made is not None
    assert [c.channel for c in made] == ["ch0", "ch1"]
    assert all(c.top_level_dir == "/array" for c in made)


def test_ignore_preflight_goes_on(rsps: responses.RequestsMock, tmp_path: Path) -> None:
    """The caller's way past the preflight: the upload and creation happen as asked."""
    make_drf(tmp_path / "westford", metadata_fields=1)  # SDS fails on one field
    uploaded = _accept_uploads(rsps)
    rsps.post(CAPS, status=201, json=cap_json(top_level_dir="/westford"))
    client = _client()
    kwargs = {"local_path": tmp_path / "westford", "sds_path": "/westford", "channel": "ch0"}
    with pytest.raises(PreflightError, match="metadata"):
        client.upload_capture(capture_type="drf", **kwargs)
    assert uploaded == []
    made = client.upload_capture(capture_type="drf", ignore_preflight=True, **kwargs)
    assert made is not None
    assert "/westford/ch0/drf_properties.h5" in uploaded


def test_sigmf_cannot_become_a_capture(rsps: responses.RequestsMock, tmp_path: Path) -> None:
    make_sigmf(tmp_path / "sig")
    with pytest.raises(PreflightError) as info:
        _client().upload_capture(
            local_path=tmp_path / "sig", sds_path="/sig", capture_type=CaptureType.SigMF
        )
    assert "sigmf-no-capture" in [p.code for p in info.value.problems]
    assert len(rsps.calls) == 0


def test_a_failed_file_stops_the_capture(rsps: responses.RequestsMock, tmp_path: Path) -> None:
    group = str(uuid.uuid4())
    make_rh(tmp_path / "rh", scan_group=group)
    rsps.post(
        f"{BASE}/assets/utils/check_contents_exist/", status=503, json={"detail": "maintenance"}
    )
    client = _client()
    with pytest.raises(SDSError, match="maintenance"):
        client.upload_capture(
            local_path=tmp_path / "rh", sds_path="/rh", capture_type="rh", scan_group=group
        )
    kwargs = {"local_path": tmp_path / "rh", "sds_path": "/rh", "scan_group": group}
    assert client.upload_capture(capture_type="rh", raise_on_error=False, **kwargs) is None
    assert not [c for c in rsps.calls if c.request.url == CAPS]  # no capture was asked for
