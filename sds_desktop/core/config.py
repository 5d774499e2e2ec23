"""Client configuration: the SDK's keys and precedence, and host → base URL.

Precedence, lowest to highest (as the SDK): the env file, then ``env_config``, then the
process environment, which is consulted for ``SDS_SECRET_TOKEN`` only. Keys are
case-insensitive; ``-`` and spaces count as ``_``.

Unlike the SDK, ``SDS_HOST`` is honoured: it is the host used when ``Client(host=None)``.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from sds_desktop.core.errors import BadKeyError, ConfigError

log = logging.getLogger(__name__)

DEFAULT_HOST = "sds.crc.nd.edu"
DEFAULT_HTTP_TIMEOUT = 300.0
API_PREFIX = "/api/v1"

_TRUE_WORDS = frozenset({"t", "true", "1", "y", "yes", "on", "enabled"})
_KNOWN_KEYS = frozenset(
    {
        "sds_secret_token",
        "sds_host",
        "dry_run",
        "http_timeout",
        "log_file",
        "progress_log_period_secs",
    }
)
_HOST_RE = re.compile(
    r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$"
)


def check_token(token: str) -> str:
    """``token`` if an HTTP header can carry it (printable ASCII, no spaces), else
    ``BadKeyError``; the message never quotes the key."""
    if not all(33 <= ord(c) < 127 for c in token):
        bad = next(c for c in token if not 33 <= ord(c) < 127)
        kind = (
            "a line break"
            if bad in "\r\n"
            else "a space or tab"
            if bad in " \t"
            else "a control character"
            if ord(bad) < 32 or ord(bad) == 127
            else "a non-ASCII character"
        )
        raise BadKeyError(
            f"the API key contains {kind}, which an HTTP header cannot carry: copy the "
            "key again from the API Keys page of the SDS web UI"
        )
    return token


def human_bool(value: object) -> bool:
    """Read a config boolean the SDK's way (``t/true/1/y/yes/on/enabled`` → True)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return bool(value)
    if isinstance(value, str):
        return value.strip().lower() in _TRUE_WORDS
    return False


def _norm_key(key: str) -> str:
    return key.strip().lower().replace("-", "_").replace(" ", "_")


@dataclass(frozen=True)
class SDSConfig:
    """The effective configuration. ``repr`` never shows the token."""

    token: str = field(default="", repr=False)
    host: str | None = None
    dry_run: bool = True
    timeout: float = DEFAULT_HTTP_TIMEOUT
    sources: tuple[str, ...] = ()

    def __repr__(self) -> str:
        token = "<set>" if self.token else "<unset>"
        return (
            f"SDSConfig(token={token}, host={self.host!r}, dry_run={self.dry_run}, "
            f"timeout={self.timeout})"
        )


def load_config(
    env_file: Path | None = None,
    env_config: Mapping[str, object] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
) -> SDSConfig:
    """Merge the env file, ``env_config`` and the process environment.

    ``env_file=None`` reads ``./.env`` when it exists (the SDK's default); an explicit
    file that does not exist is only warned about, as in the SDK.
    """
    env: Mapping[str, str] = os.environ if environ is None else environ
    merged: dict[str, object] = {}
    sources: list[str] = []

    path = env_file if env_file is not None else Path.cwd() / ".env"
    if not path.is_absolute():
        path = Path.cwd() / path
    file_values: dict[str, object] = {}
    if path.exists() and not path.is_dir():
        from dotenv import dotenv_values  # noqa: PLC0415 - only when a .env is read

        for key, value in dotenv_values(path).items():
            if value is not None:
                file_values[_norm_key(key)] = value
        merged.update(file_values)
        sources.append(str(path))
    elif env_file is not None:
        log.warning("environment file not found: %s", path)

    if env_config:
        for cfg_key, cfg_value in env_config.items():
            if cfg_value is not None:
                merged[_norm_key(str(cfg_key))] = cfg_value
        sources.append("env_config")

    env_token = env.get("SDS_SECRET_TOKEN")
    # A key goes only to its own host: an env file that names a host may do so only
    # with its own key, and a key from the environment never goes to that host.
    file_host = str(file_values.get("sds_host") or "").strip()
    file_token = str(file_values.get("sds_secret_token") or "").strip()
    if file_host and (env_config or {}).get("sds_host") is None:
        if env_token:
            log.warning(
                "%s names SDS_HOST: the environment's SDS_SECRET_TOKEN is not sent there",
                path,
            )
        env_token = None
        if not file_token:
            log.warning("%s names SDS_HOST without its own key: no key is used", path)
            merged.pop("sds_secret_token", None)
    if env_token:
        merged["sds_secret_token"] = env_token
        sources.append("environment")

    for key in merged:
        if key not in _KNOWN_KEYS:
            log.warning("unknown configuration key ignored: %s", key.upper())

    timeout_raw = merged.get("http_timeout", DEFAULT_HTTP_TIMEOUT)
    try:
        timeout = float(str(timeout_raw))
    except ValueError:
        raise ConfigError(
            f"HTTP_TIMEOUT must be a number of seconds, got {timeout_raw!r}"
        ) from None
    if not 0 < timeout < float("inf"):
        raise ConfigError(
            f"HTTP_TIMEOUT must be a positive, finite number of seconds, got {timeout_raw!r}"
        )

    host_raw = merged.get("sds_host")
    host = str(host_raw).strip() if host_raw is not None and str(host_raw).strip() else None
    token = str(merged.get("sds_secret_token", "") or "").strip()
    if not token:
        log.warning("no API key configured: set SDS_SECRET_TOKEN")
    else:
        check_token(token)
    return SDSConfig(
        token=token,
        host=host,
        dry_run=human_bool(merged.get("dry_run", True)),
        timeout=timeout,
        sources=tuple(sources),
    )


def is_loopback_host(hostname: str) -> bool:
    """True for ``localhost``, 127.0.0.0/8 and ``::1``."""
    name = hostname.strip("[]").rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def resolve_base_url(host: str, *, allow_insecure_http: bool = False) -> str:
    """Turn what a user typed into ``scheme://host[:port]/api/v1``.

    Accepts a bare host (``sds.crc.nd.edu``), ``host:port``, or a URL with an ``http`` /
    ``https`` scheme (an ``/api/v1`` path is tolerated). Without a scheme, https is used,
    except for loopback hosts, which get http (the local sandbox speaks plain http).
    Plain http to a non-loopback host is refused unless ``allow_insecure_http``: the API
    key would travel in clear text.
    """
    if not isinstance(host, str) or not host.strip():
        raise ConfigError("no SDS host given")
    text = host.strip()
    if any(c.isspace() or ord(c) < 32 for c in text):
        raise ConfigError(f"invalid SDS host {host!r}: whitespace or control characters")
    has_scheme = "://" in text
    try:
        parts = urlsplit(text if has_scheme else f"//{text}")
        port = parts.port
    except ValueError as exc:
        raise ConfigError(f"invalid SDS host {host!r}: {exc}") from None
    scheme = parts.scheme.lower() if has_scheme else ""
    if has_scheme and scheme not in {"http", "https"}:
        raise ConfigError(f"invalid SDS host {host!r}: only http and https are supported")
    hostname = parts.hostname or ""
    if not hostname:
        raise ConfigError(f"invalid SDS host {host!r}: no host name")
    if parts.username is not None or parts.password is not None:
        raise ConfigError(f"invalid SDS host {host!r}: credentials in the URL are not allowed")
    if parts.query or parts.fragment:
        raise ConfigError(f"invalid SDS host {host!r}: query or fragment not allowed")
    path = parts.path.rstrip("/")
    if path not in {"", API_PREFIX}:
        raise ConfigError(f"invalid SDS host {host!r}: unexpected path {parts.path!r}")
    is_ipv6 = ":" in hostname
    if is_ipv6:
        try:
            ipaddress.IPv6Address(hostname)
        except ValueError:
            raise ConfigError(f"invalid SDS host {host!r}: bad IPv6 address") from None
    elif not _HOST_RE.match(hostname):
        raise ConfigError(f"invalid SDS host {host!r}: not a valid host name")
    loopback = is_loopback_host(hostname)
    if not scheme:
        scheme = "http" if loopback else "https"
    if scheme == "http" and not loopback and not allow_insecure_http:
        raise ConfigError(
            f"refusing plain http to {hostname}: the API key would be sent unencrypted "
            "(use https, or allow insecure http explicitly)"
        )
    netloc = f"[{hostname}]" if is_ipv6 else hostname
    if port is not None:
        netloc = f"{netloc}:{port}"
    return f"{scheme}://{netloc}{API_PREFIX}"


__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_HTTP_TIMEOUT",
    "SDSConfig",
    "human_bool",
    "is_loopback_host",
    "load_config",
    "resolve_base_url",
]
