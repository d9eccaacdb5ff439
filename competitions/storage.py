"""Content-addressed file storage behind a small interface.

Files are named by their sha256, so identical uploads are stored once and a
file's name never reveals what it holds. An object store can implement the
same three methods later.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

CHUNK = 1 << 20


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int


class Storage(Protocol):
    def put(self, stream: BinaryIO) -> StoredFile: ...
    def open(self, sha256: str) -> BinaryIO: ...
    def exists(self, sha256: str) -> bool: ...


class LocalStorage:
    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def _path(self, sha256: str) -> Path:
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            raise ValueError("not a sha256 hex digest")
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

    # -- housekeeping (LocalStorage only; see competitions/housekeeping.py) ------------------
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
