"""One server under comparison: base URL, key, and the calls scenarios make."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any

import requests

TIMEOUT = 120


class Side:
    def __init__(self, name: str, base: str, key: str) -> None:
        self.name = name
        self.base = base.rstrip("/")
        self.key = key
        self.session = requests.Session()

    def call(
        self, method: str, path: str, *, key: str | bool | None = True, **kwargs: Any
    ) -> requests.Response:
        """``path`` under /api/v1 (or a full URL); ``key``: True = ours, None = no header."""
        url = path if path.startswith("http") else f"{self.base}/api/v1{path}"
        headers = dict(kwargs.pop("headers", None) or {})
        if key is True:
            headers["Authorization"] = f"Api-Key: {self.key}"
        elif isinstance(key, str):
            headers["Authorization"] = f"Api-Key: {key}"
        kwargs.setdefault("allow_redirects", False)
        return self.session.request(method, url, headers=headers, timeout=TIMEOUT, **kwargs)

    def upload(
        self,
        directory: str,
        filename: str,
        data: bytes,
        *,
        name: str | None = "",
        path: str = "/assets/files/",
        **fields: str,
    ) -> requests.Response:
        """A multipart upload; ``name`` "" = the filename, None = no ``name`` field."""
        form = {
            "directory": directory,
            "media_type": mimetypes.guess_type(filename)[0] or "application/octet-stream",
            "permissions": "rw-r--r--",
            **fields,
        }
        if name is not None:
            form["name"] = name or filename
        return self.call("POST", path, data=form, files={"file": (filename, data)})

    def upload_tree(self, local: Path, sds_dir: str) -> list[requests.Response]:
        out = []
        for path in sorted(p for p in local.rglob("*") if p.is_file()):
            if path.name.startswith("tmp.") or path.stat().st_size == 0:
                continue
            rel = path.parent.relative_to(local).as_posix()
            directory = sds_dir + ("" if rel == "." else "/" + rel)
            response = self.upload(directory, path.name, path.read_bytes())
            if response.status_code != 201:
                raise RuntimeError(
                    f"{self.name}: upload of {path} failed: {response.status_code} "
                    f"{response.text[:200]}"
                )
            out.append(response)
        return out
