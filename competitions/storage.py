"""Content-addressed file storage behind a small interface.

Files are named by their sha256, so identical uploads are stored once and a
file's name never reveals what it holds. Two implementations: LocalStorage (a
folder) and S3Storage (competitions/storage_s3.py, an S3 bucket). ``open_storage``
picks one from a URL; boto3 is imported only when an s3:// URL is used.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

CHUNK = 1 << 20
HEX = frozenset("0123456789abcdef")


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int


class StorageUnavailable(RuntimeError):
    """The storage cannot be reached or used (S3 down, bucket missing, access refused): the
    operator's problem, not the user's: the web app logs this message and answers 503."""


class Storage(Protocol):
    def put(self, stream: BinaryIO) -> StoredFile: ...
    def open(self, sha256: str) -> BinaryIO: ...  # readable and seekable; FileNotFoundError if absent
    def exists(self, sha256: str) -> bool: ...
    # housekeeping (competitions/housekeeping.py)
    def delete(self, sha256: str) -> int: ...
    def blobs(self) -> Iterator[tuple[str, int, float]]: ...
    def temp_files(self) -> Iterator[tuple[Path, int, float]]: ...
    def check(self) -> None: ...  # StorageUnavailable unless usable
    def describe(self) -> str: ...  # the folder or s3:// URL, for messages


def check_digest(sha256: str) -> str:
    """The digest itself, or ValueError: a name from outside never becomes a path or a key."""
    if not isinstance(sha256, str) or len(sha256) != 64 or not set(sha256) <= HEX:
        raise ValueError("not a sha256 hex digest")
    return sha256


def open_storage(url: str | os.PathLike) -> Storage:
    """``s3://bucket/prefix`` (or ``s3://bucket``): an S3Storage sharing this process's client;
    anything else is a local folder."""
    text = os.fspath(url)
    if text.startswith("s3://"):
        from .storage_s3 import S3Storage  # boto3 only when S3 is configured

        return S3Storage.from_url(text)
    return LocalStorage(text)


class LocalStorage:
    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"LocalStorage({str(self.root)!r})"

    def describe(self) -> str:
        return str(self.root)

    def check(self) -> None:
        """A local folder is usable once it can be created (put() creates it anyway)."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageUnavailable(f"The data folder {self.root} cannot be created: {exc}") from exc

    def _path(self, sha256: str) -> Path:
        check_digest(sha256)
        return self.root / sha256[:2] / sha256

    def put(self, stream: BinaryIO) -> StoredFile:
        """Stream to a temp file while hashing, then rename into place."""
        self.root.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
            final = self._path(digest.hexdigest())
            final.parent.mkdir(exist_ok=True)
            os.replace(tmp, final)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return StoredFile(digest.hexdigest(), size)

    def open(self, sha256: str) -> BinaryIO:
        return self._path(sha256).open("rb")

    def exists(self, sha256: str) -> bool:
        return self._path(sha256).exists()

    # -- housekeeping (see competitions/housekeeping.py) ------------------------------------
    def delete(self, sha256: str) -> int:
        """Remove a stored file; its size, or 0 if it was not there."""
        path = self._path(sha256)
        try:
            size = path.stat().st_size
            path.unlink()
        except FileNotFoundError:
            return 0
        return size

    def blobs(self):
        """(sha256, size, mtime) of every stored file."""
        if not self.root.is_dir():
            return
        for folder in sorted(self.root.iterdir()):
            if len(folder.name) != 2 or not folder.is_dir():
                continue
            for path in sorted(folder.iterdir()):
                if len(path.name) == 64 and path.name.startswith(folder.name):
                    st = path.stat()
                    yield path.name, st.st_size, st.st_mtime

    def temp_files(self):
        """(path, size, mtime) of interrupted uploads' temporary files (``.upload-*``)."""
        if not self.root.is_dir():
            return
        for path in sorted(self.root.glob(".upload-*")):
            st = path.stat()
            yield path, st.st_size, st.st_mtime
