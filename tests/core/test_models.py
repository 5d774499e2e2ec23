from __future__ import annotations

import uuid

import pytest

from sds_desktop.core.errors import ServiceError
from sds_desktop.core.models import Capture, ContentCheck, Dataset, SDSFile
from tests.core.conftest import EMAIL, file_json


def test_file_from_list_and_upload_shapes() -> None:
    listed = SDSFile.from_json(file_json(directory=f"/files/{EMAIL}/a/b"))
    assert listed.directory == "/a/b"
    assert listed.owner_email == EMAIL
    assert len(listed.uuid) == 32
    assert listed.safe
    upload = file_json(directory="/a/b")
    del upload["owner"], upload["captures"], upload["datasets"], upload["is_public"]
    f = SDSFile.from_json(upload)
    assert f.directory == "/a/b"
    assert f.owner_email is None
    assert f.sds_path == "/a/b/a.bin"
    root = SDSFile.from_json(file_json(directory=f"/files/{EMAIL}"))
    assert root.sds_path == "/a.bin"
    assert hash(f)  # usable in sets


@pytest.mark.parametrize(
    "change",
    [
        {"uuid": "not-a-uuid"},
        {"uuid": None},
        {"size": "12"},
        {"size": True},
        {"size": -1},
        {"sum_blake3": "abc"},
        {"name": 5},
        {"captures": "x"},
    ],
)
def test_file_malformed(change: dict[str, object]) -> None:
    data = file_json()
    data.update(change)
    with pytest.raises(ServiceError, match="malformed server reply"):
        SDSFile.from_json(data)


def test_not_an_object() -> None:
    with pytest.raises(ServiceError):
        SDSFile.from_json([1])


def test_content_check() -> None:
    asset = uuid.uuid4()
    c = ContentCheck.from_json(
        {
            "file_exists_in_tree": True,
            "file_contents_exist_for_user": True,
            "user_mutable_attributes_differ": False,
            "asset_id": str(asset),
        }
    )
    assert c.asset_id == asset.hex
    with pytest.raises(ServiceError):
        ContentCheck.from_json({"file_exists_in_tree": "yes"})


def test_capture_and_composite() -> None:
    single = Capture.from_json(
        {
            "uuid": str(uuid.uuid4()),
            "capture_type": "drf",
            "top_level_dir": "/x",
            "channel": "ch0",
            "index_name": "captures-drf",
            "origin": "user",
            "capture_props": {"samples_per_second": 10},
            "owner": {"email": EMAIL},
        }
    )
    assert single.channel == "ch0"
    assert single.capture_props["samples_per_second"] == 10
    assert single.owner_email == EMAIL
    composite = Capture.from_json(
        {
            "uuid": str(uuid.uuid4()),
            "capture_type": "drf",
            "top_level_dir": "/x",
            "is_multi_channel": True,
            "channels": [{"channel": "a"}, {"channel": "b"}],
        }
    )
    assert composite.channel is None
    assert composite.is_multi_channel
    assert len(composite.channels) == 2
    with pytest.raises(ServiceError):
        Capture.from_json({"uuid": str(uuid.uuid4())})


def test_dataset_keeps_production_shapes() -> None:
    d = Dataset.from_json(
        {
            "uuid": str(uuid.uuid4()),
            "name": "DS",
            "authors": [{"name": "A", "orcid_id": "x"}],
            "institutions": "['ND']",
            "keywords": ["rf"],
        }
    )
    assert d.authors == [{"name": "A", "orcid_id": "x"}]
    assert d.institutions == "['ND']"
    assert d.raw["name"] == "DS"


def test_server_times_become_aware_in_the_servers_zone() -> None:
    from datetime import UTC, datetime

    from sds_desktop.core.models import parse_server_time

    # list/retrieve: naive New York local time (EST in January: UTC-5)
    naive = parse_server_time("2026-01-15 10:00:00")
    assert naive is not None
    assert naive.astimezone(UTC) == datetime(2026, 1, 15, 15, 0, tzinfo=UTC)
    # upload reply: ISO 8601 with offset, kept as given
    aware = parse_server_time("2026-07-01T12:00:00.123456+00:00")
    assert aware is not None
    assert aware.astimezone(UTC).hour == 12
    assert parse_server_time("") is None
    assert parse_server_time("not a date") is None
