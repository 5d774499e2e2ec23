"""Auth, routing and the server object's life cycle."""

from __future__ import annotations

import re
from pathlib import Path

import requests

from sds_desktop.sandbox.server import SandboxServer
from tests.sandbox.conftest import Api


def test_auth_ok(api: Api, email: str) -> None:
    r = api.get("/auth/")
    assert r.status_code == 200
    assert r.json() == {"message": f"API key is valid for {email}"}


def test_key_shape(server: SandboxServer) -> None:
    key = server.add_user("shape@example.org")
    assert re.fullmatch(r"[A-Za-z0-9]{8}\.[A-Za-z0-9]{32}", key)
    assert server.add_user("shape@example.org") != key


def test_missing_and_bad_key_are_401_on_files(server: SandboxServer) -> None:
    r = Api(server.url, None).get("/auth/")
    assert r.status_code == 401
    assert r.json() == {"detail": "Authentication credentials were not provided."}
    assert r.headers["WWW-Authenticate"] == "Api-Key"
    r = Api(server.url, "nope.nope").get("/assets/files/")
    assert r.status_code == 401
    assert r.json() == {"detail": "API key not found"}


def test_capture_routes_answer_403_not_401(server: SandboxServer) -> None:
    r = Api(server.url, None).get("/assets/captures/")
    assert r.status_code == 403
    assert r.json() == {"detail": "Authentication credentials were not provided."}
    assert "WWW-Authenticate" not in r.headers
    r = Api(server.url, "bad.key").get("/assets/captures/")
    assert r.status_code == 403
    assert r.json() == {"detail": "API key not found"}


def test_header_forms(server: SandboxServer, api: Api) -> None:
    url = f"{server.url}/api/v1/auth/"
    assert requests.get(url, headers={"Authorization": api.key}, timeout=10).status_code == 200
    # The library's usual "Api-Key <key>" (no colon) is the whole string: not found.
    r = requests.get(url, headers={"Authorization": f"Api-Key {api.key}"}, timeout=10)
    assert r.status_code == 401
    r = requests.get(url, headers={"Authorization": f"a:b:{api.key}"}, timeout=10)
    assert r.status_code == 401
    assert r.json() == {"detail": "Expected format: 'Api-Key: <key>'"}


def test_unknown_route_is_html_404(api: Api) -> None:
    for path in ("/nothing/here/", "/assets/datasets/"):
        r = api.get(path)
        assert r.status_code == 404
        assert r.headers["Content-Type"].startswith("text/html")
        assert "<h1>Not Found</h1>" in r.text


def test_method_not_allowed(api: Api) -> None:
    r = api.request("PATCH", "/assets/files/")
    assert r.status_code == 405
    assert r.json() == {"detail": 'Method "PATCH" not allowed.'}


def test_two_servers_coexist(tmp_path: Path) -> None:
    with SandboxServer(tmp_path / "a") as one, SandboxServer(tmp_path / "b") as two:
        assert one.url != two.url
        key = one.add_user("x@example.org")
        assert Api(one.url, key).get("/auth/").status_code == 200
        assert Api(two.url, key).get("/auth/").status_code == 401
    assert (tmp_path / "a" / "sandbox.sqlite3").exists()


def test_refuses_non_loopback(tmp_path: Path) -> None:
    import pytest

    with pytest.raises(ValueError, match="loopback"):
        SandboxServer(tmp_path, host="0.0.0.0")  # noqa: S104 - the point of the test
