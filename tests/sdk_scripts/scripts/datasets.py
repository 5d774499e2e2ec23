"""The SDK README's "Dataset API": inspect a dataset, attach a capture, download parts."""

import os
from pathlib import Path

from spectrumx.client import Client
from spectrumx.models.captures import CaptureType

sds = Client(host=os.environ["SDS_HOST"], env_file=Path(".env"))
sds.dry_run = False
sds.authenticate()
dataset_uuid = os.environ["DATASET_UUID"]
scan_group = Path("scan_group.txt").read_text(encoding="utf-8").strip()

assert all(sds.upload(local_path=Path("rh_scans"), sds_path="/survey", verbose=False))
capture = sds.captures.create(
    top_level_dir=Path("/survey"), capture_type=CaptureType.RadioHound, scan_group=scan_group
)

dataset = sds.get_dataset(dataset_uuid=dataset_uuid)
print(f"Dataset: {dataset.name}")
assert dataset.name == "survey 2024"

ds = sds.add_capture_to_dataset(dataset_uuid=dataset_uuid, capture_uuid=capture.uuid)
assert ds.name == "survey 2024"

captures = sds.list_dataset_captures(dataset_uuid=dataset_uuid)
for cap in captures:
    print(f"Capture: {cap['uuid']}")
assert [cap["top_level_dir"] for cap in captures] == ["/survey"]

artifacts = sds.list_dataset_artifact_files(dataset_uuid=dataset_uuid)
assert [a["name"] for a in artifacts] == ["notes.txt"]

everything = sds.download_dataset(dataset_uuid=dataset_uuid, to_local_path="dataset_downloads")
assert all(everything)
assert sorted(p.name for p in Path("dataset_downloads").rglob("*") if p.is_file()) == [
    "notes.txt",
    "scan-0.rh.json",
    "scan-1.rh.json",
]

by_capture = sds.download_dataset(
    dataset_uuid=dataset_uuid,
    to_local_path="by_capture",
    capture_uuids=[str(captures[0]["uuid"])],
    artifacts_only=False,
)
assert len(by_capture) == 2
assert all(by_capture)

by_dir = sds.download_dataset(
    dataset_uuid=dataset_uuid,
    to_local_path="dataset_downloads_filtered",
    top_level_dirs=["/survey"],
    overwrite=False,
)
assert sorted(r().name for r in by_dir) == ["scan-0.rh.json", "scan-1.rh.json"]

only_artifacts = sds.download_dataset(
    dataset_uuid=dataset_uuid, to_local_path="artifacts", artifacts_only=True
)
assert [r().name for r in only_artifacts] == ["notes.txt"]

files = sds.datasets.get_files(dataset.uuid)
assert len(list(files)) == 3

assert sds.detach_file_from_datasets(file_uuid=artifacts[0]["uuid"])
assert sds.list_dataset_artifact_files(dataset_uuid=dataset_uuid) == []
print("datasets: ok")
