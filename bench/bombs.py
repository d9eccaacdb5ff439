"""Hostile inputs for the upload limits, built in memory without writing gigabytes anywhere.

- ``wide_csv``: a header with a million columns (about 8.9 MB), no rows;
- ``gzip_bomb``: a .csv.gz that inflates to ``size`` bytes (one long line, or rows);
- ``zip_bomb``: the same inside a .zip (zip64, its size declared honestly).

A gzip file may hold several members, read one after the other, so a bomb is one
compressed block of 64 MiB repeated.  A deflate stream ended by a full flush is
byte-aligned and refers to nothing before it, so for the zip the same block is
repeated inside one member.  Neither is ever inflated here: the CRC of the zip
member is left 0, which only matters to a reader that gets to its end.
"""
from __future__ import annotations

import gzip
import struct
import zlib

BLOCK = 64 << 20


def wide_csv(columns: int = 1_000_000, rows: int = 1) -> bytes:
    header = ",".join(f"c{i}" for i in range(columns)).encode()
    row = ",".join("0" for _ in range(columns)).encode()
    return header + b"\n" + b"".join(row + b"\n" for _ in range(rows))


def _unit(kind: str) -> bytes:
    if kind == "line":
        return b"a" * BLOCK  # one line with no end
    if kind == "rows":
        row = b"id_1,0.5\n"
        return row * (BLOCK // len(row)) + b"\n" * (BLOCK % len(row))
    raise ValueError(kind)


def _head(kind: str) -> bytes:
    return b"id,target\n" if kind == "rows" else b"id,target\n"


def gzip_bomb(size: int, kind: str = "line") -> bytes:
    """A gzip stream inflating to ``size`` bytes (rounded up to 64 MiB): ``kind`` 'line' or 'rows'."""
    block = gzip.compress(_unit(kind), compresslevel=9, mtime=0)
    return gzip.compress(_head(kind), mtime=0) + block * -(-size // BLOCK)


def zip_bomb(size: int, kind: str = "line", name: str = "submission.csv") -> bytes:
    """A .zip whose one member inflates to ``size`` bytes (rounded up to 64 MiB), zip64, sizes declared."""
    count = -(-size // BLOCK)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = packer.compress(_head(kind)) + packer.flush(zlib.Z_FULL_FLUSH)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = packer.compress(_unit(kind)) + packer.flush(zlib.Z_FULL_FLUSH)
    data = head + block * count + b"\x03\x00"  # an empty final block ends the stream
    usize = len(_head(kind)) + BLOCK * count
    csize = len(data)
    fname = name.encode()
    local_extra = struct.pack("<HHQQ", 0x0001, 16, usize, csize)
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 8, 0, 0, 0, 0xFFFFFFFF, 0xFFFFFFFF,
                        len(fname), len(local_extra)) + fname + local_extra
    central_extra = struct.pack("<HHQQQ", 0x0001, 24, usize, csize, 0)
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, 8, 0, 0, 0, 0xFFFFFFFF, 0xFFFFFFFF,
                          len(fname), len(central_extra), 0, 0, 0, 0, 0xFFFFFFFF) + fname + central_extra
    cd_offset = len(local) + csize
    zip64_end = struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, 1, 1, len(central), cd_offset)
    locator = struct.pack("<IIQI", 0x07064B50, 0, cd_offset + len(central), 1)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), 0xFFFFFFFF, 0)
    return local + data + central + zip64_end + locator + end
