"""Typed errors raised by the core, named as the official SDK names them.

Every error carries the HTTP status (when one exists) and the server's ``detail`` text,
so that the GUI can show the gateway's own reason instead of a generic failure.
"""

from __future__ import annotations


class SDSError(Exception):
    """Base class of every error the core raises."""

    def __init__(self, message: str, *, status: int | None = None, detail: object = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.detail = detail

    @property
    def retryable(self) -> bool:
        """Whether repeating the same request may succeed (network trouble, 5xx)."""
        return False

    def __str__(self) -> str:
        return self.message


class AuthError(SDSError):
    """The API key is missing, wrong, revoked, or lacks permission (HTTP 401/403)."""


class NetworkError(SDSError):
    """The gateway could not be reached, or the connection dropped or timed out."""

    @property
    def retryable(self) -> bool:
        return True


class TLSError(NetworkError):
    """The server's TLS certificate could not be verified (wrong host, self-signed, MITM)."""

    @property
    def retryable(self) -> bool:
        return False


class ServiceError(SDSError):
    """The gateway failed (HTTP 5xx) or answered something that is not the contract."""

    @property
    def retryable(self) -> bool:
        return self.status is not None and self.status >= 500


class RateLimitedError(ServiceError):
    """The gateway asked us to slow down (HTTP 429); ``retry_after`` is in seconds."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = 429,
        detail: object = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, status=status, detail=detail)
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        return True


class ConfigError(SDSError, ValueError):
    """The configuration (host, timeout, ...) is unusable."""


class FileError(SDSError):
    """A file operation was refused, or a local file problem (missing, unreadable, disk full)."""


class UploadError(FileError):
    """An upload failed (e.g. the server's checksum differs from ours)."""


class DownloadError(FileError):
    """A download failed (e.g. the received bytes do not match the server's checksum)."""


class ChecksumMismatchError(FileError):
    """The BLAKE3 of the bytes differs from the expected one: the data is not trusted."""


class PathError(FileError):
    """A path is invalid, or would land outside the folder the user chose."""


class CaptureError(SDSError):
    """A capture operation was refused by the gateway."""


class DatasetError(SDSError):
    """A dataset operation was refused by the gateway."""


class CancelledError(SDSError):
    """The operation was cancelled by the caller (its cancel event was set)."""


# -- transfer errors (issue 10: one typed error per file result) ----------------------


class StalledError(NetworkError):
    """No bytes moved for the stall threshold (or the per-file deadline passed)."""


class ChangedWhileUploadingError(UploadError):
    """The local file's size or modification time changed while it was being uploaded."""


class DiskFullError(FileError):
    """The local disk (or quota) is full; ``free_bytes`` is what was left, when known."""

    def __init__(self, message: str, *, free_bytes: int | None = None) -> None:
        super().__init__(message)
        self.free_bytes = free_bytes


class BadEntryError(FileError):
    """One entry of a job cannot be transferred as listed (bad name, absurd size or date)."""


class ConflictError(FileError):
    """The target already exists and no conflict decision applies yet."""


__all__ = [
    "AuthError",
    "BadEntryError",
    "CancelledError",
    "CaptureError",
    "ChangedWhileUploadingError",
    "ChecksumMismatchError",
    "ConfigError",
    "ConflictError",
    "DatasetError",
    "DiskFullError",
    "DownloadError",
    "FileError",
    "NetworkError",
    "PathError",
    "RateLimitedError",
    "SDSError",
    "ServiceError",
    "StalledError",
    "TLSError",
    "UploadError",
]
