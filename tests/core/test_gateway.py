"""Request shapes and error mapping of every endpoint the Gateway uses."""

from __future__ import annotations

import json
import logging
import threading
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from sds_desktop.core.errors import (
    AuthError,
    CaptureError,
    DatasetError,
    FileError,
    NetworkError,
    RateLimitedError,
    ServiceError,
    TLSError,
)
from sds_desktop.core.gateway import Gateway
from tests.core.conftest import BASE, EMAIL, TOKEN, file_json, no_sleep, page, policy

FILES = f"{BASE}/assets/files/"
HTML_404 = "<!doctype html><html><body><h1>Not Found</h1></body></html>"


def qs(request: requests.PreparedRequest) -> dict[str, list[str]]:
    return parse_qs(urlsplit(str(request.url)).query)


def test_auth_header_and_email(rsps: responses.RequestsMock, gateway: Gateway) -> None:
    rsps.get(f"{BASE}/auth/", json={"message": f"API key is valid for {EMAIL}"})
    assert gateway.authenticate() == EMAIL
    sent = rsps.calls[0].request
    assert sent.headers["Authorization"] == f"Api-Key: {TOKEN}"
    assert str(sent.url).endswith("/api/v1/auth/")


def test_repr_and_logs_never_show_token(
    rsps: responses.RequestsMock, gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    assert TOKEN not in repr(gateway)
    assert TOKEN not in str(gateway)
    rsps.get(f"{BASE}/auth/", status=401, json={"detail": "API key not found"})
    with caplog.at_level(logging.DEBUG), pytest.raises(AuthError) as info:
        gateway.authenticate()
    assert TOKEN not in caplog.text
    assert TOKEN not in str(info.value)
    assert "API key not found" in str(info.value)
    assert info.value.status == 401


@pytest.mark.parametrize(
    ("status", "body", "ctype", "exc", "text"),
    [
        (401, {"detail": "API key not found"}, None, AuthError, "API key not found"),
        (403, {"detail": "You do not have permission"}, None, AuthError, "permission"),
        (404, HTML_404, "text/html", FileError, "Not Found"),
        (
            400,
            {"file": ["No file was submitted."]},
            None,
            FileError,
            "file: No file was submitted.",
        ),
        (500, "<html>Server Error</html>", "text/html", ServiceError, "SDS failed on this request"),
        (503, "", "text/plain", ServiceError, "Service Unavailable"),
        (429, {"detail": "slow down"}, None, RateLimitedError, "slow down"),
    ],
)
def test_error_mapping(  # noqa: PLR0917
    rsps: responses.RequestsMock,
    status: int,
    body: object,
    ctype: str | None,
    exc: type[Exception],
    text: str,
) -> None:
    gw = Gateway(BASE, TOKEN, retry=policy(attempts=1))
    fid = uuid.uuid4()
    url = f"{FILES}{fid.hex}/"
    if isinstance(body, str):
        rsps.get(url, status=status, body=body, content_type=ctype)
    else:
        rsps.get(url, status=status, json=body)
    with pytest.raises(exc) as info:
        gw.get_file(str(fid))
    assert text in str(info.value)
    assert info.value.status == status  # type: ignore[attr-defined]
    gw.close()


def test_connection_and_tls_errors(rsps: responses.RequestsMock) -> None:
    gw = Gateway(BASE, TOKEN, retry=policy(attempts=1))
    rsps.get(f"{BASE}/auth/", body=requests.exceptions.ConnectionError("refused"))
    with pytest.raises(NetworkError) as info:
        gw.authenticate()
    assert info.value.retryable
    rsps.replace(responses.GET, f"{BASE}/auth/", body=requests.exceptions.SSLError("bad cert"))
    with pytest.raises(TLSError) as tls:
        gw.authenticate()
    assert not tls.value.retryable
    rsps.replace(responses.GET, f"{BASE}/auth/", body=requests.exceptions.ReadTimeout("slow"))
    with pytest.raises(NetworkError):
        gw.authenticate()
    gw.close()


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (
            requests.exceptions.ConnectionError(
                "HTTPSConnectionPool(host='x', port=443): Max retries exceeded (Caused by "
                "NameResolutionError(\"Failed to resolve 'x' ([Errno -2] Name or service "
                'not known)"))'
            ),
            "the host name could not be resolved",
        ),
        (
            requests.exceptions.ConnectionError("[Errno 111] Connection refused"),
            "the connection was refused",
        ),
        (
            requests.exceptions.SSLError(
                "[SSL: CERTIFICATE_VERIFY_FAILED] self-signed certificate"
            ),
            "the server's certificate is self-signed",
        ),
        (
            requests.exceptions.SSLError("[SSL: CERTIFICATE_VERIFY_FAILED] Hostname mismatch"),
            "the certificate is for another host name",
        ),
    ],
)
def test_transport_errors_read_as_reasons(
    rsps: responses.RequestsMock, raised: Exception, expected: str
) -> None:
    gw = Gateway(BASE, TOKEN, retry=policy(attempts=1))
    rsps.get(f"{BASE}/auth/", body=raised)
    with pytest.raises(NetworkError) as info:
        gw.authenticate()
    assert expected in str(info.value)
    assert "Max retries" not in str(info.value)  # the library's text stays in .detail
    assert str(info.value.detail) == str(raised)
    gw.close()


@pytest.mark.parametrize(
    "body",
    ["not json", json.dumps([1, 2]), json.dumps({"uuid": "nope"}), json.dumps({"name": 3})],
)
def test_malformed_replies(rsps: responses.RequestsMock, gateway: Gateway, body: str) -> None:
    fid = uuid.uuid4().hex
    rsps.get(f"{FILES}{fid}/", body=body, content_type="application/json")
    with pytest.raises(ServiceError, match="malformed server reply"):
        gateway.get_file(fid)


def test_malformed_uuid_sends_nothing(rsps: responses.RequestsMock, gateway: Gateway) -> None:
    for bad in ["abc", "../etc", "", "0" * 31]:
        with pytest.raises(FileError, match="invalid UUID"):
            gateway.get_file(bad)
        with pytest.raises(FileError):
            gateway.delete_file(bad)
    with pytest.raises(CaptureError):
        gateway.get_capture("nope")
    with pytest.raises(DatasetError):
        gateway.get_dataset("nope")
    assert len(rsps.calls) == 0


def test_get_file_sends_hex_uuid(rsps: responses.RequestsMock, gateway: Gateway) -> None:
    fid = uuid.uuid4()
    rsps.get(f"{FILES}{fid.hex}/", json=file_json(file_uuid=str(fid)))
    f = gateway.get_file(str(fid))
    assert f.uuid == fid.hex
    assert f.directory == "/data"
    assert f.owner_email == EMAIL
    assert f.sds_path == "/data/a.bin"


def test_delete_and_detach(rsps: responses.RequestsMock, gateway: Gateway) -> None:
    fid = uuid.uuid4().hex
    rsps.delete(f"{FILES}{fid}/", status=204)
    rsps.put(f"{FILES}{fid}/detach-from-datasets/", json={"message": "ok"})
    gateway.delete_file(fid)
    gateway.detach_file_from_datasets(fid)
    assert [c.request.method for c in rsps.calls] == ["DELETE", "PUT"]


def test_delete_refused_is_auth_error(rsps: responses.RequestsMock, gateway: Gateway) -> None:
    fid = uuid.uuid4().hex
    rsps.delete(f"{FILES}{fid}/", status=403, json={"detail": "Cannot delete file 'a'"})
    with pytest.raises(AuthError, match="Cannot delete"):
        gateway.delete_file(fid)


def test_check_contents_exist_form(rsps: responses.RequestsMock, gateway: Gateway) -> None:
    sibling = uuid.uuid4()
    rsps.post(
        f"{BASE}/assets/utils/check_contents_exist/",
        json={
            "file_exists_in_tree": False,
            "file_contents_exist_for_user": True,
            "user_mutable_attributes_differ": True,
            "asset_id": str(sibling),
        },
    )
    check = gateway.check_contents_exist("//x//y/", "f.bin", "text/plain", "ab" * 32, "rw-r--r--")
    assert check.asset_id == sibling.hex
    assert check.file_contents_exist_for_user
    form = parse_qs(str(rsps.calls[0].request.body))
    assert form == {
        "directory": ["/x/y"],
        "name": ["f.bin"],
        "media_type": ["text/plain"],
        "sum_blake3": ["ab" * 32],
        "permissions": ["rw-r--r--"],
    }


def test_check_contents_refuses_bad_paths(rsps: responses.RequestsMock, gateway: Gateway) -> None:
    from sds_desktop.core.errors import PathError

    with pytest.raises(PathError):
        gateway.check_contents_exist("/a/../b", "f", "", "ab" * 32, "")
    with pytest.raises(PathError):
        gateway.check_contents_exist("/a", "x/y", "", "ab" * 32, "")
    assert len(rsps.calls) == 0


def test_upload_sibling_form(rsps: responses.RequestsMock, gateway: Gateway) -> None:
    sibling = uuid.uuid4()
    rsps.post(FILES, status=201, json=file_json(name="f.bin", directory="/x"))
    f = gateway.upload_sibling(str(sibling), "/x", "f.bin", "text/plain", "rw-r--r--")
    assert f.directory == "/x"
    form = parse_qs(str(rsps.calls[0].request.body))
    assert form["sibling_uuid"] == [sibling.hex]
    assert form["name"] == ["f.bin"]
    assert "file" not in form


def test_file_pages_follow_next_and_filter_prefix(
    rsps: responses.RequestsMock, gateway: Gateway
) -> None:
    p1 = [file_json(name=f"f{i}", directory=f"/files/{EMAIL}/a") for i in range(2)]
    p2 = [
        file_json(name="deep", directory=f"/files/{EMAIL}/a/sub"),
        file_json(name="other", directory=f"/files/{EMAIL}/ab"),
    ]
    p3 = [file_json(name="last", directory=f"/files/{EMAIL}/a")]
    rsps.get(
        FILES,
        json=page(p1, "http://evil.example/api/v1/assets/files/?page=2&path=%2Fa&page_size=2"),
    )
    rsps.get(FILES, json=page(p2, f"{FILES}?page=3&path=%2Fa&page_size=2"))
    rsps.get(FILES, json=page(p3, None))
    pages = list(gateway.iter_file_pages("/a/", page_size=2))
    assert [[f.name for f in p] for p in pages] == [["f0", "f1"], ["deep"], ["last"]]
    urls = [str(c.request.url) for c in rsps.calls]
    # next links are read for their query only: never sent to another host
    assert all(u.startswith(FILES) for u in urls)
    assert qs(rsps.calls[0].request) == {"path": ["/a"], "page_size": ["2"], "page": ["1"]}
    assert qs(rsps.calls[1].request)["page"] == ["2"]
    assert all(c.request.headers["Authorization"] == f"Api-Key: {TOKEN}" for c in rsps.calls)


def test_file_pages_invalid_page_ends(rsps: responses.RequestsMock, gateway: Gateway) -> None:
    rsps.get(FILES, json=page([file_json()], f"{FILES}?page=2&path=%2F", count=60))
    rsps.get(FILES, status=404, json={"detail": "Invalid page."})
    assert len(gateway.list_files("/")) == 1


def test_listing_keeps_hostile_entries_flagged(
    rsps: responses.RequestsMock, gateway: Gateway
) -> None:
    rsps.get(
        FILES,
        json=page(
            [
                file_json(name="ok"),
                file_json(name="../evil"),
                file_json(name="x", directory=f"/files/{EMAIL}/../../etc"),
                file_json(name="nul\x00"),
                file_json(name="C:evil"),
                file_json(name="b\\s"),
            ]
        ),
    )
    files = gateway.list_files("/")
    assert [f.safe for f in files] == [True, False, False, False, False, False]
    assert all(f.unsafe_reason for f in files[1:])


def test_retry_5xx_then_success(rsps: responses.RequestsMock) -> None:
    sleeps: list[float] = []
    from sds_desktop.core.retry import RetryPolicy

    gw = Gateway(BASE, TOKEN, retry=RetryPolicy(attempts=3, sleep=sleeps.append))
    rsps.get(f"{BASE}/auth/", status=502, body="bad gateway")
    rsps.get(f"{BASE}/auth/", body=requests.exceptions.ConnectionError("reset"))
    rsps.get(f"{BASE}/auth/", json={"message": f"API key is valid for {EMAIL}"})
    assert gw.authenticate() == EMAIL
    assert len(rsps.calls) == 3
    assert len(sleeps) == 2
    gw.close()


def test_retry_bounded(rsps: responses.RequestsMock) -> None:
    gw = Gateway(BASE, TOKEN, retry=policy(attempts=3))
    rsps.get(f"{BASE}/auth/", status=500, body="x")
    with pytest.raises(ServiceError):
        gw.authenticate()
    assert len(rsps.calls) == 3
    gw.close()


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409])
def test_4xx_never_retried(rsps: responses.RequestsMock, status: int) -> None:
    gw = Gateway(BASE, TOKEN, retry=policy(attempts=5))
    rsps.get(f"{BASE}/auth/", status=status, json={"detail": "no"})
    with pytest.raises((AuthError, FileError)):
        gw.authenticate()
    assert len(rsps.calls) == 1
    gw.close()


def test_429_honours_retry_after(rsps: responses.RequestsMock) -> None:
    from sds_desktop.core.retry import RetryPolicy

    sleeps: list[float] = []
    gw = Gateway(BASE, TOKEN, retry=RetryPolicy(attempts=2, sleep=sleeps.append))
    rsps.get(f"{BASE}/auth/", status=429, json={"detail": "slow"}, headers={"Retry-After": "7"})
    rsps.get(f"{BASE}/auth/", json={"message": "API key is valid for a@b.c"})
    assert gw.authenticate() == "a@b.c"
    assert sleeps == [7.0]
    gw.close()


def test_session_per_thread(gateway: Gateway) -> None:
    sessions: list[requests.Session] = []

    def grab() -> None:
        sessions.append(gateway._session())

    threads = [threading.Thread(target=grab) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    grab()
    grab()
    assert len({id(s) for s in sessions}) == 4


def test_download_stream_headers(rsps: responses.RequestsMock, gateway: Gateway) -> None:
    fid = uuid.uuid4().hex
    rsps.get(
        f"{FILES}{fid}/download/",
        body=b"abc" * 10,
        headers={"Content-Disposition": 'attachment; filename="a"', "Content-Length": "30"},
    )
    with gateway.download_stream(fid) as stream:
        assert stream.status == 200
        assert b"".join(stream.chunks) == b"abc" * 10
        assert stream.content_length == 30


def test_download_stream_error(rsps: responses.RequestsMock, gateway: Gateway) -> None:
    fid = uuid.uuid4().hex
    rsps.get(f"{FILES}{fid}/download/", status=404, json={"detail": "No File matches"})
    with pytest.raises(FileError, match="No File matches"), gateway.download_stream(fid):
        pass


def test_no_sleep_helper() -> None:
    assert no_sleep(1.0) is None


def test_environment_proxy_and_ca_bundle_are_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/site-ca.pem")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    gw = Gateway("https://sds.example.org/api/v1", TOKEN)
    session = gw._session()
    assert session.proxies.get("https") == "http://proxy.example:3128"
    assert session.verify == "/etc/ssl/site-ca.pem"
    gw.close()
    monkeypatch.setenv("NO_PROXY", "sds.example.org")
    gw = Gateway("https://sds.example.org/api/v1", TOKEN, verify=False)
    session = gw._session()
    assert "https" not in session.proxies  # our host bypasses the proxy
    assert session.verify is False  # an explicit choice beats the environment
    gw.close()
