"""File formats: CSV, .csv.gz, .zip, file objects, DataFrames, BOM, CRLF, whitespace."""
from __future__ import annotations

import gzip
import io
import warnings
import zipfile

import pandas as pd
import pytest

import scoring

SOLUTION = b"id,target\na,0\nb,1\nc,0\n"
SUBMISSION = b"id,target\nc,0.3\na,0.1\nb,0.8\n"


def score(sub, sol=SOLUTION):
    return scoring.score_submission(sol, sub, "log_loss").overall


EXPECTED = None


@pytest.fixture(scope="module")
def expected():
    return score(SUBMISSION)


def _zip(data: bytes, name="submission.csv") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize("make", [
    lambda d: d,
    lambda d: gzip.compress(d),
    lambda d: _zip(d),
    lambda d: io.BytesIO(d),
    lambda d: io.StringIO(d.decode()),
    lambda d: b"\xef\xbb\xbf" + d,  # UTF-8 BOM
    lambda d: d.replace(b"\n", b"\r\n"),  # CRLF
    lambda d: d.replace(b",", b" ,  ").replace(b"\n", b" \n"),  # surrounding whitespace
    lambda d: d + b"\n\n",  # trailing blank lines
    lambda d: pd.read_csv(io.BytesIO(d)),
], ids=["bytes", "gzip", "zip", "binary-stream", "text-stream", "bom", "crlf", "whitespace", "blank-lines", "dataframe"])
def test_formats_give_the_same_score(make, expected):
    assert score(make(SUBMISSION)) == pytest.approx(expected, abs=0)


@pytest.mark.parametrize("suffix,encode", [(".csv", lambda d: d), (".csv.gz", gzip.compress), (".zip", _zip)])
def test_paths(tmp_path, suffix, encode, expected):
    sol = tmp_path / f"solution{suffix}"
    sub = tmp_path / f"submission{suffix}"
    sol.write_bytes(encode(SOLUTION))
    sub.write_bytes(encode(SUBMISSION))
    assert score(str(sub), str(sol)) == pytest.approx(expected, abs=0)
    assert score(sub, sol) == pytest.approx(expected, abs=0)  # pathlib too


def test_file_object_is_not_closed_and_can_be_reread(expected):
    stream = io.BytesIO(SUBMISSION)
    assert score(stream) == expected
    assert not stream.closed


def test_unseekable_stream(expected):
    class Pipe(io.RawIOBase):
        def __init__(self, data):
            self._data = io.BytesIO(data)

        def readable(self):
            return True

        def readinto(self, buffer):
            chunk = self._data.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

        def seekable(self):
            return False

    assert score(Pipe(SUBMISSION)) == expected


def test_quoted_ids_with_commas():
    sol = b'id,target\n"a,1",0\n"b,2",1\n'
    sub = b'id,target\n"b,2",0.9\n"a,1",0.2\n'
    assert scoring.validate_submission(sol, sub, "log_loss") == []


def test_unicode_ids():
    sol = "id,target\nnaïve,0\n日本,1\n".encode()
    sub = "id,target\n日本,0.9\nnaïve,0.2\n".encode()
    assert scoring.validate_submission(sol, sub, "log_loss") == []


def test_missing_path_is_an_error_not_a_problem():
    with pytest.raises(FileNotFoundError):
        scoring.score_submission("/nonexistent/solution.csv", SUBMISSION, "log_loss")


def test_unsupported_source_type():
    with pytest.raises(TypeError):
        scoring.validate_submission(SOLUTION, 12345, "log_loss")


def test_dataframe_with_missing_ids_reports_empty_values():
    sub = pd.DataFrame({"id": ["a", None, "b", "c"], "target": [0.1, 0.2, 0.3, 0.4]})
    found = scoring.validate_submission(SOLUTION, sub, "log_loss")
    assert [(p.code, p.row, p.column) for p in found] == [("empty_value", 3, "id")]


def test_dataframe_with_integer_ids_matches_csv_ids():
    sol = pd.DataFrame({"id": [10, 20], "target": [0, 1]})
    assert scoring.validate_submission(sol, b"id,target\n20,0.9\n10,0.1\n", "log_loss") == []


def test_rows_count_the_header_with_bom_and_crlf():
    data = b"\xef\xbb\xbfid,target\r\na,0.1\r\nb,0.2\r\nc,oops\r\n"
    found = scoring.validate_submission(SOLUTION, data, "log_loss")
    assert [(p.code, p.row) for p in found] == [("not_a_number", 4)]


def test_row_numbers_continue_across_chunks(monkeypatch):
    from scoring import io as scoring_io

    monkeypatch.setattr(scoring_io, "CHUNK_ROWS", 2)
    data = b"id,target\na,0.1\nb,0.2\nc,0.3\nzz,0.4\nb,0.5\n"
    found = {p.code: p.row for p in scoring.validate_submission(SOLUTION, data, "log_loss")}
    assert found == {"unexpected_ids": 5, "duplicate_ids": 6}


# -- files are read as written: a row longer than the header is refused ---------------------
EXTRA_FIELD = {
    # pandas would take the first column as the row index and shift every column left.
    "extra-field-on-first-row": b"id,target\nc,0.3,7\na,0.1\nb,0.8\n",
    # pandas would drop the empty last field of every row without a word.
    "trailing-comma-on-every-row": b"id,target\nc,0.3,\na,0.1,\nb,0.8,\n",
    "trailing-comma-crlf-bom": b"\xef\xbb\xbfid,target\r\nc,0.3,\r\na,0.1,\r\nb,0.8,\r\n",
}
EXTRA_SOLUTION = {
    "extra-field-on-first-row": b"id,target\na,0,1\nb,1\nc,0\n",
    "trailing-comma-on-every-row": b"id,target\na,0,\nb,1,\nc,0,\n",
    "trailing-comma-crlf-bom": b"\xef\xbb\xbfid,target\r\na,0,\r\nb,1,\r\nc,0,\r\n",
}
ENCODINGS = [(".csv", lambda d: d), (".csv.gz", gzip.compress), (".zip", _zip)]


@pytest.mark.parametrize("case", sorted(EXTRA_FIELD))
@pytest.mark.parametrize("suffix,encode", ENCODINGS, ids=[e[0] for e in ENCODINGS])
def test_submission_row_longer_than_the_header_is_not_csv(tmp_path, case, suffix, encode, capfd):
    path = tmp_path / f"submission{suffix}"
    path.write_bytes(encode(EXTRA_FIELD[case]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ParserWarning (or any other) may escape
        found = scoring.validate_submission(SOLUTION, path, "log_loss")
        assert found == scoring.validate_submission(SOLUTION, encode(EXTRA_FIELD[case]), "log_loss")
    assert [(p.code, p.row, p.column) for p in found] == [("not_csv", 2, None)]
    assert "Row 2 has 3 fields but the header (line 1) has 2" in found[0].message
    assert "comma at the end of each row" in found[0].message
    assert capfd.readouterr().err == ""


@pytest.mark.parametrize("case", sorted(EXTRA_SOLUTION))
@pytest.mark.parametrize("suffix,encode", ENCODINGS, ids=[e[0] for e in ENCODINGS])
def test_solution_row_longer_than_the_header_is_a_solution_error(tmp_path, case, suffix, encode, capfd):
    path = tmp_path / f"solution{suffix}"
    path.write_bytes(encode(EXTRA_SOLUTION[case]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(scoring.SolutionError, match=r"Row 2 has 3 fields but the header \(line 1\) has 2"):
            scoring.read_solution(path, "log_loss")
    assert capfd.readouterr().err == ""


def test_first_row_is_checked_whatever_the_chunk_size(monkeypatch):
    from scoring import io as scoring_io

    monkeypatch.setattr(scoring_io, "CHUNK_ROWS", 1)
    found = scoring.validate_submission(SOLUTION, EXTRA_FIELD["trailing-comma-on-every-row"], "log_loss")
    assert [(p.code, p.row) for p in found] == [("not_csv", 2)]


def test_a_later_row_longer_than_the_header_is_still_reported_at_its_row():
    found = scoring.validate_submission(SOLUTION, b"id,target\nc,0.3\na,0.1\nb,0.8,\n", "log_loss")
    assert [(p.code, p.row) for p in found] == [("not_csv", 4)]


def test_a_header_with_its_own_trailing_comma_is_an_unnamed_extra_column():
    found = scoring.validate_submission(SOLUTION, b"id,target,\nc,0.3,\na,0.1,\nb,0.8,\n", "log_loss")
    assert [p.code for p in found] == ["extra_columns"] and "trailing comma" in found[0].message


def test_short_rows_and_a_lone_header_are_unaffected(expected):
    assert score(SUBMISSION.replace(b"\n", b"\n\n")) == pytest.approx(expected, abs=0)
    found = scoring.validate_submission(SOLUTION, b"id,target\nc\na,0.1\nb,0.8\n", "log_loss")
    assert [(p.code, p.row) for p in found] == [("empty_value", 2)]
