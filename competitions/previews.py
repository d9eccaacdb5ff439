"""Previews of data files for the Data tab: the first rows, the column names and their types.

Computed once, when a file is stored (hosting.add_file), and kept on CompetitionFile.preview,
so a page view never opens a data file. The work is bounded whatever the file: at most
HEAD_BYTES of (decompressed) text are read, types are inferred from the rows in that head,
and what is kept is at most ROWS rows of at most COLUMNS columns of cells cut at CELL_CHARS.
A file that is not a CSV (or .csv.gz, or a .zip holding one CSV) gets no preview (None).
"""
from __future__ import annotations

import csv
import gzip
import io
import zipfile
import zlib
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import CompetitionFile
from .storage import Storage

HEAD_BYTES = 1 << 20  # the most text read from any file
ROWS = 5  # rows shown
TYPE_ROWS = 200  # rows (within HEAD_BYTES) the types are inferred from
COLUMNS = 50  # columns shown
CELL_CHARS = 40  # characters of a cell shown
LINE_CHARS = 100_000  # characters of a line parsed
MAX_NAMES = 1000  # column names kept (the scorer compares a submission's header with the test file's)
_SUFFIXES = (".csv", ".csv.gz", ".zip", ".tsv")


def is_previewable(name: str) -> bool:
    return name.lower().endswith(_SUFFIXES)


def preview_stream(name: str, stream: BinaryIO) -> dict | None:
    """The preview of one file, or None when it cannot be read as a table."""
    if not is_previewable(name):
        return None
    try:
        text = _head_text(stream)
    except (OSError, EOFError, zlib.error, zipfile.BadZipFile, gzip.BadGzipFile, ValueError):
        return None
    if text is None or "\x00" in text:
        return None
    return _table(text)


def _head_text(stream: BinaryIO) -> str | None:
    """At most HEAD_BYTES of the file's (decompressed) text, cut at the last whole line."""
    stream.seek(0)
    magic = stream.read(4)
    stream.seek(0)
    if magic.startswith(b"\x1f\x8b"):
        raw = gzip.GzipFile(fileobj=stream).read(HEAD_BYTES + 1)
    elif magic.startswith(b"PK"):
        archive = zipfile.ZipFile(stream)
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) != 1:
            return None
        with archive.open(members[0]) as member:
            raw = member.read(HEAD_BYTES + 1)
    else:
        raw = stream.read(HEAD_BYTES + 1)
    if len(raw) > HEAD_BYTES:
        raw = raw[:HEAD_BYTES]
        cut = raw.rfind(b"\n")
        raw = raw[:cut + 1] if cut > 0 else raw
    return raw.decode("utf-8-sig", errors="replace")


def _table(text: str) -> dict | None:
    # Lines are cut to LINE_CHARS (csv's own field limit would refuse a longer cell): a preview
    # needs only the start of each cell.
    text = "\n".join(line[:LINE_CHARS] for line in text.split("\n")[:TYPE_ROWS + 2])
    delimiter = "\t" if text.split("\n", 1)[0].count("\t") > text.split("\n", 1)[0].count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader, None)
        rows = []
        for row in reader:
            if row:
                rows.append(row)
            if len(rows) >= TYPE_ROWS:
                break
    except csv.Error:
        return None
    if not header:
        return None
    shown = min(len(header), COLUMNS)
    columns = [{"name": _cut(header[i]), "type": _infer([r[i] if i < len(r) else "" for r in rows])}
               for i in range(shown)]
    return {
        "columns": columns,
        "n_columns": len(header),
        "column_names": header[:MAX_NAMES] if len(header) <= MAX_NAMES else None,
        "rows": [[_cut(r[i]) if i < len(r) else "" for i in range(shown)] for r in rows[:ROWS]],
    }


def _cut(cell: str) -> str:
    return cell if len(cell) <= CELL_CHARS else cell[:CELL_CHARS - 1] + "…"


def _infer(cells: list[str]) -> str:
    """integer, number, boolean or text, from the non-empty cells (empty if all are blank)."""
    values = [c.strip() for c in cells if c.strip()]
    if not values:
        return "empty"
    if all(_is_int(v) for v in values):
        return "integer"
    if all(_is_float(v) for v in values):
        return "number"
    if all(v.lower() in ("true", "false") for v in values):
        return "boolean"
    return "text"


def _is_int(value: str) -> bool:
    try:
        int(value)
    except ValueError:
        return False
    return True


def _is_float(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def compute(storage: Storage, row: CompetitionFile) -> dict | None:
    """The preview of a stored file (hosting calls this once, when the file is stored)."""
    with storage.open(row.sha256) as handle:
        return preview_stream(row.name, handle)


def fill_missing(session: Session, storage: Storage) -> int:
    """Previews for files stored before previews existed (the `flask files previews` command);
    a file already marked gets no second try. Flushes; returns how many files were looked at."""
    done = 0
    for row in session.scalars(select(CompetitionFile).where(CompetitionFile.preview_done.is_(False))):
        row.preview = compute(storage, row) if storage.exists(row.sha256) else None
        row.preview_done = True
        done += 1
    session.flush()
    return done


def test_file_columns(competition) -> list[str] | None:
    """The test file's column names, from its stored preview (None if unknown)."""
    for row in competition.files:
        if row.name == competition.test_file and row.preview:
            return row.preview.get("column_names")
    return None
