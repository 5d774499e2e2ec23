"""scan(): the recordings found under a folder, summarised from their metadata."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import digital_rf
import pytest
import sigmf

from sds_desktop.core import Recording, scan
from sds_desktop.core.errors import FileError
from sds_desktop.core.recordings import Channel, verify
from sds_desktop.core.recordings.model import format_duration, format_frequency, format_rate
from tests import rfgen

T0 = datetime(2024, 6, 27, 14, 0, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder with a 2-channel Digital RF recording, SigMF (pair + archive), RH."""
    root = tmp_path_factory.mktemp("rf")
    rfgen.make_drf(root / "westford", ("ch0", "ch1"), files=3)
    rfgen.make_sigmf(root / "sigmf", "beacon", samples=256)
    rfgen.make_sigmf(root / "sigmf", "packed", samples=128, archive=True)
    rfgen.make_rh(root / "rh", count=3, scan_group="0f26fbeb-5d9c-4c1e-9a66-3c8f0b3f6a10")
    rfgen.make_rh(root / "rh", count=2, scan_group=None, name="loose")
    (root / "notes.txt").write_text("not a recording")
    return root


@pytest.fixture(scope="module")
def found(tree: Path) -> list[Recording]:
    return scan(tree)


def _one(recs: list[Recording], kind: str, name: str) -> Recording:
    matches = [r for r in recs if r.kind == kind and r.name == name]
    assert len(matches) == 1, [r.summary() for r in recs]
    return matches[0]


def test_scan_finds_every_kind(found: list[Recording]) -> None:
    kinds = sorted((r.kind, r.name) for r in found)
    assert kinds == [
        ("drf", "westford"),
        ("rh", "rh"),
        ("rh", "rh [0f26fbeb]"),
        ("sigmf", "beacon"),
        ("sigmf", "packed"),
    ]
    assert all(not r.problems for r in found), [p.message for r in found for p in r.problems]


def test_digital_rf_recording_is_one_top_level_with_its_channels(
    tree: Path, found: list[Recording]
) -> None:
    rec = _one(found, "drf", "westford")
    assert rec.root == tree / "westford"
    assert rec.channels == ("ch0", "ch1")
    assert rec.sample_rate == 100.0
    assert rec.start == T0
    assert rec.start is not None
    assert rec.start.utcoffset() == timedelta(0)
    assert rec.end == T0 + timedelta(seconds=3)
    assert rec.duration == pytest.approx(3.0)
    assert rec.center_frequencies == (915e6, 916e6)
    on_disk = sorted(p for p in (tree / "westford").rglob("*") if p.is_file())
    assert sorted(rec.files) == on_disk
    assert rec.bytes == sum(p.stat().st_size for p in on_disk)
    assert any("one capture per channel" in n for n in rec.notes)


def test_digital_rf_channels_are_broken_down(tree: Path, found: list[Recording]) -> None:
    rec = _one(found, "drf", "westford")
    ch0, ch1 = rec.channel_info
    assert isinstance(ch0, Channel)
    assert (ch0.name, ch1.name) == ("ch0", "ch1")
    assert ch0.path == tree / "westford" / "ch0"
    assert ch0.data_files == 3
    assert ch0.center_frequencies == (915e6,)
    assert ch1.center_frequencies == (916e6,)
    assert set(ch0.metadata_fields) == {"center_frequencies", "gain"}
    assert ch0.is_complex is True
    assert ch0.duration == pytest.approx(3.0)
    assert ch0.bytes + ch1.bytes == rec.bytes
    assert all(p.is_relative_to(ch0.path) for p in ch0.files)


def test_digital_rf_figures_agree_with_digital_rf(tree: Path, found: list[Recording]) -> None:
    """The library is the judge: bounds and rate as DigitalRFReader gives them."""
    rec = _one(found, "drf", "westford")
    reader = digital_rf.DigitalRFReader(str(tree / "westford"))
    first, last = reader.get_bounds("ch0")
    sps = float(reader.get_properties("ch0")["samples_per_second"])
    assert rec.channel_info[0].start == datetime.fromtimestamp(first / sps, UTC)
    assert rec.channel_info[0].end == datetime.fromtimestamp((last + 1) / sps, UTC)


def test_scanning_a_channel_folder_gives_its_recording(tree: Path) -> None:
    (rec,) = scan(tree / "westford" / "ch1")
    assert rec.kind == "drf"
    assert rec.root == tree / "westford"
    assert rec.channels == ("ch1",)
    assert rec.center_frequencies == (916e6,)


def test_sigmf_pair(tree: Path, found: list[Recording]) -> None:
    rec = _one(found, "sigmf", "beacon")
    assert rec.root == tree / "sigmf"
    assert rec.files == (tree / "sigmf" / "beacon.sigmf-meta", tree / "sigmf" / "beacon.sigmf-data")
    assert rec.sample_rate == 1e6
    assert rec.center_frequencies == (2.4e9,)
    assert rec.start == T0
    assert rec.duration == pytest.approx(256 / 1e6)
    assert rec.end == T0 + timedelta(seconds=256 / 1e6)
    assert rec.bytes == sum(p.stat().st_size for p in rec.files)
    assert any("cannot make a capture of SigMF" in n for n in rec.notes)
    # sigmf itself reads it back with the same figures
    meta = sigmf.fromfile(str(rec.files[0]))
    assert meta.sample_count == 256


def test_sigmf_archive(tree: Path, found: list[Recording]) -> None:
    rec = _one(found, "sigmf", "packed")
    assert rec.files == (tree / "sigmf" / "packed.sigmf",)
    assert rec.root == tree / "sigmf" / "packed.sigmf"
    assert rec.duration == pytest.approx(128 / 1e6)
    assert rec.center_frequencies == (2.4e9,)


def test_radiohound_grouped_by_scan_group(tree: Path, found: list[Recording]) -> None:
    grouped = _one(found, "rh", "rh [0f26fbeb]")
    assert grouped.scan_groups == ("0f26fbeb-5d9c-4c1e-9a66-3c8f0b3f6a10",)
    assert [p.name for p in grouped.files] == [f"scan-{i}.rh.json" for i in range(3)]
    assert grouped.sample_rate == 24e6
    assert grouped.center_frequencies == (2.4e9, 2.424e9, 2.448e9)
    assert grouped.start == T0
    assert grouped.end == T0 + timedelta(minutes=2)
    loose = _one(found, "rh", "rh")
    assert loose.scan_groups == ()
    assert len(loose.files) == 2
    assert any("no scan_group" in n for n in loose.notes)


def test_summary_is_one_readable_line(found: list[Recording]) -> None:
    rec = _one(found, "drf", "westford")
    line = rec.summary()
    assert "\n" not in line
    assert line.startswith('Digital RF "westford": 2 channels, 100 S/s, 915 MHz to 916 MHz')
    assert "2024-06-27 14:00:00 UTC" in line
    assert f"{len(rec.files)} files" in line
    assert "problem" not in line
    rh_line = _one(found, "rh", "rh [0f26fbeb]").summary()
    assert rh_line.startswith('RadioHound "rh [0f26fbeb]": 3 scans')


def test_scan_single_files(tree: Path) -> None:
    (rec,) = scan(tree / "sigmf" / "beacon.sigmf-data")
    assert rec.name == "beacon"
    assert len(rec.files) == 2
    (rh,) = scan(tree / "rh" / "scan-1.rh.json")
    assert rh.kind == "rh"
    assert len(rh.files) == 1
    assert scan(tree / "notes.txt") == []


def test_scan_of_a_missing_path_is_a_file_error(tmp_path: Path) -> None:
    with pytest.raises(FileError, match="no such file"):
        scan(tmp_path / "nowhere")


def test_empty_folder_has_no_recordings(tmp_path: Path) -> None:
    assert scan(tmp_path) == []


def test_verify_reads_the_data_only_when_asked(tmp_path: Path) -> None:
    rfgen.make_sigmf(tmp_path, "bad", wrong_sha512=True)
    (rec,) = scan(tmp_path)
    assert rec.problems == ()  # the cheap scan does not read the samples
    assert [p.code for p in verify(rec)] == ["sigmf-sha512"]
    (deep,) = scan(tmp_path, deep=True)
    assert [p.code for p in deep.problems] == ["sigmf-sha512"]


def test_an_unreadable_channel_does_not_hide_the_others(tmp_path: Path) -> None:
    top = rfgen.make_drf(tmp_path / "rec", ("bad", "good"))
    (top / "bad" / "drf_properties.h5").write_bytes(b"not hdf5" * 8)
    before = sorted(p for p in top.rglob("*"))
    (rec,) = scan(top)
    bad, good = rec.channel_info
    assert [p.code for p in bad.problems] == ["drf-unreadable"]
    assert good.problems == ()
    assert good.start == T0
    assert good.center_frequencies == (916e6,)
    assert sorted(p for p in top.rglob("*")) == before  # nothing touched on disk


def test_format_helpers() -> None:
    assert format_frequency(915e6) == "915 MHz"
    assert format_frequency(2.4e9) == "2.4 GHz"
    assert format_rate(1e6) == "1 MS/s"
    assert format_duration(3600) == "1 h 0 min"
    assert format_duration(90) == "1 min 30 s"
    assert format_duration(2.5) == "2.5 s"
    assert format_duration(256e-6) == "256 µs"


def _run(code: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return out.stdout.strip()


def test_importing_the_core_does_not_import_the_rf_libraries() -> None:
    code = (
        "import sys\n"
        "import sds_desktop.core\n"
        "from sds_desktop.core import scan, Recording\n"
        "from sds_desktop.core.recordings import preflight, Problem, PreflightError\n"
        "heavy = ('numpy', 'h5py', 'digital_rf', 'sigmf', 'jsonschema')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    assert _run(code) == "[]"


def test_reading_digital_rf_leaves_the_callers_logging_alone(tree: Path) -> None:
    """digital_rf calls logging.basicConfig() on import; a script's root logger stays bare."""
    code = (
        "import logging\n"
        "from sds_desktop.core import scan\n"
        f"recs = scan({str(tree / 'westford')!r})\n"
        "print(len(recs), logging.getLogger().handlers)\n"
    )
    assert _run(code).splitlines()[-1] == "1 []"


def test_rfgen_radiohound_is_valid_json_with_float32_data(tree: Path) -> None:
    import base64

    doc = json.loads((tree / "rh" / "scan-0.rh.json").read_text())
    assert len(base64.b64decode(doc["data"], validate=True)) % 4 == 0
    assert doc["mac_address"] == "f4e11ea46780"


def test_several_recordings_deep_in_a_tree(tmp_path: Path) -> None:
    rfgen.make_drf(tmp_path / "site-a" / "2024" / "rec1", ("ch0",))
    rfgen.make_drf(tmp_path / "site-b" / "rec2", ("rx", "tx"), metadata_fields=0)
    rfgen.make_sigmf(tmp_path / "site-b" / "rec2" / "extras", "side")
    recs = scan(tmp_path)
    assert [(r.kind, r.name, r.channels) for r in recs] == [
        ("drf", "rec1", ("ch0",)),
        ("drf", "rec2", ("rx", "tx")),
        ("sigmf", "side", ()),
    ]


def test_symlinked_folders_are_not_followed(tmp_path: Path) -> None:
    rfgen.make_rh(tmp_path / "rh", count=1)
    (tmp_path / "rh" / "loop").symlink_to(tmp_path, target_is_directory=True)
    (rec,) = scan(tmp_path)  # no loop, and the files are found once
    assert len(rec.files) == 1
