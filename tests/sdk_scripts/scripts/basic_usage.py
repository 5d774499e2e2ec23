"""The SDK README's "Basic Usage": upload a folder of files, check, download them again."""

import os
from pathlib import Path
from random import randint, random

from spectrumx.client import Client

sds = Client(host=os.environ["SDS_HOST"], env_file=Path(".env"))  # the token comes from ./.env
sds.dry_run = False
sds.authenticate()

reference_name: str = "my_spectrum_capture"
local_dir: Path = Path(reference_name)
if not local_dir.exists():
    local_dir.mkdir(exist_ok=True)
    num_files = 10
    for file_idx in range(num_files):
        num_lines = randint(10, 100)
        file_name = f"capture_{file_idx}.csv"
        with (local_dir / file_name).open(mode="w", encoding="utf-8") as file_ptr:
            fake_nums = [random() for _ in range(num_lines)]
            file_ptr.write("\n".join(map(str, fake_nums)))

upload_results = sds.upload(local_path=local_dir, sds_path=reference_name, verbose=True)
success_results = [success for success in upload_results if success]
failed_results = [success for success in upload_results if not success]
assert len(failed_results) == 0, f"No failed uploads should be present: {failed_results}"
assert len(success_results) == 10
uploaded = [result() for result in success_results]
assert sorted(f.name for f in uploaded) == sorted(p.name for p in local_dir.iterdir())

local_downloads = Path("sds-downloads") / "files" / reference_name
results = sds.download(
    from_sds_path=reference_name,
    to_local_path=local_downloads,
    overwrite=False,
    verbose=True,
)
assert len(results) == 10
assert all(results)
for original in local_dir.iterdir():
    (copy,) = local_downloads.rglob(original.name)
    assert copy.read_bytes() == original.read_bytes()

# a second upload sends nothing new and still succeeds
again = sds.upload(local_path=local_dir, sds_path=reference_name, verbose=False)
assert all(again)
print("basic usage: ok")
