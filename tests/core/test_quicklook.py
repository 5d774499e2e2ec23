"""core.quicklook: slices of each kind, the FFT's axes, bounded remote reads."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from sds_desktop.core import quicklook as ql
from tests.gui.rf_data import START_SEC, make_drf, make_rh, make_sigmf, rh_doc


def test_compute_puts_a_tone_at_its_frequency() -> None:
    rate, center, tone = 1e6, 2.4e9, 125e3
    t = np.arange(1 << 16) / rate
    samples = ql.Samples(
        np.exp(2j * np.pi * tone * t).astype(np.complex64), rate, center, 1.7e9, "tone"
    )
    look = ql.compute(samples, nfft=1024, max_rows=16)
    assert look.spectrogram_db.shape == (16, 1024)
    assert look.freqs_hz[0] == pytest.approx(center - rate / 2)
    peak = look.freqs_hz[int(np.argmax(look.spectrum_db))]
    assert abs(peak - (center + tone)) <= rate / 1024
    assert look.time_is_utc
    assert look.times[0] == 1.7e9
    assert look.times[1] - look.times[0] == pytest.approx(4 * 1024 / rate, abs=1e-6)  # 64 in 16
    assert samples.samples.size == look.samples_read


def test_compute_survives_garbage_and_real_input() -> None:
    junk = np.frombuffer(bytes(range(256)) * 64, dtype="<f4").astype(np.complex64)
    look = ql.compute(ql.Samples(junk, 1e6, 0.0, None, "junk"))
    assert np.all(np.isfinite(look.spectrum_db))
    assert not look.time_is_utc
    real = ql.compute(ql.Samples(np.sin(np.arange(4096) * 0.3), 1000.0, 0.0, None, "real"))
    assert real.freqs_hz[0] == 0.0
    assert real.freqs_hz[-1] == pytest.approx(500.0)
    with pytest.raises(ql.QuickLookError):
        ql.compute(ql.Samples(np.array([], dtype=np.complex64), 1.0, 0.0, None, "empty"))


def test_read_drf_window(tmp_path: Path) -> None:
    rec = make_drf(tmp_path / "rec", ("ch0", "ch1"), seconds=3, tone_hz=100.0)
    s = ql.read_drf(rec / "ch1", max_samples=500)
    assert s.samples.size == 500
    assert s.sample_rate == 1000.0
    assert s.center_hz == 916e6
    assert s.start == START_SEC
    later = ql.read_drf(rec, channel="ch0", start=START_SEC + 2, max_samples=10_000)
    assert later.start == START_SEC + 2
    assert later.samples.size == 1000  # only what is left of the recording
    look = ql.compute(ql.read_drf(rec / "ch0"), nfft=256)
    peak = look.freqs_hz[int(np.argmax(look.spectrum_db))]
    assert abs(peak - (915e6 + 100.0)) <= 1000 / 256
    with pytest.raises(ql.QuickLookError):
        ql.read_drf(tmp_path)


def test_read_drf_data_file_from_bytes(tmp_path: Path) -> None:
    rec = make_drf(tmp_path / "rec", ("ch0",), seconds=2)
    data_file = sorted(rec.rglob("rf@*.h5"))[1]
    s = ql.read_drf_file_bytes(data_file.read_bytes(), center_hz=915e6, max_samples=300)
    assert s.sample_rate == 1000.0
    assert s.start == START_SEC + 1
    assert s.samples.size == 300
    assert np.iscomplexobj(s.samples)
    with pytest.raises(ql.QuickLookError):
        ql.read_drf_file_bytes(b"not hdf5")


def test_sigmf_window_of_a_huge_file_costs_only_its_slice(tmp_path: Path) -> None:
    make_sigmf(tmp_path, "big", samples=1024)
    data = tmp_path / "big.sigmf-data"
    with data.open("r+b") as fh:
        fh.truncate(10 * 1024**3)  # 10 GiB, sparse: only the first samples are real
    s = ql.read_sigmf(tmp_path / "big.sigmf-meta", offset=0, max_samples=4096)
    assert s.samples.size == 4096
    assert s.bytes_read == 4096 * 8
    assert s.center_hz == 2.412e9
    assert s.start is not None
    far = ql.read_sigmf(data, offset=10**9, max_samples=100)  # the .sigmf-data path works too
    assert far.samples.size == 100
    assert far.start == pytest.approx(s.start + 10**9 / 1e6)


def test_sigmf_from_the_head_of_a_stream(tmp_path: Path) -> None:
    make_sigmf(tmp_path, "rec", samples=4096)
    meta = json.loads((tmp_path / "rec.sigmf-meta").read_text())
    head = (tmp_path / "rec.sigmf-data").read_bytes()[:1001]  # not a whole sample
    s = ql.sigmf_from_bytes(meta, head, truncated=True)
    assert s.samples.size == 125
    assert s.notes
    meta["global"]["core:datatype"] = "cx99"
    with pytest.raises(ql.QuickLookError, match="unsupported SigMF datatype"):
        ql.sigmf_from_bytes(meta, head)
    assert ql.sigmf_dtype("ci16_be") == np.dtype(">i2")


def test_radiohound_periodograms(tmp_path: Path) -> None:
    folder = make_rh(tmp_path / "rh", {"0c4b9d0e-8a1e-4b0e-9d8e-3c1f2a4b5c6d": 4})
    look = ql.read_rh_files(sorted(folder.glob("*.rh.json")))
    assert look.spectrogram_db.shape == (4, 256)
    assert look.freqs_hz[0] >= 2.4e9 - 12e6
    assert look.freqs_hz[-1] <= 2.4e9 + 12e6
    peak = look.freqs_hz[int(np.argmax(look.spectrum_db))]
    assert abs(peak - 2.4e9) < 24e6 / 256 * 2
    assert look.time_is_utc
    assert list(np.diff(look.times)) == [60.0, 60.0, 60.0]
    bad = rh_doc("g", 0)
    bad["data"] = "AAA"  # not base64 of whole bytes
    with pytest.raises(ql.QuickLookError):
        ql.read_rh([bad])


class _Stream:
    def __init__(self, chunks: Iterator[bytes], length: int) -> None:
        self.chunks = chunks
        self.headers = {"Content-Length": str(length)}

    @property
    def content_length(self) -> int:
        return int(self.headers["Content-Length"])


class _Gateway:
    """A gateway whose download is 1 GiB, served lazily: counts what was pulled."""

    def __init__(self, size: int = 1024**3, chunk: int = 1 << 20) -> None:
        self.size, self.chunk, self.pulled, self.opened, self.closed = size, chunk, 0, 0, 0

    def _chunks(self) -> Iterator[bytes]:
        sent = 0
        while sent < self.size:
            n = min(self.chunk, self.size - sent)
            self.pulled += n
            sent += n
            yield b"\0" * n

    @contextlib.contextmanager
    def download_stream(self, uuid: str, *, cancel: object = None) -> Iterator[_Stream]:
        self.opened += 1
        try:
            yield _Stream(self._chunks(), self.size)
        finally:
            self.closed += 1


def test_fetch_head_reads_little_closes_and_caches() -> None:
    gw = _Gateway()
    cache = ql.HeadCache(max_bytes=8 << 20)
    data, complete = ql.fetch_head(gw, "a" * 32, 3 << 20, cache=cache)  # type: ignore[arg-type]
    assert len(data) == 3 << 20
    assert not complete
    assert gw.pulled == 3 << 20
    assert gw.closed == 1
    again, _ = ql.fetch_head(gw, "a" * 32, 2 << 20, cache=cache)  # type: ignore[arg-type]
    assert len(again) == 2 << 20
    assert gw.opened == 1  # served from the cache
    small = _Gateway(size=1000)
    data, complete = ql.fetch_head(small, "b" * 32, 1 << 20, cache=cache)  # type: ignore[arg-type]
    assert complete
    assert len(data) == 1000
    for i in range(5):  # the cache stays within its bound
        ql.fetch_head(_Gateway(), f"{i}" * 32, 3 << 20, cache=cache)  # type: ignore[arg-type]
    assert cache.size <= 8 << 20
