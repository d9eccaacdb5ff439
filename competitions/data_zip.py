"""All of a competition's data files as one zip, streamed from storage.

The archive is written to a small buffer that is handed out and emptied after every chunk,
so memory stays at one chunk (CHUNK bytes plus zip's own buffers) whatever the files' sizes;
nothing is built on disk. zipfile writes to an unseekable stream with data descriptors, and
each member's size is declared up front so zip64 is used exactly when a file needs it.
Files that are already compressed (.gz, .zip) are stored; others are deflated.
"""
from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from .storage import Storage

CHUNK = 1 << 16


@dataclass(frozen=True)
class Member:
    name: str
    sha256: str
    size: int
    modified: datetime


class _Drain:
    """A write-only, unseekable sink whose bytes are taken out by the generator."""

    def __init__(self):
        self.parts: list[bytes] = []
        self.position = 0

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        self.position += len(data)
        return len(data)

    def tell(self) -> int:  # zipfile asks where it is; seeking stays unsupported
        return self.position

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        out, self.parts = b"".join(self.parts), []
        return out


def stream_zip(storage: Storage, members: list[Member]) -> Iterator[bytes]:
    """The zip's bytes, chunk by chunk. Open storage lazily: call it from the response."""
    sink = _Drain()
    with zipfile.ZipFile(sink, mode="w", allowZip64=True) as archive:
        for member in members:
            info = zipfile.ZipInfo(member.name, date_time=_stamp(member.modified))
            packed = member.name.lower().endswith((".gz", ".zip", ".bz2", ".xz", ".parquet"))
            info.compress_type = zipfile.ZIP_STORED if packed else zipfile.ZIP_DEFLATED
            info.file_size = member.size
            with storage.open(member.sha256) as source, archive.open(info, mode="w", force_zip64=member.size
                                                                     >= zipfile.ZIP64_LIMIT) as target:
                while block := source.read(CHUNK):
                    target.write(block)
                    if (chunk := sink.take()):
                        yield chunk
            if (chunk := sink.take()):
                yield chunk
    yield sink.take()


def _stamp(when: datetime) -> tuple[int, int, int, int, int, int]:
    stamp = when.timetuple()[:6]
    return stamp if stamp[0] >= 1980 else (1980, 1, 1, 0, 0, 0)
