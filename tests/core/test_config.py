from __future__ import annotations

import logging
from pathlib import Path

import pytest

from sds_desktop.core.config import load_config, resolve_base_url
from sds_desktop.core.errors import ConfigError, SDSError


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("sds.crc.nd.edu", "https://sds.crc.nd.edu/api/v1"),
        ("https://sds.crc.nd.edu", "https://sds.crc.nd.edu/api/v1"),
        ("https://sds.crc.nd.edu:8443/", "https://sds.crc.nd.edu:8443/api/v1"),
        ("https://sds.crc.nd.edu/api/v1/", "https://sds.crc.nd.edu/api/v1"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000/api/v1"),
        ("localhost:8000", "http://localhost:8000/api/v1"),
        ("localhost", "http://localhost/api/v1"),
        ("http://[::1]:9000", "http://[::1]:9000/api/v1"),
        ("  SDS.Example.org  ", "https://sds.example.org/api/v1"),
    ],
)
def test_resolve_base_url(host: str, expected: str) -> None:
    assert resolve_base_url(host) == expected


@pytest.mark.parametrize(
    "host",
    [
        "",
        "   ",
        "ftp://sds.crc.nd.edu",
        "https://user:pw@sds.crc.nd.edu",
        "https://sds.crc.nd.edu/other/path",
        "https://sds.crc.nd.edu?x=1",
        "sds.crc.nd.edu:notaport",
        "bad_host!",
        "host with space",
        "http://sds.crc.nd.edu",
        "http://10.0.0.5:8000",
    ],
)
def test_resolve_base_url_rejects(host: str) -> None:
    with pytest.raises(ConfigError) as info:
        resolve_base_url(host)
    assert isinstance(info.value, SDSError)
    assert isinstance(info.value, ValueError)


def test_insecure_http_needs_opt_in() -> None:
    assert (
        resolve_base_url("http://10.0.0.5:8000", allow_insecure_http=True)
        == "http://10.0.0.5:8000/api/v1"
    )


def test_precedence_env_file_then_env_config_then_environment(tmp_path: Path) -> None:
    env = tmp_path / "sds.env"
    env.write_text(
        "SDS_SECRET_TOKEN=from-file\nSDS_HOST=file.example.org\nDRY_RUN=false\nHTTP_TIMEOUT=12\n"
    )
    cfg = load_config(env, None, environ={})
    assert (cfg.token, cfg.host, cfg.dry_run, cfg.timeout) == (
        "from-file",
        "file.example.org",
        False,
        12.0,
    )
    cfg = load_config(env, {"sds-secret-token": "from-config", "dry_run": "yes"}, environ={})
    assert cfg.token == "from-config"
    assert cfg.dry_run is True
    cfg = load_config(
        env,
        {"SDS_SECRET_TOKEN": "from-config"},
        environ={"SDS_SECRET_TOKEN": "from-env", "SDS_HOST": "env.example.org"},
    )
    assert cfg.token == "from-env"
    # only the token is read from the process environment
    assert cfg.host == "file.example.org"


def test_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    cfg = load_config(None, None, environ={})
    assert cfg.dry_run is True
    assert cfg.timeout == 300
    assert cfg.token == ""
    assert cfg.host is None


def test_cwd_dotenv_is_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("SDS_SECRET_TOKEN=cwd-token\n")
    monkeypatch.chdir(tmp_path)
    assert load_config(None, None, environ={}).token == "cwd-token"


def test_missing_explicit_file_warns(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        cfg = load_config(tmp_path / "nope.env", {"SDS_SECRET_TOKEN": "t"}, environ={})
    assert cfg.token == "t"
    assert "not found" in caplog.text


def test_bad_timeout() -> None:
    with pytest.raises(ConfigError):
        load_config(Path("/nonexistent.env"), {"HTTP_TIMEOUT": "soon"}, environ={})
    with pytest.raises(ConfigError):
        load_config(Path("/nonexistent.env"), {"HTTP_TIMEOUT": "-1"}, environ={})


def test_repr_hides_token() -> None:
    cfg = load_config(Path("/nonexistent.env"), {"SDS_SECRET_TOKEN": "supersecret"}, environ={})
    assert "supersecret" not in repr(cfg)
    assert "supersecret" not in str(cfg)
