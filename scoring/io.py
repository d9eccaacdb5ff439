"""Reading tables: CSV, .csv.gz or a .zip holding one CSV, from a path, bytes, a
file object or a DataFrame.

Files are read in chunks so that a large submission never exists as one big
table of Python strings: callers convert each chunk to compact numpy arrays.
The format is sniffed from the first bytes, not the file name, because uploads
arrive as anonymous streams.  A UTF-8 BOM, CRLF line endings and whitespace
around names and values are accepted.

While the raw bytes are scanned for the limits, they are also watched for anything
that would let an integer parsed from the first column differ from its text
(``Table.integer_ids``): such a column can then be parsed by pandas as int64,
several times faster than as a million Python strings.
"""
from __future__ import annotations

import csv
import gzip
import io
import os
import re
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import closing, contextmanager

import numpy as np
import pandas as pd

from .limits import DEFAULT_LIMITS, Limits

CHUNK_ROWS = 32_768
SCAN_CHUNK = 1 << 20  # bytes read at a time by Table._scan
_GZIP_MAGIC = b"\x1f\x8b"
_ZIP_MAGIC = b"PK\x03\x04"
_EMPTY_ZIP_MAGIC = b"PK\x05\x06"
# False reads every id as text, as before the integer path existed (the tests compare both).
INTEGER_IDS = True


class ReadFailure(Exception):
    """The file as a whole cannot be read as a table (code is a problem code)."""

    def __init__(self, code: str, message: str, row: int | None = None):
        super().__init__(message)
        self.code, self.message, self.row = code, message, row


class Table:
    """A readable table: ``columns`` holds the stripped header names."""

    def __init__(self, source, limits: Limits | None = None):
        self._frame = None
        self._opener = None
        self._spool = None
        self._compressed = False
        self._integers_clean = False  # set by _scan (see integer_ids)
        self.limits = limits or DEFAULT_LIMITS
        if isinstance(source, pd.DataFrame):
            self._frame = source
            self.raw_columns = [str(c) for c in source.columns]
        else:
            self._opener = self._make_opener(source)
            self.raw_columns = self._read_header()
        self.columns = [c.strip() for c in self.raw_columns]

    # -- opening -------------------------------------------------------------
    def _make_opener(self, source):
        if isinstance(source, (bytes, bytearray, memoryview)):
            source = io.BytesIO(bytes(source))
        if isinstance(source, (str, os.PathLike)):
            path = os.fspath(source)
            if not os.path.isfile(path):
                raise FileNotFoundError(f"no such file: {path}")
            with open(path, "rb") as fh:
                head = fh.read(4)
            return self._wrap(lambda: open(path, "rb"), head)
        if not hasattr(source, "read"):
            raise TypeError(
                "expected a path, bytes, a binary file object or a pandas DataFrame, "
                f"got {type(source).__name__}"
            )
        if isinstance(source.read(0), str):  # a text stream: no compression possible
            text = source.read()
            data = io.BytesIO(text.encode("utf-8"))
            return lambda: _Rewound(data)
        if not _seekable(source):
            # Streams we cannot rewind are spooled to disk so we can read twice.
            self._spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed by Table.close()
            shutil.copyfileobj(source, self._spool)
            self._spool.seek(0)
            source = self._spool
        start = source.tell()
        head = source.read(4)
        source.seek(start)
        return self._wrap(lambda: _Rewound(source, start), head)

    def _wrap(self, open_raw, head: bytes):
        if head.startswith(_GZIP_MAGIC):
            self._compressed = True
            return lambda: _GzipOwner(open_raw())
        if head.startswith((_ZIP_MAGIC, _EMPTY_ZIP_MAGIC)):
            self._compressed = True
            return lambda: _zip_member(open_raw(), self.limits.max_inflated_bytes)
        return open_raw

    @contextmanager
    def _open(self):
        try:
            stream = self._opener()
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
            raise ReadFailure("not_csv", f"The file could not be opened as CSV, .csv.gz or .zip: {exc}.")
        try:
            yield stream
        finally:
            stream.close()

    # -- reading -------------------------------------------------------------
    def _read_header(self) -> list[str]:
        with self._open() as stream:
            head = _read_safely(stream.read, 4096)
            if b"\x00" in head:
                raise ReadFailure("not_csv", "This looks like a binary file, not a CSV text file.")
            if not head.strip(b" \t\r\n\xef\xbb\xbf"):
                raise ReadFailure("empty_file", "The file is empty.")
        self._scan()
        with self._open() as stream:
            frame = _parse(lambda: pd.read_csv(stream, nrows=0, dtype=object, **_CSV_OPTIONS))
        self._check_first_row()
        return [str(c) for c in frame.columns]

    def _scan(self) -> None:
        """One pass over the raw bytes, before pandas sees them, enforcing ``self.limits``.

        Stops at the first limit crossed, so a bomb costs at most the inflated-size
        limit in time and one chunk in memory: a compressed file may not inflate
        beyond ``max_inflated_bytes``, no line may exceed ``max_line_bytes``, and the
        header may have at most ``max_columns`` fields.  Lines are measured between
        newlines from the first and last newline of each chunk: a chunk is never
        longer than the line limit, so a line inside one chunk is always short enough.
        """
        limits = self.limits
        step = max(1, min(SCAN_CHUNK, limits.max_line_bytes))
        total, line, newlines, header = 0, 0, 0, bytearray()
        integers = _IntegerScan()
        with self._open() as stream:
            while chunk := _read_safely(stream.read, step):
                total += len(chunk)
                if self._compressed and total > limits.max_inflated_bytes:
                    raise ReadFailure("file_too_large", (
                        f"The file decompresses to more than {_size(limits.max_inflated_bytes)}, the most this "
                        "server accepts; nothing was read beyond that. Upload a smaller file (or the CSV itself)."))
                integers.feed(chunk)
                first = chunk.find(b"\n")
                if newlines == 0:
                    header += chunk if first < 0 else chunk[:first]
                    if first >= 0:
                        _check_width(bytes(header), limits.max_columns)
                if first < 0:
                    line += len(chunk)
                else:
                    if line + first > limits.max_line_bytes:
                        break
                    newlines += chunk.count(b"\n")
                    line = len(chunk) - chunk.rfind(b"\n") - 1
                if line > limits.max_line_bytes:
                    break
            else:
                if newlines == 0:
                    _check_width(bytes(header), limits.max_columns)
                self._integers_clean = integers.finish()
                return
        if newlines == 0 and header.count(b",") >= limits.max_columns:
            raise ReadFailure("too_many_columns", (
                f"The header (line 1) has more than {limits.max_columns:,} columns, the most accepted; reading "
                "stopped there. Check that the file is separated by commas and has one row per line."), 1)
        raise ReadFailure("line_too_long", (
            f"Line {newlines + 1} is longer than {_size(limits.max_line_bytes)}, the most this server accepts "
            "for one line; reading stopped there. Check that the file has one row per line "
            "(line breaks may be missing, or the file is not a CSV)."), newlines + 1)

    def _check_first_row(self) -> None:
        """Refuse a first data row with more fields than the header.

        pandas would take such a file's first column as the row index (or, with
        index_col=False, drop the extra field, silently when it is empty, as a
        trailing comma makes it), so every column would be read as something it
        is not.  Later rows are safe: with the field count fixed by the first
        row, pandas refuses them itself.  Read without a header, the header is just
        the first row, so pandas counts fields for both and refuses the second if
        it is longer.  Whatever the line numbers pandas reports (it counts blank
        lines), this is the first data row: line 2.
        """
        with self._open() as stream:
            try:
                _parse(lambda: pd.read_csv(stream, header=None, nrows=2, dtype=object, **_CSV_OPTIONS))
            except ReadFailure as failure:
                counts = _FIELD_COUNTS.search(failure.message)
                if counts is None:
                    return  # another failure: reading the rows reports it, with its usual message
                header, row = counts.groups()
                raise ReadFailure(
                    "not_csv",
                    f"Row 2 has {row} fields but the header (line 1) has {header}, so the values cannot be "
                    "matched to the column names. This usually comes from a comma at the end of each row or "
                    "from row numbers saved without a header name: remove the extra field, or name it in the header.",
                    2,
                ) from None

    def integer_ids(self, column: str) -> bool:
        """Whether ``column`` can be read as integers by ``chunks(integer_column=column)``.

        True for the first column of a file in which no line starts with anything but a
        canonical integer's first characters and no field ends in whitespace (see
        _IntegerScan), so that every integer pandas parses there is exactly the cell's
        text, stripped; and for a DataFrame column of a numpy integer type within int64.
        """
        if not INTEGER_IDS or column not in self.columns:
            return False
        if self._frame is not None:
            dtype = self._frame.iloc[:, self.columns.index(column)].dtype
            return isinstance(dtype, np.dtype) and (dtype.kind == "i" or (dtype.kind == "u" and dtype.itemsize < 8))
        return self.columns[0] == column and self._integers_clean

    def chunks(self, text_columns=(), number_columns=(), integer_column=None,
               categorical=()) -> Iterator[pd.DataFrame]:
        """Yield DataFrames of the named columns (stripped names), in row order.

        Text columns keep every cell as a string ('' when empty); number columns are
        parsed by pandas where possible and left as strings where not, with empty
        cells as NaN.  Each chunk's index continues the row numbering (0-based).

        ``integer_column``, one of the text columns that :meth:`integer_ids` approves,
        comes as int64 in every chunk where all its cells are integers; from the first
        chunk where one is not, it comes as text like the other text columns (those rows
        are read again), so a caller must accept both.  Otherwise it is ignored.

        ``categorical`` text columns (few distinct values, like Usage) come as pandas
        categoricals of their texts, which spares a Python string per cell.
        """
        if integer_column is not None and not (integer_column in text_columns and self.integer_ids(integer_column)):
            integer_column = None
        if self._frame is not None:
            yield self._frame_chunk(text_columns, number_columns, integer_column, categorical)
            return
        if integer_column is None:
            yield from self._read_chunks(text_columns, number_columns, categorical=categorical)
            return
        done = 0
        texts = [c for c in text_columns if c != integer_column]
        # Chunks of CHUNK_ROWS rows on both paths: pandas infers a number column's type per chunk
        # ('-0' alone is the integer 0, beside a float it is -0.0), so other chunks could differ.
        with closing(self._read_chunks(texts, number_columns, [integer_column], categorical)) as reader:
            for chunk in reader:
                if chunk[integer_column].dtype != np.int64:
                    break  # floats, text, numbers beyond int64: not integer ids after all
                done += 1
                yield chunk
            else:
                return
        for i, chunk in enumerate(self._read_chunks(text_columns, number_columns, categorical=categorical)):
            if i >= done:  # the same chunk boundaries, so row numbers continue
                yield chunk

    def _frame_chunk(self, text_columns, number_columns, integer_column, categorical) -> pd.DataFrame:
        wanted = list(dict.fromkeys([*text_columns, *number_columns]))
        frame = self._frame.copy(deep=False)
        frame.columns = self.columns
        frame = frame.loc[:, ~frame.columns.duplicated()]  # repeats are reported from the header
        frame = frame.loc[:, wanted].reset_index(drop=True)
        for c in text_columns:  # as from a CSV: text, '' for missing cells
            column = frame[c]
            if c == integer_column:
                frame[c] = column.astype(np.int64)
            else:
                frame[c] = column.astype(str).astype(object).where(column.notna(), "")
                if c in categorical:
                    frame[c] = frame[c].astype("category")
        return frame

    def _read_chunks(self, text_columns, number_columns, inferred=(), categorical=()) -> Iterator[pd.DataFrame]:
        """Chunks of a file; ``inferred`` columns get pandas' own types, with no missing values."""
        wanted = list(dict.fromkeys([*text_columns, *number_columns, *inferred]))
        raw = dict(zip(self.columns, self.raw_columns))
        dtype = {raw[c]: "category" if c in categorical else object for c in text_columns}
        na_values = {raw[c]: [""] for c in number_columns}
        rename = {raw[c]: c for c in wanted}
        plain = all(name == c for name, c in rename.items())
        with self._open() as stream:
            reader = _parse(
                lambda: pd.read_csv(
                    # No usecols: with it pandas silently accepts rows with too many fields.
                    stream, dtype=dtype, na_values=na_values,
                    chunksize=CHUNK_ROWS, **_CSV_OPTIONS,
                )
            )
            while True:
                chunk = _parse(lambda: next(reader, None))
                if chunk is None:
                    return
                # Callers look columns up by name, so names already clean need no copy of the frame.
                yield chunk if plain else chunk.loc[:, list(rename)].rename(columns=rename)

    def close(self):
        if self._spool is not None:
            self._spool.close()


class _IntegerScan:
    """Watches a file's raw bytes for what could make an integer parsed from its first
    column differ from the cell's text (stripped): if nothing is seen, pandas' int64
    for that column is exactly the text, and 7 and '007' can never be confused.

    Seen, conservatively: a line whose first character is not a digit or a minus
    (quotes, spaces, '+', letters, an empty first cell), a leading zero ('07', '-0'),
    and whitespace that ends a field (which the text would keep inside its width).
    Anything seen only sends the file down the text path, which is always right; an
    id that merely looks like an integer ('1.5', '12abc') is caught when parsed.
    A lone carriage return also ends a line for pandas, hence the second pattern.
    """

    _LINE_START = re.compile(rb"\n(?:[^0-9\r\n-]|0[0-9]|-[^1-9])")
    _LINE_START_CR = re.compile(rb"[\r\n](?:[^0-9\r\n-]|0[0-9]|-[^1-9])")
    _WHITESPACE = (b" ", b"\t", b"\x0b", b"\x0c")
    _FIELD_END_SPACE = re.compile(rb"[ \t\x0b\x0c][,\r\n]")

    def __init__(self):
        self.clean = True
        self._tail = b""  # the last bytes of the previous chunk: patterns may straddle chunks

    def feed(self, chunk: bytes) -> None:
        if not self.clean:
            return
        buffer = self._tail + chunk
        self._tail = buffer[-2:]
        pattern = self._LINE_START_CR if b"\r" in buffer else self._LINE_START
        if pattern.search(buffer):
            self.clean = False
        elif any(space in buffer for space in self._WHITESPACE) and self._FIELD_END_SPACE.search(buffer):
            self.clean = False

    def finish(self) -> bool:
        if self._tail[-1:] in self._WHITESPACE:  # the last field ends in whitespace
            self.clean = False
        return self.clean


_CSV_OPTIONS = {
    "keep_default_na": False,  # only empty cells are missing; 'NA' may be a real label
    "encoding": "utf-8",
    "encoding_errors": "strict",
    "skipinitialspace": True,
    "quoting": csv.QUOTE_MINIMAL,
    "engine": "c",
    # Never take the first column as the index: a file is read as written.  (Rows longer
    # than the header, which make pandas do that, are refused by Table._check_first_row.)
    "index_col": False,
}


def _parse(call):
    """Run a pandas parsing call, turning its failures into problem codes."""
    try:
        return call()
    except UnicodeDecodeError:
        raise ReadFailure(
            "bad_encoding",
            "The file is not valid UTF-8 text. Save it as CSV with UTF-8 encoding.",
        ) from None
    except pd.errors.EmptyDataError:
        raise ReadFailure("empty_file", "The file is empty.") from None
    except pd.errors.ParserError as exc:
        row = _line_from(str(exc))
        where = f" at row {row}" if row else ""
        raise ReadFailure(
            "not_csv",
            f"The file could not be parsed as CSV{where}: {_tidy(str(exc))}. "
            "Check for unquoted commas or a wrong number of fields.",
            row,
        ) from None
    except (zipfile.BadZipFile, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise ReadFailure("not_csv", f"The compressed file is damaged: {exc}.") from None


def _size(n: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:,.{0 if n % scale == 0 else 1}f} {unit}"
    return f"{n:,} bytes"


def _check_width(header: bytes, max_columns: int) -> None:
    """Refuse a header line with more than ``max_columns`` fields (counted with quotes honoured)."""
    if header.count(b",") < max_columns:
        return  # at most max_columns fields, whatever the quoting
    text = header.decode("utf-8", "replace")
    fields = len(next(csv.reader([text]), []))
    if fields > max_columns:
        raise ReadFailure("too_many_columns", (
            f"The header (line 1) has {fields:,} columns; at most {max_columns:,} are accepted. "
            "Check that the file is separated by commas and has one row per line."), 1)


def _read_safely(read, size):
    try:
        return read(size)
    except (zipfile.BadZipFile, EOFError, zlib.error, gzip.BadGzipFile, OSError) as exc:
        raise ReadFailure("not_csv", f"The compressed file is damaged: {exc}.") from None


_FIELD_COUNTS = re.compile(r"Expected (\d+) fields in line \d+, saw (\d+)")


def _line_from(message: str) -> int | None:
    found = re.search(r"line (\d+)", message)
    return int(found.group(1)) if found else None


def _tidy(message: str) -> str:
    return " ".join(message.replace("Error tokenizing data. C error:", "").split()).rstrip(".")


def _seekable(stream) -> bool:
    try:
        return bool(stream.seekable())
    except (AttributeError, ValueError, OSError):
        return False


class _Rewound(io.RawIOBase):
    """A view of a caller's stream from ``start`` that does not close it."""

    def __init__(self, stream, start: int = 0):
        super().__init__()
        self._stream = stream
        self._start = start
        stream.seek(start)

    def readable(self):
        return True

    def seekable(self):  # zipfile needs to seek
        return True

    def seek(self, offset, whence=io.SEEK_SET):
        if whence == io.SEEK_SET:
            offset += self._start
        return self._stream.seek(offset, whence) - self._start

    def tell(self):
        return self._stream.tell() - self._start

    def readinto(self, buffer):
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def read(self, size=-1):
        return self._stream.read(size)


class _GzipOwner(gzip.GzipFile):
    """A GzipFile that also closes the raw stream it decompresses."""

    def __init__(self, raw):
        super().__init__(fileobj=raw, mode="rb")
        self._raw = raw

    def close(self):
        try:
            super().close()
        finally:
            self._raw.close()


def _zip_member(raw, max_inflated: int | None = None):
    """Open the single CSV inside a zip archive (refused at once if it declares more than ``max_inflated``
    bytes: zipfile never returns more than the declared size, so the declaration is a real bound)."""
    try:
        archive = zipfile.ZipFile(raw)
    except zipfile.BadZipFile:
        raw.close()
        raise ReadFailure("not_csv", "The .zip file is damaged or not a zip archive.") from None
    names = [n for n in archive.namelist() if not n.endswith("/") and not n.startswith("__MACOSX/")]
    if len(names) != 1:
        archive.close()
        raw.close()
        listed = ", ".join(repr(n) for n in names[:5]) or "nothing"
        raise ReadFailure("not_csv", f"A .zip upload must hold exactly one CSV file; it holds {listed}.")
    declared = archive.getinfo(names[0]).file_size
    if max_inflated is not None and declared > max_inflated:
        archive.close()
        raw.close()
        raise ReadFailure("file_too_large", (
            f"The .zip holds a file of {_size(declared)}, more than the {_size(max_inflated)} this server "
            "accepts once decompressed; nothing was decompressed. Upload a smaller file."))
    member = archive.open(names[0])
    original_close = member.close

    def close():
        original_close()
        archive.close()
        raw.close()

    member.close = close
    return member
