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


# -- captures: every production shape read into the same typed fields --------------------


def drf_capture(**props: object) -> dict[str, object]:
    """A Digital RF capture as production lists it (observed field set, trimmed)."""
    return {
        "uuid": str(uuid.uuid4()),
        "capture_type": "drf",
        "top_level_dir": "/westford",
        "channel": "cap-2024-06-27",
        "index_name": "captures-drf",
        "origin": "user",
        "capture_props": {
            "samples_per_second": 2_500_000,
            "start_bound": 1719496800,
            "end_bound": 1719500400,
            "is_complex": True,
            "center_frequencies": 1.42e9,  # ONE frequency: a bare float
            "custom_attrs": {},
            **props,
        },
        "total_file_count": 3601,
        "total_file_size": 123_456_789,
        "center_frequency_ghz": None,
        "capture_start_iso_utc": None,
        "owner": {"id": 1, "email": EMAIL, "name": ""},
        "is_shared": False,
        "files": [
            {
                "uuid": str(uuid.uuid4()),
                "name": "drf_properties.h5",
                "directory": f"/files/{EMAIL}/westford/cap-2024-06-27",
            }
        ],
    }


def test_drf_capture_fields() -> None:
    from datetime import UTC, datetime

    cap = Capture.from_json(drf_capture())
    assert cap.center_frequencies == (1.42e9,)
    assert cap.center_frequency == 1.42e9
    assert cap.sample_rate == 2_500_000
    assert cap.start == datetime(2024, 6, 27, 14, 0, tzinfo=UTC)
    assert cap.end == datetime(2024, 6, 27, 15, 0, tzinfo=UTC)
    assert cap.duration == 3600
    assert cap.files_count == 3601  # the server's count, not the length of a trimmed list
    assert cap.size == 123_456_789
    assert cap.owner_email == EMAIL
    assert cap.owner_name is None  # production sends "" for users without a name
    assert cap.files[0].directory == "/westford/cap-2024-06-27"  # user-relative
    assert cap.label == "westford / cap-2024-06-27"
    several = Capture.from_json(drf_capture(center_frequencies=[9.15e8, 2.4e9]))
    assert several.center_frequencies == (9.15e8, 2.4e9)


def test_capture_props_are_read_only() -> None:
    cap = Capture.from_json(drf_capture())
    assert cap.props["is_complex"] is True
    assert cap.capture_props is cap.props  # the SDK's name
    with pytest.raises(TypeError):
        cap.props["is_complex"] = False  # type: ignore[index]


def test_radiohound_capture_has_no_time_span() -> None:
    from datetime import UTC, datetime

    rh = Capture.from_json(
        {
            "uuid": str(uuid.uuid4()),
            "capture_type": "rh",
            "top_level_dir": "/rh",
            "channel": "",
            "scan_group": str(uuid.uuid4()),
            "capture_props": {
                "center_frequency": 2.4e9,
                "sample_rate": 24_000_000,
                "timestamp": "2024-06-27T14:00:00Z",
                "mac_address": "f4e11ea46780",
            },
            "capture_start_iso_utc": None,
            "capture_end_iso_utc": None,
            "length_of_capture_ms": None,
        }
    )
    assert rh.start is None
    assert rh.end is None
    assert rh.duration is None
    assert rh.timestamp == datetime(2024, 6, 27, 14, 0, tzinfo=UTC)
    assert rh.channel is None  # "" means none
    assert rh.scan_group is not None
    assert rh.center_frequencies == (2.4e9,)
    assert rh.sample_rate == 24_000_000


def test_composite_capture_from_the_listing() -> None:
    composite = Capture.from_json(
        {
            "uuid": str(uuid.uuid4()),
            "capture_type": "drf",
            "top_level_dir": "/array",
            "is_multi_channel": True,
            "channels": [
                {
                    "channel": "ch0",
                    "uuid": str(uuid.uuid4()),
                    "channel_metadata": {"center_freq": 9.15e8},
                },
                {"channel": "ch1", "uuid": str(uuid.uuid4()), "channel_metadata": {}},
            ],
        }
    )
    assert [c.channel for c in composite.channels] == ["ch0", "ch1"]
    assert composite.center_frequencies == (9.15e8,)
    assert composite.props == {}
    assert composite.start is None


def test_capture_numbers_survive_odd_values() -> None:
    odd = Capture.from_json(
        drf_capture(center_frequencies=[True, "915000000", None], samples_per_second="n/a")
    )
    assert odd.center_frequencies == (915e6,)  # booleans are not numbers
    assert odd.sample_rate is None
    fallback = drf_capture(center_frequencies=None)
    fallback["center_frequency_ghz"] = 2.4
    fallback["sample_rate_mhz"] = 10
    del fallback["capture_props"]["samples_per_second"]  # type: ignore[attr-defined]
    cap = Capture.from_json(fallback)
    assert cap.center_frequencies == (2.4e9,)
    assert cap.sample_rate == 10e6


def test_dataset_captures_and_artifacts_are_typed() -> None:
    cid = uuid.uuid4()
    d = Dataset.from_json(
        {
            "uuid": str(uuid.uuid4()),
            "name": "DS",
            "license": "CC-BY-4.0",
            "captures": [
                {
                    "uuid": str(cid),
                    "capture_type": "drf",
                    "top_level_dir": "/array",
                    "is_multi_channel": True,
                    "channels": [{"channel": "ch0", "uuid": str(cid)}],
                },
                {"uuid": "broken"},  # one odd row does not hide the dataset
            ],
            "files": [
                {"uuid": str(uuid.uuid4()), "name": "notes.txt", "directory": f"/files/{EMAIL}/n"}
            ],
        }
    )
    (cap,) = d.captures
    assert cap.uuid == cid.hex
    assert cap.is_multi_channel
    (artifact,) = d.files
    assert artifact.name == "notes.txt"
    assert artifact.directory == "/n"
    assert d.license == "CC-BY-4.0"


def test_capture_times_in_every_form() -> None:
    from datetime import UTC, datetime

    when = datetime(2024, 6, 27, 14, 0, tzinfo=UTC)
    for text in ("2024-06-27T14:00:00Z", "2024-06-27T14:00:00+00:00", "2024-06-27T14:00:00"):
        data = drf_capture(start_bound=None)
        data["capture_start_iso_utc"] = text  # naive: UTC, as the field's name says
        assert Capture.from_json(data).start == when
    data = drf_capture(start_bound=None)
    data["capture_start_iso_utc"] = "yesterday"
    assert Capture.from_json(data).start is None
