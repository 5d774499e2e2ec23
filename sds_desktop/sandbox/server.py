"""SandboxServer: the sandbox gateway on a loopback port, in a background thread."""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import socket
import threading
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

from sds_desktop.core.paths import normalize_sds_path
from sds_desktop.sandbox.app import SandboxApp
from sds_desktop.sandbox.faults import FaultInjector
from sds_desktop.sandbox.http11 import KeepAliveHandler
from sds_desktop.sandbox.store import Store

log = logging.getLogger(__name__)

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
STOP_WAIT_S = 10.0
"""stop() waits this long for requests being handled (an upload being stored) to end."""


_QuietHandler = KeepAliveHandler  # the name bench/sandbox_throughput.py patches


class SandboxServer:
    """A local SDS-compatible gateway over one data directory.

    ``start()`` serves on ``host:port`` (loopback only; port 0 picks a free one) with
    werkzeug's threaded server. Several servers on several data dirs can coexist.
    """

    def __init__(self, data_dir: Path, *, host: str = "127.0.0.1", port: int = 0) -> None:
        if host not in LOOPBACK_HOSTS:
            raise ValueError(f"the sandbox binds to loopback only, not {host!r}")
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.host = host
        self._port = port
        self.store = Store(self.data_dir)
        self.faults = FaultInjector(revoke=self.store.revoke_key)
        self.admin_token = secrets.token_urlsafe(24)
        self.app = SandboxApp(self.store, self.faults, self.admin_token)
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._active = 0  # requests inside the app (their handler threads outlive stop())
        self._quiet = threading.Condition()

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> SandboxServer:
        if self._server is not None:
            return self
        server = make_server(
            self.host, self._port, self._counted, threaded=True, request_handler=_QuietHandler
        )
        server.open_connections = set()  # type: ignore[attr-defined] - http11 keeps it
        self._server = server
        self._port = server.server_port
        self._thread = threading.Thread(
            target=server.serve_forever, name=f"sds-sandbox:{self._port}", daemon=True
        )
        self._thread.start()
        log.info("sandbox listening on %s (loopback only), data in %s", self.url, self.data_dir)
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None:
            return
        server.shutdown()
        if thread is not None:
            thread.join(timeout=10)
        server.server_close()
        with self._quiet:  # a request being handled finishes before the store closes
            self._quiet.wait_for(lambda: self._active == 0, timeout=STOP_WAIT_S)
        # then the kept-alive connections end, as a gateway's do when it goes down (else
        # their handler threads would go on answering on them): no further request is
        # read; a response being sent is finished first
        for sock in list(getattr(server, "open_connections", ())):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RD)
        self.store.close()

    def _counted(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        with self._quiet:
            self._active += 1
        try:
            return self.app(environ, start_response)
        finally:
            with self._quiet:
                self._active -= 1
                self._quiet.notify_all()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self._port}"

    # -- administration (Python API) ------------------------------------------------------
    def add_user(self, email: str) -> str:
        """Create the user if needed and return a new API key ``prefix.secret``."""
        return self.store.new_api_key(email)

    def seed_demo(self, email: str = "demo@sandbox.sds") -> str:
        """Create the demo user and RF tree (files + captures) once; return a new key."""
        from sds_desktop.sandbox.demo import seed  # noqa: PLC0415 - heavy optional imports

        seed(self.app, email)
        return self.add_user(email)

    def bulk_files(self, email: str, directory: str, count: int, *, size: int = 1024) -> int:
        """Give ``email`` ``count`` files named ``file-NNNNNN.bin`` in ``directory``, all
        with the same random content (one blob): a large listing without uploading it."""
        owner = self.store.ensure_user(email)
        digest, size = self.store.put_bytes(os.urandom(size))
        rel = normalize_sds_path(directory)
        names = [f"file-{i:06d}.bin" for i in range(count)]
        return self.store.insert_files_bulk(owner, rel, names, size=size, sum_blake3=digest)

    def create_dataset(
        self,
        owner_email: str,
        name: str,
        *,
        file_uuids: Iterable[Any] = (),
        capture_uuids: Iterable[Any] = (),
    ) -> str:
        """Sandbox-only: production datasets are made in the web UI. Returns the uuid."""
        owner = self.store.user_by_email(owner_email)
        if owner is None:
            raise ValueError(f"unknown user {owner_email!r}")
        return self.app.create_dataset(owner, name, file_uuids, capture_uuids)

    def share(self, item_type: str, item_uuid: str, email: str) -> None:
        """Share a capture or dataset with another user (sandbox-only helper)."""
        if item_type not in {"capture", "dataset"}:
            raise ValueError("item_type must be 'capture' or 'dataset'")
        self.store.share(item_type, str(item_uuid), email)
