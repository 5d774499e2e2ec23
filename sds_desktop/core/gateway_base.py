"""The gateway client's base: per-thread sessions, sending with typed errors and
retries, pagination that never follows a ``next`` link off our own host, and auth."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import parse_qs, urlsplit

from sds_desktop.core.config import check_token
from sds_desktop.core.errors import AuthError, SDSError, ServiceError
from sds_desktop.core.gateway_http import (
    MAX_PAGES,
    Params,
    ParamValue,
    _json,
    _map_transport_error,
    _read_capped,
    error_from_response,
)
from sds_desktop.core.models import Page, malformed
from sds_desktop.core.retry import NO_RETRY, RetryPolicy

if TYPE_CHECKING:
    # ``requests`` (a quarter second to import) is imported on the first request, not
    # with this module: the window can show before it is loaded.
    import requests

log = logging.getLogger("sds_desktop.core.gateway")


@dataclass(frozen=True)
class GatewayArgs:
    """A gateway's constructor arguments (``GatewayBase.handover``); the key never in repr."""

    base_url: str
    token: str = field(repr=False)
    timeout: float
    retry: RetryPolicy
    verify: bool

    def build(self) -> GatewayBase:
        from sds_desktop.core.gateway import Gateway  # noqa: PLC0415 - the full client

        return Gateway(
            self.base_url, self.token, timeout=self.timeout, retry=self.retry, verify=self.verify
        )


class GatewayBase:
    """Typed access to the SDS Gateway API under ``base_url`` (``…/api/v1``)."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 300,
        retry: RetryPolicy | None = None,
        verify: bool = True,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        if token:
            check_token(token)  # issue 10: a key a header cannot carry fails here, unquoted
        self.__token = token
        self.timeout = timeout
        self.retry = retry if retry is not None else RetryPolicy()
        self.verify = verify
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()
        self._origin = urlsplit(self.base_url)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, token=<redacted>)"

    __str__ = __repr__

    @property
    def has_token(self) -> bool:
        return bool(self.__token)

    def handover(self) -> GatewayArgs:
        """What rebuilds this gateway in the transfer process (``core.worker``). It holds
        the key: it goes down the pipe to our own child process and nowhere else."""
        return GatewayArgs(self.base_url, self.__token, self.timeout, self.retry, self.verify)

    def with_retry(self, retry: RetryPolicy) -> Self:
        """The same host and key under another retry policy, with sessions of its own
        (the transfer queue drives retries itself: its requests use ``NO_RETRY``)."""
        return type(self)(
            self.base_url, self.__token, timeout=self.timeout, retry=retry, verify=self.verify
        )

    # -- plumbing -----------------------------------------------------------------

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            import requests  # noqa: PLC0415 - first request: see the import note above

            from sds_desktop.core.connection import new_session  # noqa: PLC0415

            session = new_session()
            session.headers["Authorization"] = f"Api-Key: {self.__token}"
            session.verify = self.verify
            # requests re-reads the whole environment for proxies on every request (~2 ms
            # of CPU each, under the GIL the GUI thread needs); we talk to one host, so
            # resolve once: the proxy for it (NO_PROXY honoured) and a CA bundle override.
            session.trust_env = False
            session.proxies.update(requests.utils.get_environ_proxies(self.base_url))
            bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
            if self.verify is True and bundle:
                session.verify = bundle
            # Never let a redirect carry the key elsewhere: requests strips Authorization
            # on cross-host redirects, and we refuse redirects on writes below.
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session

    def _discard_session(self) -> None:
        """Forget this thread's session: an abandoned request still owns one of its
        connections, so later requests of this thread start on a fresh session."""
        self._local.session = None

    def close(self) -> None:
        """Close every session this gateway opened (all threads)."""
        with self._lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()
        self._local = threading.local()

    def url(self, *parts: str) -> str:
        """``base/part1/part2/`` with the trailing slash the gateway requires."""
        return self.base_url + "/" + "/".join(p.strip("/") for p in parts) + "/"

    def _send(
        self,
        method: str,
        url: str,
        *,
        context: type[SDSError],
        params: Params | None = None,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
        ok: Sequence[int] = (200, 201, 202, 204),
        session: requests.Session | None = None,
    ) -> requests.Response:
        import requests  # noqa: PLC0415 - loaded with the session

        what = f"{method} {url}"
        log.debug("%s params=%s", what, params)
        try:
            resp = (session or self._session()).request(
                method,
                url,
                params=params,
                data=data,
                headers=dict(headers) if headers else None,
                timeout=self.timeout,
                stream=True,  # bodies are read below, capped (MAX_JSON_BYTES)
                allow_redirects=method == "GET",
            )
        except requests.RequestException as exc:
            raise _map_transport_error(exc, what) from exc
        if not stream or resp.status_code not in ok:
            _read_capped(resp, what)
        if resp.status_code not in ok:
            try:
                err = error_from_response(resp, context)
            finally:
                resp.close()
            log.debug("%s → %s", what, err)
            raise err
        return resp

    def _request(
        self,
        method: str,
        url: str,
        *,
        context: type[SDSError],
        retry: bool = True,
        cancel: threading.Event | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        policy = self.retry if retry else NO_RETRY
        return policy.call(
            lambda: self._send(method, url, context=context, **kwargs),
            cancel=cancel,
            what=f"{method} {url}",
        )

    def _json_request(
        self, method: str, url: str, *, context: type[SDSError], what: str, **kwargs: Any
    ) -> Any:
        resp = self._request(method, url, context=context, **kwargs)
        return _json(resp, what)

    def _iter_pages(
        self,
        url: str,
        params: dict[str, ParamValue],
        *,
        context: type[SDSError],
        what: str,
        first_page_param: bool = True,
        reapply: Mapping[str, ParamValue] | None = None,
    ) -> Iterator[Page]:
        """Yield pages; follow ``next`` by its query only, against our own URL."""
        current: dict[str, ParamValue] = dict(params)
        if first_page_param:
            current.setdefault("page", 1)
        seen: set[tuple[tuple[str, str], ...]] = set()
        advertised: int | None = None
        received = 0
        for _ in range(MAX_PAGES):
            key = tuple(sorted((k, str(v)) for k, v in current.items()))
            if key in seen:
                log.warning("%s: pagination loops, stopping", what)
                return
            seen.add(key)
            try:
                data = self._json_request("GET", url, context=context, what=what, params=current)
            except SDSError as exc:
                if exc.status == 404 and "invalid page" in str(exc).lower() and len(seen) > 1:
                    return
                raise
            page = Page.from_json(data, what)
            if advertised is None:
                advertised = page.count
            received += len(page.results)
            yield page
            if not page.next or not page.results:
                return
            if advertised is not None and received > advertised + max(1000, advertised):
                # bounded by what the server said it has (with room for files added while
                # we list): endless ``next`` pages are not followed
                log.warning(
                    "%s: %d entries received, %d advertised; stopping", what, received, advertised
                )
                return
            query = parse_qs(urlsplit(page.next).query, keep_blank_values=True)
            nxt: dict[str, ParamValue] = {k: (v[0] if len(v) == 1 else v) for k, v in query.items()}
            if reapply:
                for k, v in reapply.items():
                    nxt[k] = v
            current = nxt

    # -- auth ---------------------------------------------------------------------

    def authenticate(self) -> str:
        """Check the key; return the account e-mail the server names."""
        try:
            data = self._json_request("GET", self.url("auth"), context=AuthError, what="auth reply")
        except SDSError as exc:
            if exc.status == 404 and "web page" in exc.message:
                raise ServiceError(
                    f"this is not an SDS gateway: {self.base_url} answered a web page "
                    "where the SDS API should be (HTTP 404); check the host name",
                    status=404,
                ) from None
            raise
        message = data.get("message") if isinstance(data, Mapping) else None
        if not isinstance(message, str):
            raise malformed("auth reply has no message")
        marker = "valid for "
        idx = message.find(marker)
        return message[idx + len(marker) :].strip() if idx >= 0 else ""
