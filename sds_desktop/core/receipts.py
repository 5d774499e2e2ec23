"""Transfer receipts: what a job moved, as CSV and JSON (path, size, BLAKE3, SDS UUID,
result, time), for lab notebooks and audits."""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

__all__ = ["ReceiptRow", "write_receipt"]


@dataclass(frozen=True)
class ReceiptRow:
    direction: str
    local_path: str
    sds_path: str
    size: int
    blake3: str
    sds_uuid: str
    result: str
    error: str
    finished_at: str
    """ISO 8601, UTC; empty when the item has not finished."""

    @staticmethod
    def when(timestamp: float | None) -> str:
        if timestamp is None:
            return ""
        return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")


def _atomic_write(path: Path, text: str) -> None:
    """Write beside ``path`` under a fresh temp name (never an existing link), then rename."""
    fd, tmp = tempfile.mkstemp(prefix=".sds-receipt-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_receipt(rows: Iterable[ReceiptRow], path: Path) -> tuple[Path, Path]:
    """Write ``path`` with ``.csv`` and ``.json`` suffixes; returns both paths."""
    items = list(rows)
    base = Path(path)
    csv_path, json_path = base.with_suffix(".csv"), base.with_suffix(".json")
    fields = list(ReceiptRow.__dataclass_fields__)

    class _Buffer(list[str]):
        def write(self, s: str) -> int:
            self.append(s)
            return len(s)

    buffer = _Buffer()
    writer = csv.DictWriter(buffer, fieldnames=fields)
    writer.writeheader()
    for row in items:
        writer.writerow(asdict(row))
    _atomic_write(csv_path, "".join(buffer))
    document = {
        "generator": "SDS Desktop",
        "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "files": [asdict(row) for row in items],
    }
    _atomic_write(json_path, json.dumps(document, indent=2) + "\n")
    return csv_path, json_path
