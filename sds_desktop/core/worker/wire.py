"""The pipe between the window's process and the transfer process: framed pickles.

A frame is a 4-byte big-endian length and a pickle of a list of messages. Only our own
two processes ever read these pipes (the child is started by ``host`` with its stdin and
stdout as the pipe ends), so unpickling is no wider a door than importing our modules.

Messages, window → child: ``("gw", number, GatewayArgs)`` (once per gateway: later
messages name it by number), ``("run", token, JobSpec, number)``,
``("list", token, path, number)``,
``("cancel", token, pausing)``, ``("rate", bytes_per_s)``, ``("exit",)``.
Child → window: ``("hello", pid)``, ``("p", {token: bytes})`` (progress since the last
frame), ``("ph", {token: (phase, done, total)})`` (the latest phase of each job),
``("n", token, note)``, ``("r", token, ok, result or exception)``,
``("log", level, logger name, text)``.
"""

from __future__ import annotations

import pickle
from typing import IO, Any

MAX_FRAME = 64 * 1024 * 1024
"""A frame longer than this is a broken pipe, not a message (an item spec is ~1 KB)."""

CHILD_FLAG = "--transfer-process"
"""The frozen app's argument that makes it the transfer process (``sds_desktop.__main__``)."""


class PipeClosedError(EOFError):
    """The other end is gone, or sent something that is not a frame."""


def write_frame(stream: IO[bytes], messages: list[Any]) -> None:
    data = pickle.dumps(messages, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(len(data).to_bytes(4, "big") + data)
    stream.flush()


def _read_exact(stream: IO[bytes], n: int) -> bytes:
    chunks = []
    while n:
        chunk = stream.read(n)
        if not chunk:
            raise PipeClosedError("the pipe closed")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def read_frame(stream: IO[bytes]) -> list[Any]:
    n = int.from_bytes(_read_exact(stream, 4), "big")
    if n > MAX_FRAME:
        raise PipeClosedError(f"a frame of {n:,} bytes: not ours")
    try:
        messages = pickle.loads(_read_exact(stream, n))  # noqa: S301 - our own child's pipe
    except Exception as exc:
        raise PipeClosedError(f"an unreadable frame ({type(exc).__name__})") from exc
    if not isinstance(messages, list):
        raise PipeClosedError("a frame that is not a list of messages")
    return messages


def portable(exc: BaseException) -> BaseException:
    """``exc`` if it survives the pipe with its class and fields, else an ``SDSError`` of
    the same text (a library's exception may hold an unpicklable response)."""
    try:
        back = pickle.loads(pickle.dumps(exc, protocol=pickle.HIGHEST_PROTOCOL))  # noqa: S301
    except Exception:  # noqa: BLE001 - fall back below
        from sds_desktop.core.errors import SDSError  # noqa: PLC0415

        return SDSError(f"{type(exc).__name__}: {exc}")
    if isinstance(back, BaseException):
        return back
    return exc
