# ruff: noqa: S101 - asserts narrow types
"""Upload as capture, mixed into ``RFController``: recordings found in local paths (in
the background), each one's plan shown in a dialog, its files queued as one upload job
whose captures ``CaptureSteps`` creates when it is done; and drops on the SDS pane,
where recordings ask "capture or plain files" (the answer can be remembered).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sds_desktop.core.paths import normalize_sds_path
from sds_desktop.core.queue import Direction, ItemSpec
from sds_desktop.gui.rf.capture_step import CapturePlan, CaptureSteps, plan_capture_upload
from sds_desktop.gui.rf.dialogs import DropQuestion, UploadCaptureDialog
from sds_desktop.gui.rf.recordings import looks_like_recording, scan_recordings

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings

    from sds_desktop.gui.main_window import MainWindow


class CaptureUploadMixin:
    """Methods of ``RFController`` (state lives there: see its ``__init__``)."""

    # the controller's attributes and methods, for readers and type checkers
    window: MainWindow
    settings: QSettings
    steps: CaptureSteps
    _status: Any
    _error: Any
    _remote_dir: Any
    _open: Any

    # -- upload as capture ---------------------------------------------------------
    def upload_as_capture(self, paths: list[Path], sds_dir: str | None = None) -> None:
        """Scan ``paths`` in the background, then show the plan of each recording."""
        if self.window.account is None:
            self._error("Not signed in", "Sign in before uploading.")
            return
        dest = normalize_sds_path(sds_dir if sds_dir is not None else self._remote_dir())

        def work() -> tuple[list[CapturePlan], list[Path]]:
            plans: list[CapturePlan] = []
            plain: list[Path] = []
            for path in paths:
                recs = scan_recordings(path)
                if not recs:
                    plain.append(path)
                plans.extend(plan_capture_upload(r, dest) for r in recs)
            return plans, plain

        self._status("Reading the recording…")
        self.window.tasks.call(
            work,
            self._show_plans,
            lambda exc: self._error("Upload as capture", f"Could not read the recording: {exc}"),
        )

    def _show_plans(self, result: object) -> None:
        assert isinstance(result, tuple)
        plans, plain = result
        if plain:
            names = ", ".join(p.name for p in plain[:5])
            self._error(
                "Not a recording",
                f"No Digital RF, RadioHound or SigMF recording found in: {names}.\n"
                "Use “Upload to SDS” to upload plain files.",
            )
        for plan in plans:
            dialog = UploadCaptureDialog(plan, self.window)
            dialog.accepted.connect(lambda p=plan: self.start_capture_upload(p))
            self._open(dialog)

    def start_capture_upload(self, plan: CapturePlan) -> int | None:
        """Queue the recording's files as one job; its captures follow when it is done."""
        specs = [
            (
                ItemSpec(
                    Direction.UPLOAD,
                    i.name,
                    str(i.local_path),
                    i.sds_path,
                    i.size,
                ),
                None,
            )
            for i in plan.items
        ]
        label = (
            f"{plan.recording.root.name} (as capture)"
            if plan.captures
            else plan.recording.root.name
        )
        job_id = self.window.controller.add_planned_job(label, Direction.UPLOAD, specs)
        self.steps.add(job_id, plan.captures)
        self._status(
            f"Uploading {len(specs)} file(s) into {plan.sds_dir}"
            + (f"; {len(plan.captures)} capture(s) follow" if plan.captures else "")
        )
        return job_id

    # -- drop on the SDS pane ------------------------------------------------------
    def files_dropped(self, paths: list[Path], sds_dir: str) -> None:
        """Replaces the window's upload slot for drops: recordings ask capture or files."""

        def work() -> list[Path]:
            return [p for p in paths if looks_like_recording(p)]

        self.window.tasks.call(
            work,
            lambda recs: self._dropped(paths, sds_dir, recs),  # type: ignore[arg-type]
            lambda _exc: self.window.upload(paths, sds_dir),
        )

    def _dropped(self, paths: list[Path], sds_dir: str, recordings: list[Path]) -> None:
        if not recordings:
            self.window.upload(paths, sds_dir)
            return
        remembered = str(self.settings.value("drop/answer", "", type=str))
        if remembered:
            self._drop_answer(remembered, paths, sds_dir, recordings)
            return
        dialog = DropQuestion([p.name for p in recordings], self.window)

        def answered() -> None:
            if dialog.remember.isChecked():
                self.settings.setValue("drop/answer", dialog.answer)
                self.settings.sync()
            self._drop_answer(dialog.answer, paths, sds_dir, recordings)

        dialog.accepted.connect(answered)
        self._open(dialog)

    def _drop_answer(
        self, answer: str, paths: list[Path], sds_dir: str, recordings: list[Path]
    ) -> None:
        if answer != "capture":
            self.window.upload(paths, sds_dir)
            return
        rest = [p for p in paths if p not in recordings]
        if rest:
            self.window.upload(rest, sds_dir)
        self.upload_as_capture(recordings, sds_dir)

    def forget_drop_answer(self) -> None:
        self.settings.remove("drop/answer")
        self.settings.sync()
        self._status("The drop question will be asked again", 3000)


__all__ = ["CaptureUploadMixin"]
