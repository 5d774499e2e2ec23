"""preflight(): production's rules, caught before a byte leaves the disk.

Every known-bad input of issue 9 has a test here, next to the valid recording it is made
from (valid by production's rules, so the test proves the rule, not a broken generator).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import digital_rf
import numpy as np
import pytest
import sigmf
from sigmf.error import SigMFFileError

from sds_desktop.core import scan
from sds_desktop.core.errors import SDSError
from sds_desktop.core.recordings import (
    PreflightError,
    Problem,
    preflight,
    raise_for_problems,
)
from tests import rfgen


def codes(problems: list[Problem]) -> list[str]:
    return [p.code for p in problems]


def _check_message(problem: Problem) -> None:
    """Each problem says what is wrong, what SDS will do, and what the user can do."""
    assert "SDS" in problem.message
    assert problem.message.endswith(".")
    assert len(problem.message.split(". ")) >= 2


# -- valid recordings pass ---------------------------------------------------------------


def test_valid_recordings_have_no_problems(tmp_path: Path) -> None:
    rfgen.make_drf(tmp_path / "drf", ("ch0", "ch1"))
    rfgen.make_drf(tmp_path / "drf-no-meta", ("ch0",), metadata_fields=0)
    rfgen.make_rh(tmp_path / "rh")
    rfgen.make_sigmf(tmp_path / "sigmf")
    (tmp_path / rfgen.long_name(100)).write_bytes(b"exactly 100 is accepted")
    assert preflight(tmp_path / "drf", kind="drf") == []
    assert preflight(tmp_path / "drf-no-meta", kind="drf") == []  # no metadata/: SDS 201
    assert preflight(tmp_path / "rh", kind="rh") == []
    assert preflight(tmp_path / "sigmf") == []  # as files: fine
    assert preflight(tmp_path) == []
    assert preflight(tmp_path, deep=True) == []


def test_unknown_kind_and_missing_path(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown capture type"):
        preflight(tmp_path, kind="wav")
    with pytest.raises(SDSError, match="no such file"):
        preflight(tmp_path / "nowhere")


# -- file names and files still being written --------------------------------------------


def test_101_character_name_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / rfgen.long_name(101)
    bad.write_bytes(b"x")
    (tmp_path / rfgen.long_name(100)).write_bytes(b"y")
    (problem,) = preflight(tmp_path)
    assert problem.code == "name-too-long"
    assert problem.path == bad
    assert problem.blocking
    assert "101 characters" in problem.message
    _check_message(problem)


def test_101_character_name_inside_a_channel_is_in_the_recording(tmp_path: Path) -> None:
    top = rfgen.make_drf(tmp_path / "rec", ("ch0",))
    bad = top / "ch0" / rfgen.long_name(101, ".h5")
    bad.write_bytes(b"x")
    (rec,) = scan(top)
    assert [(p.code, p.path) for p in rec.problems] == [("name-too-long", bad)]
    assert codes(preflight(top, kind="drf")) == ["name-too-long"]  # reported once


def test_tmp_files_are_left_out_and_counted(tmp_path: Path) -> None:
    top = rfgen.make_drf(tmp_path / "rec", ("ch0",), tmp_files=2)
    (rec,) = scan(top)
    assert not any(p.name.startswith("tmp.") for p in rec.files)
    (problem,) = rec.problems
    assert problem.code == "tmp-files"
    assert not problem.blocking
    assert problem.message.startswith("2 files still being written")
    assert preflight(top, kind="drf") == [problem]  # counted once, not per file
    _check_message(problem)


def test_loose_tmp_file_outside_recordings(tmp_path: Path) -> None:
    (tmp_path / "tmp.notes.txt").write_text("being written")
    (tmp_path / "done.txt").write_text("done")
    (problem,) = preflight(tmp_path)
    assert problem.code == "tmp-files"
    assert problem.path == tmp_path
    assert problem.message.startswith("1 file still being written")


# -- Digital RF --------------------------------------------------------------------------


def test_one_metadata_field_fails_capture_creation(tmp_path: Path) -> None:
    top = rfgen.make_drf(tmp_path / "rec", ("ch0", "ch1"), metadata_fields=1)
    problems = preflight(top, kind="drf")
    assert codes(problems) == ["drf-one-metadata-field"] * 2
    assert {p.path for p in problems} == {top / "ch0" / "metadata", top / "ch1" / "metadata"}
    assert all(p.blocking for p in problems)
    assert "HTTP 500" in problems[0].message
    _check_message(problems[0])
    # the reason, as the gateway meets it: the metadata reader returns a bare value
    reader = digital_rf.DigitalRFReader(str(top))
    first, _ = reader.get_bounds("ch0")
    flat = reader.get_digital_metadata("ch0").read_flatdict(start_sample=first, method="ffill")
    assert not isinstance(flat, dict)


@pytest.mark.parametrize("fields", [2, 3])
def test_two_or_more_metadata_fields_are_fine(tmp_path: Path, fields: int) -> None:
    top = rfgen.make_drf(tmp_path / "rec", ("ch0",), metadata_fields=fields)
    assert preflight(top, kind="drf") == []
    (rec,) = scan(top)
    assert len(rec.channel_info[0].metadata_fields) == fields


def test_channel_without_properties(tmp_path: Path) -> None:
    top = rfgen.make_drf(tmp_path / "rec", ("ch0", "ch1"))
    (top / "ch1" / "drf_properties.h5").unlink()
    (rec,) = scan(top)
    assert rec.channels == ("ch0", "ch1")
    problems = preflight(top, kind="drf")
    assert [(p.code, p.path) for p in problems] == [("drf-no-properties", top / "ch1")]
    assert "recreate_properties_file" in problems[0].message
    _check_message(problems[0])


def test_only_channel_without_properties(tmp_path: Path) -> None:
    top = rfgen.make_drf(tmp_path / "rec", ("ch0",), properties=False)
    assert codes(preflight(top, kind="drf")) == ["drf-no-properties"]


def test_channel_without_data_files(tmp_path: Path) -> None:
    top = rfgen.make_drf(tmp_path / "rec", ("ch0",))
    for data in (top / "ch0").rglob("rf@*.h5"):
        data.unlink()
    (problem,) = preflight(top, kind="drf")
    assert problem.code == "drf-no-data"
    _check_message(problem)


def test_corrupt_channel_properties(tmp_path: Path) -> None:
    top = rfgen.make_drf(tmp_path / "rec", ("ch0",))
    (top / "ch0" / "drf_properties.h5").write_bytes(b"\x00" * 64)
    (problem,) = preflight(top, kind="drf")
    assert problem.code == "drf-unreadable"
    _check_message(problem)


def test_corrupt_digital_metadata(tmp_path: Path) -> None:
    top = rfgen.make_drf(tmp_path / "rec", ("ch0",))
    for meta in (top / "ch0" / "metadata").rglob("metadata@*.h5"):
        meta.write_bytes(b"junk" * 16)
    (problem,) = preflight(top, kind="drf")
    assert problem.code == "drf-metadata-unreadable"
    _check_message(problem)


@pytest.mark.parametrize("name", ["ch(1)", "ch+", "a|b"])
def test_channel_name_that_is_a_regular_expression(tmp_path: Path, name: str) -> None:
    top = rfgen.make_drf(tmp_path / "rec", (name,))
    (problem,) = preflight(top, kind="drf")
    assert (problem.code, problem.path) == ("drf-channel-regex", top / name)
    _check_message(problem)


def test_ordinary_channel_names_are_fine(tmp_path: Path) -> None:
    top = rfgen.make_drf(tmp_path / "rec", ("cap-2024-06-27T14-00-00", "rx_1.vpol"))
    assert preflight(top, kind="drf") == []


# -- RadioHound --------------------------------------------------------------------------


def _rh(tmp_path: Path, **kwargs: object) -> list[Problem]:
    rfgen.make_rh(tmp_path / "rh", count=1, **kwargs)
    return preflight(tmp_path / "rh", kind="rh")


def test_missing_mac_address(tmp_path: Path) -> None:
    (problem,) = _rh(tmp_path, drop=("mac_address",))
    assert problem.code == "rh-missing-field"
    assert "'mac_address'" in problem.message
    assert "Field required" in problem.message
    _check_message(problem)


def test_missing_metadata_field(tmp_path: Path) -> None:
    (problem,) = _rh(tmp_path, drop=("metadata.fmax", "short_name"))
    assert problem.code == "rh-missing-field"
    assert "'short_name'" in problem.message
    assert "'metadata.fmax'" in problem.message


@pytest.mark.parametrize("data", ["AAA", "AAAAAA=", "AAAAA"])
def test_unpadded_base64(tmp_path: Path, data: str) -> None:
    (problem,) = _rh(tmp_path, data=data)
    assert problem.code == "rh-bad-base64"
    assert "Data must be base64 encoded" in problem.message
    _check_message(problem)


@pytest.mark.parametrize(("data", "nbytes"), [("AAAA", 3), ("AAAAAAA=", 5), ("AAAAAAAAAA==", 7)])
def test_short_base64_is_not_whole_float32_values(tmp_path: Path, data: str, nbytes: int) -> None:
    assert len(base64.b64decode(data)) == nbytes
    (problem,) = _rh(tmp_path, data=data)
    assert problem.code == "rh-data-size"
    assert f"decodes to {nbytes} bytes" in problem.message
    assert "multiple of element size" in problem.message


def test_data_size_follows_the_declared_type(tmp_path: Path) -> None:
    four_bytes = base64.b64encode(np.zeros(1, np.float32).tobytes()).decode()
    assert _rh(tmp_path, data=four_bytes) == []
    rfgen.make_rh(tmp_path / "f64", count=1, data=four_bytes, type="float64")
    (problem,) = preflight(tmp_path / "f64", kind="rh")
    assert problem.code == "rh-data-size"


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"mac_address": "f4:e1:1e:a4:67:80"}, "mac_address"),
        ({"scan_group": "group-1"}, "scan_group"),
        ({"latitude": 123.0}, "latitude"),
        ({"type": "float33"}, "type"),
        ({"version": "1.0"}, "version"),
        ({"colour": "blue"}, "colour"),
        ({"sample_rate": 0}, "sample_rate"),
    ],
)
def test_invalid_fields(tmp_path: Path, override: dict[str, object], field: str) -> None:
    problems = _rh(tmp_path, **override)
    assert codes(problems) == ["rh-invalid-field"]
    assert f"'{field}'" in problems[0].message


def test_not_json(tmp_path: Path) -> None:
    (tmp_path / "rh").mkdir()
    (tmp_path / "rh" / "broken.rh.json").write_text("{not json")
    (tmp_path / "rh" / "list.rh.json").write_text(json.dumps([1, 2]))
    problems = preflight(tmp_path / "rh", kind="rh")
    assert codes(problems) == ["rh-bad-json", "rh-bad-json"]
    _check_message(problems[0])


def test_every_bad_file_of_a_scan_group_is_reported(tmp_path: Path) -> None:
    rfgen.make_rh(tmp_path, count=2, scan_group="0f26fbeb-5d9c-4c1e-9a66-3c8f0b3f6a10")
    bad = rfgen.rh_document(scan_group="0f26fbeb-5d9c-4c1e-9a66-3c8f0b3f6a10", drop=["gain"])
    (tmp_path / "bad.rh.json").write_text(json.dumps(bad))
    (rec,) = scan(tmp_path)
    assert len(rec.files) == 3
    assert [(p.code, p.path.name if p.path else None) for p in rec.problems] == [
        ("rh-missing-field", "bad.rh.json")
    ]


# -- SigMF -------------------------------------------------------------------------------


def test_sigmf_cannot_become_a_capture(tmp_path: Path) -> None:
    rfgen.make_sigmf(tmp_path)
    assert preflight(tmp_path) == []
    (problem,) = preflight(tmp_path, kind="sigmf")
    assert problem.code == "sigmf-no-capture"
    assert problem.blocking
    _check_message(problem)
    (rec,) = scan(tmp_path)
    assert any("plain files" in note for note in rec.notes)


@pytest.mark.parametrize("delta", [-3, 5, -8])
def test_sigmf_size_mismatch(tmp_path: Path, delta: int) -> None:
    """A partial sample, or fewer samples than the annotation covers."""
    rfgen.make_sigmf(tmp_path, samples=64, sha512=False, size_delta=delta)
    problems = preflight(tmp_path)
    assert set(codes(problems)) == {"sigmf-size"}
    assert all(p.blocking for p in problems)
    _check_message(problems[0])


def test_sigmf_missing_dataset(tmp_path: Path) -> None:
    meta, data = rfgen.make_sigmf(tmp_path)
    data.unlink()
    (problem,) = preflight(tmp_path)
    assert (problem.code, problem.path) == ("sigmf-no-data", meta)


def test_wrong_sha512_only_on_a_deep_check(tmp_path: Path) -> None:
    meta, _data = rfgen.make_sigmf(tmp_path, wrong_sha512=True)
    assert preflight(tmp_path) == []
    (problem,) = preflight(tmp_path, deep=True)
    assert problem.code == "sigmf-sha512"
    _check_message(problem)
    with pytest.raises(SigMFFileError, match="hash"):  # sigmf agrees
        sigmf.fromfile(str(meta))


def test_wrong_sha512_in_an_archive(tmp_path: Path) -> None:
    rfgen.make_sigmf(tmp_path, wrong_sha512=True, archive=True)
    assert codes(preflight(tmp_path, deep=True)) == ["sigmf-sha512"]
    rfgen.make_sigmf(tmp_path / "ok", archive=True)
    assert preflight(tmp_path / "ok", deep=True) == []


def test_sigmf_metadata_not_json_or_off_schema(tmp_path: Path) -> None:
    meta, _ = rfgen.make_sigmf(tmp_path / "a")
    meta.write_text("{oops")
    assert codes(preflight(tmp_path / "a")) == ["sigmf-bad-meta"]
    meta, _ = rfgen.make_sigmf(tmp_path / "b")
    doc = json.loads(meta.read_text())
    doc["global"]["core:sample_rate"] = "fast"
    meta.write_text(json.dumps(doc))
    (problem,) = preflight(tmp_path / "b")
    assert problem.code == "sigmf-invalid"
    assert not problem.blocking  # SDS stores it anyway


# -- kind and raising --------------------------------------------------------------------


def test_kind_filters_the_recordings_and_requires_one(tmp_path: Path) -> None:
    rfgen.make_drf(tmp_path / "rec", ("ch0",), metadata_fields=1)
    rfgen.make_rh(tmp_path / "rh", drop=("mac_address",), count=1)
    assert set(codes(preflight(tmp_path))) == {"drf-one-metadata-field", "rh-missing-field"}
    assert codes(preflight(tmp_path, kind="rh")) == ["rh-missing-field"]
    (problem,) = preflight(tmp_path / "rh", kind="drf")
    assert problem.code == "no-recording"
    _check_message(problem)


def test_preflight_error_carries_every_problem(tmp_path: Path) -> None:
    rfgen.make_drf(tmp_path / "rec", ("ch0",), metadata_fields=1, tmp_files=1)
    problems = preflight(tmp_path / "rec", kind="drf")
    with pytest.raises(PreflightError) as caught:
        raise_for_problems(problems)
    assert isinstance(caught.value, SDSError)
    assert caught.value.problems == problems
    assert "exactly one field" in str(caught.value)
    raise_for_problems([p for p in problems if not p.blocking])  # warnings only: no raise
