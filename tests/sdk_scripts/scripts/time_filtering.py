# ruff: noqa: UP017, DTZ001  (as in the SDK README: timezone.utc, and naive datetimes on purpose)
"""The SDK README's "Time Filtering", on a Digital RF capture uploaded with upload_capture."""

import os
from datetime import datetime, timezone
from pathlib import Path

from spectrumx.client import Client
from spectrumx.models.captures import CaptureType

sds = Client(host=os.environ["SDS_HOST"], env_file=Path(".env"))
sds.dry_run = False
sds.authenticate()

capture = sds.upload_capture(
    local_path=Path("westford"),
    sds_path="/my/spectrum/files",
    capture_type=CaptureType.DigitalRF,
    channel="ch0",
    verbose=False,
)
assert capture is not None
assert capture.channel == "ch0"

# the recording runs 2024-06-27 14:00:00..14:00:03 UTC
files = sds.list_files(
    sds_path="/my/spectrum/files",
    start_time=datetime(2024, 6, 27, 13, 0, tzinfo=timezone.utc),
    end_time=datetime(2024, 6, 27, 15, 0, tzinfo=timezone.utc),
)
names = []
for entry in files:
    print(f"{entry.name}: {entry.size} B")
    names.append(entry.name)
assert any(n.startswith("rf@") for n in names), names

later = sds.list_files(
    sds_path="/my/spectrum/files",
    start_time=datetime(2025, 6, 1),  # naive datetimes are UTC
    end_time=datetime(2025, 8, 31),
)
later_names = [entry.name for entry in later]  # a listing is iterated once
assert not any(name.startswith("rf@") for name in later_names)
assert "drf_properties.h5" in later_names

results = sds.download(
    from_sds_path="/my/spectrum/files",
    to_local_path="local_downloads",
    start_time=datetime(2024, 6, 27, 13, 0, tzinfo=timezone.utc),
    end_time=datetime(2024, 6, 27, 15, 0, tzinfo=timezone.utc),
    overwrite=False,
)
assert all(results)
assert len(results) == len(names)
assert list(Path("local_downloads").rglob("rf@*.h5"))
print("time filtering: ok")
