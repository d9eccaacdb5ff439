"""check_ids: a file's id column against the solution's ids, whatever its other columns."""
from __future__ import annotations

import gzip

import pandas as pd
import pytest

import scoring

SOLUTION = b"id,target\na,0\nb,1\nc,0\nd,1\n"
TEST_FILE = b"feature,id,other\n0.5,d,x\n1.5,c,y\n2.5,b,z\n3.5,a,w\n"  # features, ids in another order


@pytest.fixture(scope="module")
def parsed():
    return scoring.read_solution(SOLUTION, "log_loss")


def codes(found):
    return [(p.code, p.row, p.column) for p in found]


def test_test_file_with_exactly_the_solutions_ids_has_no_problems(parsed):
    assert scoring.check_ids(parsed, TEST_FILE) == []
    assert scoring.check_ids(SOLUTION, TEST_FILE, "log_loss") == []  # a source and a metric, as elsewhere
    assert scoring.check_ids(parsed, b"id\na\nb\nc\nd\n") == []  # no other column at all
    assert scoring.check_ids(parsed, pd.DataFrame({"id": list("abcd")})) == []


def test_missing_ids(parsed):
    found = scoring.check_ids(parsed, b"id,f\na,1\nb,2\n")
    assert codes(found) == [("missing_ids", None, "id")]
    assert "'c'" in found[0].message and "'d'" in found[0].message


def test_unexpected_ids(parsed):
    found = scoring.check_ids(parsed, b"id,f\na,1\nb,2\nzz,3\nc,4\nd,5\n")
    assert codes(found) == [("unexpected_ids", 4, "id")]
    assert "'zz'" in found[0].message


def test_duplicate_ids(parsed):
    found = scoring.check_ids(parsed, b"id,f\na,1\nb,2\nc,3\nd,4\nb,5\n")
    assert codes(found) == [("duplicate_ids", 6, "id")]
    assert "'b'" in found[0].message


def test_empty_id(parsed):
    found = scoring.check_ids(parsed, b"id,f\na,1\n,2\nb,2\nc,3\nd,4\n")
    assert codes(found) == [("empty_value", 3, "id")]


def test_missing_id_column(parsed):
    found = scoring.check_ids(parsed, b"ID,f\na,1\nb,2\nc,3\nd,4\n")
    assert codes(found) == [("missing_columns", 1, "id")]
    assert "found 'ID'; names are case-sensitive" in found[0].message
    assert "target" not in found[0].message  # a test file needs no prediction columns


@pytest.mark.parametrize("data,code", [
    (b"id,f\na,1,\nb,2,\nc,3,\nd,4,\n", "not_csv"),  # a trailing comma on every row
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not_csv"),
    (gzip.compress(b"id\na\nb\nc\nd\n")[:15], "not_csv"),
    ("id,f\na,1\nb,2\nc,3\nd,4\n\xfc,5\n".encode("latin-1"), "bad_encoding"),
    (b"", "empty_file"),
    (b"id,f\n", "empty_file"),
])
def test_unreadable_files(parsed, data, code):
    assert [p.code for p in scoring.check_ids(parsed, data)] == [code]


def test_id_problems_have_the_same_codes_and_messages_as_for_a_submission(parsed):
    """The same file with a prediction column: validate_submission finds exactly the same id problems."""
    ids = ["a", "a", "", "zz", "b"]  # duplicate, empty, unexpected; c and d missing
    test_file = pd.DataFrame({"id": ids, "feature": range(5)}).to_csv(index=False).encode()
    submission = pd.DataFrame({"id": ids, "target": [0.5] * 5}).to_csv(index=False).encode()
    from_test_file = scoring.check_ids(parsed, test_file)
    assert {p.code for p in from_test_file} == {"duplicate_ids", "empty_value", "unexpected_ids", "missing_ids"}
    assert from_test_file == scoring.validate_submission(parsed, submission)


def test_parsed_solution_must_match_the_given_metric(parsed):
    with pytest.raises(ValueError, match="read for metric 'log_loss'"):
        scoring.check_ids(parsed, TEST_FILE, "auc")
