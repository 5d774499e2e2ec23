"""Single-file operations of the SDK: list, get, download one, metadata only, delete."""

import os
from pathlib import Path

from spectrumx.client import Client

sds = Client(host=os.environ["SDS_HOST"], env_file=Path(".env"))
sds.dry_run = False
sds.authenticate()
scheme_host, port = sds.base_url.rsplit(":", 1)
assert sds.base_url.startswith("http://")
assert port.isdigit()
assert sds.base_url_no_port == scheme_host
assert sds.config is not None
assert sds.gateway is not None
sds.verbose = True
assert sds.verbose
sds.verbose = False

local = Path("files_demo")
local.mkdir()
for i in range(3):
    (local / f"part_{i}.txt").write_text(f"part {i}\n" * (i + 1), encoding="utf-8")
assert all(sds.upload(local_path=local, sds_path="/files_demo", verbose=False))

files = list(sds.list_files(sds_path="/files_demo"))
assert sorted(f.name for f in files) == ["part_0.txt", "part_1.txt", "part_2.txt"]
for entry in files:
    print(f"{entry.name}: {entry.size} B")

first = sds.get_file(file_uuid=files[0].uuid)
assert first.name == files[0].name
assert first.size == files[0].size

one = sds.download_file(file_uuid=first.uuid, to_local_path=Path("one.txt"))
assert Path("one.txt").read_bytes() == (local / first.name).read_bytes()
assert one.name == first.name

Path("single").mkdir()
single = sds.download_single_file(
    file_info=files[1], to_local_path=Path("single"), skip_contents=False, overwrite=False
)
assert single
(copy,) = Path("single").rglob(files[1].name)
assert copy.read_bytes() == (local / files[1].name).read_bytes()

meta_only = sds.download(
    files_to_download=files, to_local_path=Path("meta"), skip_contents=True, verbose=False
)
assert len(meta_only) == 3
assert all(meta_only)
assert not any(p.is_file() for p in Path("meta").rglob("*"))

assert sds.detach_file_from_datasets(file_uuid=files[2].uuid)
assert sds.delete_file(file_uuid=files[2].uuid)
assert len(list(sds.list_files(sds_path="/files_demo"))) == 2
print("files: ok")
