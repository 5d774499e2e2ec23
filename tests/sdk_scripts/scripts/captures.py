"""Captures as an SDK user makes and manages them: RadioHound, multi-channel Digital RF."""

import os
from pathlib import Path

from spectrumx.client import Client
from spectrumx.models.captures import CaptureType

sds = Client(host=os.environ["SDS_HOST"], env_file=Path(".env"))
sds.dry_run = False
sds.authenticate()
scan_group = Path("scan_group.txt").read_text(encoding="utf-8").strip()

rh = sds.upload_capture(
    local_path=Path("rh_scans"),
    sds_path="/rh_scans",
    capture_type=CaptureType.RadioHound,
    scan_group=scan_group,
    name="rooftop sweep",
    verbose=False,
)
assert rh is not None
assert rh.capture_type == CaptureType.RadioHound
assert rh.name == "rooftop sweep"

channels = sds.upload_multichannel_drf_capture(
    local_path=Path("array"), sds_path="/array", channels=["ch0", "ch1"], verbose=False
)
assert channels is not None
assert sorted(c.channel for c in channels) == ["ch0", "ch1"]
listed = sds.captures.listing(capture_type=CaptureType.RadioHound)
assert rh.uuid in [c.uuid for c in listed]
read = sds.captures.read(capture_uuid=rh.uuid)
assert len(read.files) == 2

hits = sds.captures.advanced_search(
    field_path="capture_props.center_frequency",
    query_type="range",
    filter_value={"gte": 2.3e9, "lte": 2.5e9},
)
assert rh.uuid in [c.uuid for c in hits]

sds.captures.update(capture_uuid=rh.uuid)
assert sds.captures.detach_from_datasets(capture_uuid=rh.uuid)
assert sds.captures.revoke_share_permissions(capture_uuid=rh.uuid)
assert sds.captures.delete(capture_uuid=rh.uuid)
assert rh.uuid not in [c.uuid for c in sds.captures.listing()]
print("captures: ok")
