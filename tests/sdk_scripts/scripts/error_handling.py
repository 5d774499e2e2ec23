"""The SDK README's "Error Handling": typed errors, and batch results that hold them."""

import os
from pathlib import Path

from spectrumx.client import Client
from spectrumx.errors import AuthError, NetworkError, SDSError

bad = Client(host=os.environ["SDS_HOST"], env_config={"SDS_SECRET_TOKEN": "badbadba." + "x" * 32})
bad.dry_run = False
try:
    bad.authenticate()
except NetworkError as err:
    raise SystemExit(f"Failed to connect to the SDS: {err}") from err
except AuthError as err:
    print(f"Failed to authenticate: {err}")
else:
    raise SystemExit("a bad key must not authenticate")

local_dir = Path("my_spectrum_files")
local_dir.mkdir()
for i in range(3):
    (local_dir / f"f{i}.bin").write_bytes(bytes([i]) * 100)

upload_results = bad.upload(local_path=local_dir, sds_path="my_spectrum_files", verbose=False)
success_results = [success for success in upload_results if success]
failed_results = [success for success in upload_results if not success]
assert len(upload_results) == 3
assert not success_results
for result in failed_results:
    try:
        result()  # will raise
    except SDSError as err:
        print(f"Upload failed: {err}")
    else:
        raise SystemExit("a failed result must raise when called")
    assert isinstance(result.exception_or(None), SDSError)

good = Client(host=os.environ["SDS_HOST"], env_file=Path(".env"))
good.dry_run = False
good.authenticate()
upload_results = good.upload(local_path=local_dir, sds_path="my_spectrum_files", verbose=True)
uploaded_files = [result() for result in upload_results if result]
assert len(uploaded_files) == 3
print("error handling: ok")
