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
    # the environment's key never goes to a host the env file names (issue 10); the
    # caller's explicit env_config key does
    assert cfg.token == "from-config"
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


def test_an_env_file_naming_a_host_gets_no_key_from_the_environment(tmp_path: Path) -> None:
    only_host = tmp_path / "host.env"
    only_host.write_text("SDS_HOST=attacker.example.org\n")
    cfg = load_config(only_host, None, environ={"SDS_SECRET_TOKEN": "my.real-key"})
    assert cfg.host == "attacker.example.org"
    assert cfg.token == ""  # the window then asks for a key for that host
    both = tmp_path / "both.env"
    both.write_text("SDS_HOST=lab.example.org\nSDS_SECRET_TOKEN=lab.key\n")
    cfg = load_config(both, None, environ={"SDS_SECRET_TOKEN": "my.real-key"})
    assert (cfg.host, cfg.token) == ("lab.example.org", "lab.key")
    no_host = tmp_path / "plain.env"
    no_host.write_text("DRY_RUN=false\n")
    assert load_config(no_host, None, environ={"SDS_SECRET_TOKEN": "k.v"}).token == "k.v"


@pytest.mark.parametrize(
    ("key", "says"),
    [
        ("abc.def\nxyz", "line break"),
        ("abc.déf", "non-ASCII"),
        ("abc def", "space"),
        ("abc\x01def", "control"),
    ],
)
def test_a_key_a_header_cannot_carry_is_refused_without_quoting_it(key: str, says: str) -> None:
    from sds_desktop.core.config import check_token
    from sds_desktop.core.errors import BadKeyError

    with pytest.raises(BadKeyError) as info:
        check_token(key)
    assert says in str(info.value)
    assert key not in str(info.value)
    assert "abc" not in str(info.value)
    assert check_token("prefix.secret-OK_9") == "prefix.secret-OK_9"


@pytest.mark.parametrize("value", ["nan", "inf", "-5", "0", "soon"])
def test_bad_http_timeout_is_a_config_error(tmp_path: Path, value: str) -> None:
    env = tmp_path / "t.env"
    env.write_text(f"HTTP_TIMEOUT={value}\n")
    with pytest.raises(ConfigError, match="HTTP_TIMEOUT"):
        load_config(env, None, environ={})


def test_journal_and_settings_are_private_and_never_written_through_a_symlink(
    tmp_path: Path,
) -> None:
    import os

    from sds_desktop.core.errors import FileError
    from sds_desktop.core.paths import private_file
    from sds_desktop.core.queue import TransferQueue

    config = tmp_path / "cfg"
    q = TransferQueue(config / "queue.sqlite3")
    q.close()
    assert (config.stat().st_mode & 0o777) == 0o700
    assert ((config / "queue.sqlite3").stat().st_mode & 0o777) == 0o600
    victim = tmp_path / "victim.txt"
    victim.write_text("do not touch")
    (config / "trap").symlink_to(victim)
    with pytest.raises(FileError):
        private_file(config / "trap")
    assert victim.read_text() == "do not touch"
    assert (victim.stat().st_mode & 0o777) != 0o600 or os.name != "posix"
