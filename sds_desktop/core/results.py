"""Results as the SDK gives them: truthy on success, the error attached on failure.

``Result`` behaves like ``spectrumx.errors.Result``: ``bool(r)`` is success, ``r()`` /
``r.unwrap()`` / ``r.value`` return the value or raise the stored error,
``r.value_or(default)``, ``r.exception_or(default)`` and ``r.error_info``.

``FileResult`` is what ``Client.upload`` / ``download`` / ``download_dataset`` return
for each file: an SDK ``Result`` whose value is the ``SDSFile`` (None for an upload the
server already had), which also carries this project's per-file detail: ``outcome``
(uploaded / skipped / linked / verified / failed ...), ``verified``, ``error``, ``item``,
``local_path`` and ``sds_path``; the file's own fields (``uuid``, ``name``, ``size``,
``sum_blake3`` ...) read through, as on the SDK's ``File``. One result per file: a
failure never raises out of a batch call.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Generic, TypeVar

from sds_desktop.core.errors import SDSError
from sds_desktop.core.models import SDSFile
from sds_desktop.core.transfer import (
    DownloadItem,
    DownloadOutcome,
    DownloadResult,
    UploadItem,
    UploadOutcome,
    UploadResult,
)

T = TypeVar("T")
_UNSET: Any = object()


class Result(Generic[T]):
    """Either a value (success; None is a valid value) or an exception (failure)."""

    def __init__(
        self,
        *,
        value: T = _UNSET,
        exception: BaseException | None = None,
        error_info: dict[str, Any] | None = None,
    ) -> None:
        if (value is _UNSET) == (exception is None):
            raise ValueError("a Result holds exactly one of value or exception")
        if isinstance(value, BaseException):
            raise TypeError("a Result value cannot be an exception")
        if exception is None and error_info is not None:
            raise ValueError("error_info needs an exception")
        self._value = value
        self._exception = exception
        self.error_info: dict[str, Any] = error_info if error_info is not None else {}

    def __bool__(self) -> bool:
        return self._exception is None

    @property
    def value(self) -> T:
        """The value, or the stored exception raised."""
        if self._exception is not None:
            raise self._exception
        return self._value

    def __call__(self) -> T:
        return self.value

    def unwrap(self) -> T:
        return self.value

    def value_or(self, default: T) -> T:
        return default if self._exception is not None else self._value

    def exception_or(self, default: BaseException | None) -> BaseException | None:
        return self._exception if self._exception is not None else default

    def __repr__(self) -> str:
        if self._exception is not None:
            return f"Result(exception={self._exception})"
        return f"Result(value={self._value!r})"

    __str__ = __repr__


class FileResult(Result[SDSFile | None]):
    """One file of a batch upload or download (see the module docstring)."""

    def __init__(
        self,
        transfer: UploadResult | DownloadResult | None,
        *,
        file: SDSFile | None = None,
        local_path: Path | None = None,
        error: SDSError | None = None,
        outcome: str | None = None,
    ) -> None:
        self._outcome = outcome
        err = error if error is not None else (transfer.error if transfer else None)
        if transfer is not None and isinstance(transfer, DownloadResult):
            file = file or transfer.item.file
            local_path = local_path or transfer.item.local_path
        elif transfer is not None:
            file = file or transfer.file
            local_path = local_path or transfer.item.local_path
        if err is not None:
            info = {"file": file, "local_path": local_path}
            super().__init__(exception=err, error_info=info)
        else:
            super().__init__(value=file)
        self.transfer = transfer
        self.file = file
        self.local_path = local_path

    @property
    def error(self) -> SDSError | None:
        exc = self.exception_or(None)
        return exc if isinstance(exc, SDSError) else None

    @property
    def outcome(self) -> str:
        """What happened to the file (``UploadOutcome`` / ``DownloadOutcome`` values)."""
        if self._outcome is not None and self:
            return self._outcome
        if self.transfer is not None and self.transfer.error is None:
            return self.transfer.outcome
        if isinstance(self.transfer, UploadResult):
            return UploadOutcome.FAILED
        return DownloadOutcome.FAILED

    @property
    def verified(self) -> bool:
        return bool(self.transfer is not None and self.transfer.verified)

    @property
    def item(self) -> UploadItem | DownloadItem | None:
        return self.transfer.item if self.transfer is not None else None

    @property
    def sds_path(self) -> str | None:
        if isinstance(self.transfer, UploadResult):
            return self.transfer.item.sds_path
        return self.file.sds_path if self.file is not None else None

    @property
    def local_blake3(self) -> str:
        return self.transfer.local_blake3 if isinstance(self.transfer, UploadResult) else ""

    def __getattr__(self, name: str) -> Any:
        # The SDK hands back ``File`` objects where these results stand (``upload_file``,
        # ``download_file``): their fields (``uuid``, ``name``, ``size`` ...) read through.
        if name.startswith("_"):
            raise AttributeError(name)
        file = self.__dict__.get("file")
        if file is None:
            raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")
        return getattr(file, name)

    def __repr__(self) -> str:
        where = self.sds_path or (str(self.local_path) if self.local_path else "?")
        if not self:
            return f"FileResult({where!r}, failed: {self.exception_or(None)})"
        return f"FileResult({where!r}, {self.outcome})"

    __str__ = __repr__


__all__ = ["FileResult", "Result"]
