# ruff: noqa: S101 - asserts narrow types
"""Queueing, mixed into ``TransferController``: uploads and downloads planned in the
background (folder walks, SDS listings), then added to the queue as jobs.

- ``enqueue_upload(paths, sds_dir)``: local files and folders → one job per dropped
  folder (one item per file), loose files → one job; ``jobAdded(job_id, n_items)``
  fires when the items are queued.
- ``enqueue_download(files_or_sds_paths, local_dir)``: ``SDSFile`` objects land directly
  in ``local_dir``; an SDS folder path ``/x/y`` is listed and lands in ``local_dir/y/...``.
- ``add_planned_job(label, direction, planned)``: specs planned elsewhere (gui.rf).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from sds_desktop.core.models import SDSFile
from sds_desktop.core.paths import join_sds, normalize_sds_path
from sds_desktop.core.queue import Direction, PreparedJob
from sds_desktop.core.transfer import plan_download, plan_upload
from sds_desktop.gui.transfer_plan import (
    Bad,
    LeftOut,
    Planned,
    PlannedJob,
    download_spec,
    existing_files,
    refused_rows,
    split_skipped,
    upload_spec,
)

log = logging.getLogger("sds_desktop.gui.transfers")


class EnqueueMixin:
    """Methods of ``TransferController`` (state lives there: see its ``__init__``)."""

    # the controller's attributes and signals, for readers and type checkers
    queue: Any
    gateway: Any
    account: str
    planner: Any
    _batch: Any
    _files: dict[int, SDSFile]
    _planning: int
    jobAdded: Any  # noqa: N815 - the controller's Qt signals
    planFailed: Any  # noqa: N815
    _pump: Any
    _set_busy: Any

    def enqueue_upload(self, paths: Iterable[Path | str], sds_dir: str) -> None:
        """Queue local files/folders for upload into ``sds_dir`` (planned in background)."""
        local = [Path(p) for p in paths]
        target = normalize_sds_path(sds_dir)
        gateway = self.gateway
        if not local:
            return

        def plan() -> list[PlannedJob]:
            jobs: list[PlannedJob] = []
            loose: list[Planned] = []
            loose_skipped: list[LeftOut] = []
            loose_bad: list[Bad] = []
            for path in local:
                if path.is_dir():
                    where = join_sds(target, path.name)
                    p = plan_upload(path, where)
                    there = existing_files(gateway, where)
                    planned: list[Planned] = [
                        (upload_spec(i), there.get(i.sds_path)) for i in p.items
                    ]
                    quiet, bad = split_skipped(p.skipped, path, where)
                    jobs.append((path.name, planned, quiet, bad))
                else:
                    p = plan_upload(path, target)
                    there = existing_files(gateway, target, names={i.name for i in p.items})
                    loose.extend((upload_spec(i), there.get(i.sds_path)) for i in p.items)
                    quiet, bad = split_skipped(p.skipped, path.parent, target)
                    loose_skipped.extend(quiet)
                    loose_bad.extend(bad)
            if loose or loose_skipped or loose_bad:
                label = loose[0][0].name if len(loose) == 1 else f"{len(loose)} files"
                jobs.insert(0, (label, loose, loose_skipped, loose_bad))
            return jobs

        self._start_planning(plan, Direction.UPLOAD)

    def enqueue_download(self, items: Iterable[SDSFile | str], local_dir: Path | str) -> None:
        """Queue remote files (``SDSFile``) and folders (SDS paths) for download."""
        wanted = list(items)
        root = Path(local_dir)
        gateway = self.gateway
        if not wanted:
            return
        if gateway is None:
            self.planFailed.emit("not signed in")
            return

        def plan() -> list[PlannedJob]:
            jobs: list[PlannedJob] = []
            loose = [f for f in wanted if isinstance(f, SDSFile)]
            refused: list[Bad] = []
            loose_specs: list[Planned] = []
            for f in loose:
                p = plan_download([f], root, base_sds_path=f.directory if f.safe else "/")
                loose_specs.extend((download_spec(i), i.file) for i in p.items)
                refused.extend(refused_rows(p.refused, root))
            if loose:
                label = loose[0].name if len(loose) == 1 else f"{len(loose)} files"
                jobs.append((label, loose_specs, [], refused))
            for folder in (f for f in wanted if isinstance(f, str)):
                norm = normalize_sds_path(folder)
                files = gateway.list_files(norm)
                base = str(PurePosixPath(norm).parent)
                p = plan_download(files, root, base_sds_path=base)
                specs: list[Planned] = [(download_spec(i), i.file) for i in p.items]
                label = PurePosixPath(norm).name or "/"
                jobs.append((label, specs, [], refused_rows(p.refused, root)))
            return jobs

        self._start_planning(plan, Direction.DOWNLOAD)

    def _start_planning(self, plan: object, direction: Direction) -> None:
        """Run ``plan`` on the planner's thread and write its jobs to the queue's journal
        there too (``prepare_job``: SQLite and 20,000 items' objects are ~0.4 s); the GUI
        thread only puts the prepared jobs in the queue (``publish``, ~30 ms)."""
        self._planning += 1
        self._set_busy(busy=True)
        queue, account = self.queue, self.account
        assert callable(plan)

        def plan_and_journal() -> list[tuple[PreparedJob, list[Planned], list[Bad]]]:
            out = []
            for label, specs, skipped, bad in plan():
                if skipped:
                    log.info("%s: %d file(s) left out (ignored or empty)", label, len(skipped))
                if not specs and not bad:
                    log.info("%s: nothing to transfer", label)
                    continue
                prepared = queue.prepare_job(
                    label,
                    direction,
                    [spec for spec, _ in specs] + [spec for spec, _ in bad],
                    account=account,
                    left_out=skipped,
                )
                out.append((prepared, specs, bad))
            return out

        def done(jobs: object) -> None:
            self._planning -= 1
            assert isinstance(jobs, list)
            for prepared, specs, bad in jobs:
                job, added = self.queue.publish(prepared)
                self._batch.add_new({item.id: item.size for item in added[: len(specs)]})
                self._files.update(
                    (item.id, file)
                    for (_, file), item in zip(specs, added, strict=False)
                    if file is not None
                )
                for (_, reason), item in zip(bad, added[len(specs) :], strict=True):
                    # never dropped in silence: one failed row with its reason
                    log.warning("%s: %s", item.local_path or item.sds_path, reason)
                    self.queue.mark_failed(item.id, reason)
                log.info("queued %s of %d file(s): %s", direction.value, len(added), job.label)
                self.jobAdded.emit(job.id, len(added))
            self._pump()

        def failed(exc: BaseException) -> None:
            self._planning -= 1
            log.error("could not plan the %s: %s", direction.value, exc)
            self.planFailed.emit(str(exc))
            self._pump()

        self.planner.call(plan_and_journal, done, failed)

    def add_planned_job(
        self, label: str, direction: Direction, planned: Sequence[Planned]
    ) -> int | None:
        """Queue one job from specs planned elsewhere (gui.rf: a capture's files, a
        recording's upload); returns its id, or None when there is nothing to move."""
        if not planned:
            return None
        job, added = self.queue.add_job(
            label, direction, [spec for spec, _ in planned], account=self.account
        )
        for (_, file), item in zip(planned, added, strict=True):
            self._batch.add(item.id)
            if file is not None:
                self._files[item.id] = file
        self.jobAdded.emit(job.id, len(added))
        self._set_busy(busy=True)
        self._pump()
        return job.id
