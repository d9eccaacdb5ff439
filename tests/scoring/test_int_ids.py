"""The integer fast path for ids (scoring.ids, Table.integer_ids): targeted cases.

Ids that are canonical integers are parsed and matched as int64; everything else keeps
text semantics, so '007' and '7' stay different.  Every case runs on both paths (the
fast one, and ``scoring.io.INTEGER_IDS = False``, the text path) and must give the same
problems, rows, messages, scores and fingerprint.  test_int_ids_properties.py does the
same on random files.
"""
from __future__ import annotations

import contextlib

import numpy as np
import pandas as pd
import pytest

import scoring
import scoring.io
from scoring import ids as idmod

INT64_MAX, INT64_MIN = 2**63 - 1, -(2**63)


@contextlib.contextmanager
def setting(name: str, value):
    """Temporarily set a module attribute of scoring.io (the path switch, chunk sizes)."""
    old = getattr(scoring.io, name)
    setattr(scoring.io, name, value)
    try:
        yield
    finally:
        setattr(scoring.io, name, old)


def outcome(solution, submission, metric="rmse"):
    """Everything observable about scoring ``submission``: the solution's identity, the
    problems of validate/check_ids, and the scores (or the SolutionError message)."""
    try:
        parsed = scoring.read_solution(solution, metric)
    except scoring.SolutionError as error:
        return {"solution_error": str(error)}, None
    seen = {
        "ids": parsed.ids.tobytes(), "width": parsed.ids.dtype.itemsize, "fingerprint": parsed.fingerprint,
        "problems": [p.to_dict() for p in scoring.validate_submission(parsed, submission)],
        "check_ids": [p.to_dict() for p in scoring.check_ids(parsed, submission)],
    }
    if not seen["problems"]:
        seen["score"] = scoring.score_submission(parsed, submission).to_dict()
    return seen, parsed.index.ints is not None


def both_paths(solution, submission, metric="rmse"):
    """(fast-path outcome, whether the solution took the integer path); asserts the text path agrees."""
    fast, integer = outcome(solution, submission, metric)
    with setting("INTEGER_IDS", False):
        text, text_integer = outcome(solution, submission, metric)
    assert text_integer in (None, False)
    assert fast == text
    return fast, integer


def csv(rows, header="id,target") -> bytes:
    return (header + "\n" + "\n".join(rows) + "\n").encode()


def codes(seen) -> list:
    return sorted(p["code"] for p in seen["problems"])


def problem(seen, code) -> dict:
    return next(p for p in seen["problems"] if p["code"] == code)


# -- the fast path is taken, and agrees ---------------------------------------------------
def test_integer_ids_take_the_fast_path_and_score_the_same():
    solution = csv([f"{i},{i % 7}" for i in range(1, 50)], "id,target")
    submission = csv([f"{i},{(i * 3) % 7}" for i in reversed(range(1, 50))])
    seen, integer = both_paths(solution, submission)
    assert integer and seen["problems"] == [] and seen["score"]["public"] > 0


def test_integer_problems_match_rows_and_messages():
    solution = csv([f"{i},1" for i in range(10)])
    submission = csv(["3,1", "99,1", "3,1", "-5,1", "0,1", "1,1"])
    seen, integer = both_paths(solution, submission)
    assert integer
    assert codes(seen) == ["duplicate_ids", "missing_ids", "unexpected_ids"]
    unexpected = problem(seen, "unexpected_ids")
    assert unexpected["row"] == 3 and "'99', '-5'" in unexpected["message"]
    assert problem(seen, "duplicate_ids")["row"] == 4


# -- text semantics survive ---------------------------------------------------------------
@pytest.mark.parametrize("cell", ["007", "+7", "07", "00", "-0", "-007", "7.0", "1e3", " 7x", "7x"])
def test_non_canonical_submission_ids_are_not_the_integer(cell):
    solution = csv(["7,1", "8,2"])
    seen, integer = both_paths(solution, csv([f"{cell},1", "8,2"]))
    assert integer
    assert codes(seen) == ["missing_ids", "unexpected_ids"], seen["problems"]
    assert "'7'" in problem(seen, "missing_ids")["message"]


def test_a_solution_mixing_7_and_007_keeps_both_as_text():
    solution = csv(["7,1", "007,2", "8,3"])
    seen, integer = both_paths(solution, csv(["007,2", "8,3", "7,1"]))
    assert not integer and seen["problems"] == []
    seen, _ = both_paths(solution, csv(["7,2", "8,3", "7,1"]))
    assert codes(seen) == ["duplicate_ids", "missing_ids"] and "'007'" in problem(seen, "missing_ids")["message"]


@pytest.mark.parametrize("cell", ["-0", "00", "+0", "012"])
def test_a_solution_with_a_non_canonical_id_takes_the_text_path(cell):
    solution = csv(["1,1", f"{cell},2"])
    seen, integer = both_paths(solution, csv(["1,1", f"{cell},2"]))
    assert not integer and seen["problems"] == []
    seen, _ = both_paths(solution, csv(["1,1", "0,2"]))
    assert codes(seen) == ["missing_ids", "unexpected_ids"]


def test_zero_and_negative_ids_are_canonical():
    solution = csv(["0,1", "-1,2", "-12,3", "5,4"])
    seen, integer = both_paths(solution, csv(["-12,3", "5,4", "0,1", "-1,2"]))
    assert integer and seen["problems"] == []


@pytest.mark.parametrize("big", [str(INT64_MAX), str(INT64_MIN)])
def test_int64_bounds_are_integers(big):
    solution = csv(["1,1", f"{big},2"])
    seen, integer = both_paths(solution, csv([f"{big},2", "1,1"]))
    assert integer and seen["problems"] == []
    seen, _ = both_paths(solution, csv(["2,2", "1,1"]))
    assert codes(seen) == ["missing_ids", "unexpected_ids"] and repr(big) in problem(seen, "missing_ids")["message"]


@pytest.mark.parametrize("beyond", [str(INT64_MAX + 1), str(INT64_MIN - 1), "18446744073709551616"])
def test_ids_beyond_int64_are_text(beyond):
    solution = csv(["1,1", f"{beyond},2"])
    seen, integer = both_paths(solution, csv([f"{beyond},2", "1,1"]))
    assert not integer and seen["problems"] == []
    seen, integer = both_paths(csv(["1,1", "2,2"]), csv([f"{beyond},2", "1,1"]))
    assert integer and codes(seen) == ["missing_ids", "unexpected_ids"] 
    assert beyond[:20] in problem(seen, "unexpected_ids")["message"]


@pytest.mark.parametrize("rows", [
    [" 7,1", "8,2"], ["7 ,1", "8,2"], ["7\t,1", "8,2"], ["\t7,1", "8,2"], ["7,1", "8 ,2"],
])
def test_whitespace_around_ids_is_stripped_on_both_paths(rows):
    solution = csv(["7,1", "8,2"])
    seen, integer = both_paths(solution, csv(rows))
    assert integer and seen["problems"] == []
    seen, integer = both_paths(csv(rows), csv(["7,1", "8,2"]))
    assert not integer  # whitespace inside the field: the text path keeps its width


def test_whitespace_only_at_the_end_of_the_file():
    seen, integer = both_paths(b"id,target\n7,1\n8,2 ", csv(["7,1", "8,2"]))
    assert not integer and seen["problems"] == []
    seen, integer = both_paths(b"id,target\n7,1\n8,2", csv(["7,1", "8,2"]))
    assert integer and seen["problems"] == []
    scan = scoring.io._IntegerScan()
    scan.feed(b"id\n7\n8 ")
    assert not scan.finish()


def test_unknown_ids_with_trailing_space_are_quoted_as_written():
    seen, integer = both_paths(csv(["7,1", "8,2"]), csv(["9 ,1", "8,2"]))
    assert integer and "'9 '" in problem(seen, "unexpected_ids")["message"]


# -- files that change mid-way ---------------------------------------------------------------
@pytest.mark.parametrize("late", [
    "abc", "1.5", "", "007", "9223372036854775808", "True", "-", "12abc", "1e5", "2024-01-01", "7.",
])
def test_a_late_chunk_that_is_not_integers_is_read_again_as_text(late):
    solution = csv([f"{i},1" for i in range(1, 21)])
    rows = [f"{i},1" for i in range(1, 21)]
    rows[15] = f"{late},1"
    with setting("CHUNK_ROWS", 4):
        seen, integer = both_paths(solution, csv(rows))
    assert integer
    assert {"missing_ids"} <= set(codes(seen)) and any(p["row"] == 17 for p in seen["problems"])


def test_table_chunks_switch_to_text_where_integers_stop():
    data = csv([f"{i},1" for i in range(1, 11)] + ["1.50,1", "12,1"])

    with setting("CHUNK_ROWS", 4):
        table = scoring.io.Table(data)
        assert table.integer_ids("id") and not table.integer_ids("target")
        read = list(table.chunks(text_columns=["id"], number_columns=["target"], integer_column="id"))
    assert [str(c["id"].dtype) for c in read] == ["int64", "int64", "object"]
    assert list(read[1]["id"]) == [5, 6, 7, 8] and list(read[1].index) == [4, 5, 6, 7]
    assert list(read[2]["id"]) == ["9", "10", "1.50", "12"] and list(read[2].index) == [8, 9, 10, 11]


def test_number_columns_are_read_in_the_same_chunks_on_both_paths():
    # pandas infers a number column's type per chunk: '-0' alone is the integer 0, beside a float -0.0.
    with setting("CHUNK_ROWS", 1):
        seen, integer = both_paths(b"id,target\n0,1.5\n1,-0\n", csv(["1,0", "0,1.5"]))
    assert integer and seen["problems"] == []


def test_patterns_straddling_scan_chunks_are_seen():
    solution = csv(["1,1", "007,2", "30,3"])
    for step in (1, 2, 3, 5):
        with setting("SCAN_CHUNK", step):
            seen, integer = both_paths(solution, csv(["30,3", "007,2", "1,1"]))
        assert not integer and seen["problems"] == []


def test_lone_carriage_returns_end_lines_too():
    solution = b"id,target\r7,1\r007,2\r"
    seen, integer = both_paths(solution, b"id,target\r007,2\r7,1\r")
    assert not integer and seen["problems"] == []
    seen, integer = both_paths(b"id,target\r\n7,1\r\n8,2\r\n", b"id,target\r\n8,2\r\n7,1\r\n")
    assert integer and seen["problems"] == []


def test_quoted_ids_take_the_text_path():
    seen, integer = both_paths(b'id,target\n"7",1\n"007",2\n', b'id,target\n"007",2\n7,1\n')
    assert not integer and seen["problems"] == []


def test_id_column_not_first_takes_the_text_path():
    solution = b"target,id\n1,7\n2,8\n"
    parsed = scoring.read_solution(solution, "rmse", id_column="id")
    assert parsed.index.ints is None
    assert scoring.validate_submission(parsed, csv(["8,2", "7,1"])) == []


def test_string_ids_are_unchanged():
    seen, integer = both_paths(csv(["a,1", "b,2"]), csv(["b,2", "x,1"]))
    assert not integer and codes(seen) == ["missing_ids", "unexpected_ids"]


def test_integer_solution_against_a_text_submission():
    seen, integer = both_paths(csv(["7,1", "8,2"]), csv(["x,1", "8,2", "007,1"]))
    assert integer and codes(seen) == ["missing_ids", "unexpected_ids"]
    assert "'x', '007'" in problem(seen, "unexpected_ids")["message"]


def test_duplicate_integer_ids_in_a_solution():
    for order in (["3,1", "1,2", "3,3", "1,4", "2,5"], ["1,1", "1,2", "2,3"]):
        seen, _ = both_paths(csv(order), csv(["1,1"]))
        assert "duplicate ids" in seen["solution_error"]


def test_sparse_integer_ids_use_the_hash_table():
    ids = [i * 10**12 + 3 for i in range(-20, 20)]
    solution = csv([f"{i},{k}" for k, i in enumerate(ids)])
    submission = csv([f"{i},{k}" for k, i in reversed(list(enumerate(ids)))][:-1] + ["5,5"])
    seen, integer = both_paths(solution, submission)
    assert integer and codes(seen) == ["missing_ids", "unexpected_ids"]


def test_dataframes_with_integer_ids():
    solution = pd.DataFrame({"id": np.arange(5, dtype=np.int32), "target": np.arange(5.0)})
    submission = pd.DataFrame({"id": np.arange(5)[::-1], "target": np.arange(5.0)[::-1]})
    seen, integer = both_paths(solution, submission)
    assert integer and seen["problems"] == [] and seen["score"]["public"] == 0
    seen, integer = both_paths(solution, submission.assign(id=submission["id"].astype(str)))
    assert integer and seen["problems"] == []
    seen, integer = both_paths(solution.assign(id=np.arange(5, dtype=np.uint64)), submission)
    assert not integer and seen["problems"] == []


def test_label_metrics_with_integer_ids():
    solution = csv(["1,cat", "2,dog", "3,cat"])
    seen, integer = both_paths(solution, csv(["3,cat", "1,dog", "2,dog"]), "accuracy")
    assert integer and seen["score"]["public"] == pytest.approx(2 / 3)


def test_usage_column_problems_are_unchanged():
    seen, integer = both_paths(b"id,target,Usage\n1,1,Public\n2,2,Privat\n3,3,\n", csv(["1,1"]))
    assert "'Privat', ''" in seen["solution_error"] and "first at row 3" in seen["solution_error"]


# -- the building blocks ---------------------------------------------------------------------
@pytest.mark.parametrize("values", [
    [0], [-1, 1], [INT64_MIN, INT64_MAX, 0, -9, 10, -10, 99, -100],
    list(range(-1100, 1100, 7)), [2**32 - 1, 2**32, -(2**32)],
])
def test_int_text_is_the_canonical_text(values):
    ints = np.array(values, dtype=np.int64)
    text = idmod.int_text(ints)
    assert [t.decode() for t in text] == [str(v) for v in values]
    assert text.dtype.itemsize == max(len(str(v)) for v in values)


def test_int_text_on_many_random_ints():
    rng = np.random.default_rng(5)
    for high in (10, 10**6, 2**40, 2**63 - 1):
        ints = rng.integers(-high, high, 200_000, dtype=np.int64)
        expected = ints.astype("S")
        assert np.array_equal(idmod.int_text(ints), expected.astype(f"S{np.char.str_len(expected).max()}"))
    assert idmod.int_text(np.empty(0, dtype=np.int64)).size == 0


@pytest.mark.parametrize("ids", [np.arange(50, 0, -1), np.arange(0, 10**15, 10**13), np.array([INT64_MIN, INT64_MAX, 0])])
def test_integer_lookup(ids):
    index = idmod.IdIndex(idmod.int_text(ids), ids.astype(np.int64))
    probe = np.concatenate([ids[::-1], [INT64_MIN + 1, INT64_MAX - 1, 77]]).astype(np.int64)
    rows = index.lookup_ints(probe)
    expected = pd.Index(ids).get_indexer(probe)
    assert np.array_equal(rows, expected)
    assert np.array_equal(index.lookup(idmod.int_text(probe).astype(index.ids.dtype)), expected)  # text, lazily
    assert index.duplicates().size == 0
