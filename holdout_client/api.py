"""HTTP to the server's JSON API with urllib alone (no third-party dependency)."""
from __future__ import annotations

import hashlib
import json
import mimetypes
import os
import secrets
import socket
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from . import __version__
from .errors import ApiError, ClientError

TIMEOUT = float(os.environ.get("HOLDOUT_TIMEOUT", "300"))  # scoring a big file takes a while
CHUNK = 1 << 16


def encode_multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    """multipart/form-data body and its Content-Type; files maps field -> (file name, content)."""
    boundary = "holdout-" + secrets.token_hex(16)
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
                     + value.encode("utf-8") + b"\r\n")
    for name, (filename, content) in files.items():
        # Quotes and line breaks would end the header early; the server only needs the extension.
        safe = filename.replace("\\", "_").replace('"', "%22").replace("\r", "").replace("\n", "")
        kind = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        head = (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{safe}"\r\n'
                f"Content-Type: {kind}\r\n\r\n")
        parts.append(head.encode("utf-8") + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def quote(segment: str) -> str:
    return urllib.parse.quote(str(segment), safe="")


class Api:
    def __init__(self, server: str, token: str | None = None):
        self.server = server
        self.token = token

    def _open(self, method: str, path: str, *, query: dict | None = None, data: bytes | None = None,
              content_type: str | None = None):
        url = f"{self.server}/api/v1{path}"
        if query:
            url += "?" + urllib.parse.urlencode(query)
        headers = {"Accept": "application/json", "User-Agent": f"holdout-client/{__version__}"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if content_type:
            headers["Content-Type"] = content_type
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            return urllib.request.urlopen(request, timeout=TIMEOUT)
        except urllib.error.HTTPError as exc:
            raise ApiError(exc.code, _error_body(exc)) from None
        except urllib.error.URLError as exc:
            reason = getattr(exc.reason, "strerror", None) or str(exc.reason)
            raise ClientError(f"could not reach the Holdout server at {self.server} ({reason})") from None
        except (TimeoutError, socket.timeout):
            raise ClientError(f"the Holdout server at {self.server} did not answer within {TIMEOUT:g}s") from None
        except (ConnectionError, OSError) as exc:
            raise ClientError(f"could not reach the Holdout server at {self.server} ({exc})") from None

    def call(self, method: str, path: str, *, query: dict | None = None, body=None):
        """A JSON request; returns the decoded JSON answer."""
        data = None if body is None else json.dumps(body).encode()
        with self._open(method, path, query=query, data=data,
                        content_type="application/json" if data is not None else None) as response:
            return _json(response.read(), self.server)

    def upload(self, path: str, file_path: Path, fields: dict[str, str]):
        try:
            content = Path(file_path).read_bytes()
        except OSError as exc:
            raise ClientError(f"cannot read {file_path}: {exc.strerror or exc}") from None
        data, content_type = encode_multipart(fields, {"file": (Path(file_path).name, content)})
        with self._open("POST", path, data=data, content_type=content_type) as response:
            return _json(response.read(), self.server)

    def download(self, path: str, target: Path) -> str:
        """Stream to a temporary name beside target, then rename; returns the sha256 of what arrived."""
        partial = target.with_name(target.name + ".part")
        digest = hashlib.sha256()
        try:
            with self._open("GET", path) as response, open(partial, "wb") as out:
                while chunk := response.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
        return digest.hexdigest()


def _json(raw: bytes, server: str):
    try:
        return json.loads(raw)
    except ValueError:
        raise ClientError(f"{server} did not answer with JSON; is it a Holdout server?") from None


def _error_body(exc: urllib.error.HTTPError) -> dict:
    try:
        body = json.loads(exc.read())
    except (ValueError, OSError):
        body = None
    if isinstance(body, dict) and "message" in body:
        return body
    # Not our JSON: a proxy's page or a server that is not Holdout.
    return {"error": f"http_{exc.code}", "message": f"HTTP {exc.code} {exc.reason}"}
