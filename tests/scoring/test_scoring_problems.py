"""One test per problem code: the code, the row (1-based, header = line 1) and the message."""
from __future__ import annotations

import gzip
import warnings

import pytest

import scoring

SOLUTION = b"id,target\na,0\nb,1\nc,0\nd,1\n"


def problems(submission: bytes, metric="log_loss", solution=SOLUTION, **params):
    return scoring.validate_submission(solution, submission, metric, **params)


def only(submission: bytes, code: str, **kwargs):
    found = problems(submission, **kwargs)
    assert [p.code for p in found] == [code], found
    return found[0]


def test_valid_submission_has_no_problems():
    assert problems(b"id,target\nd,0.4\nc,0.1\nb,0.9\na,0.2\n") == []


def test_missing_ids():
    p = only(b"id,target\na,0.1\nb,0.2\n", "missing_ids")
    assert p.row is None and p.column == "id"
    assert "2 ids" in p.message and "'c'" in p.message and "'d'" in p.message


def test_duplicate_ids():
    p = only(b"id,target\na,0.1\nb,0.2\nc,0.3\nd,0.4\nb,0.5\n", "duplicate_ids")
    assert (p.row, p.column) == (6, "id")
    assert "'b'" in p.message and "row 6" in p.message


def test_unexpected_ids():
    p = only(b"id,target\na,0.1\nb,0.2\nzz,0.3\nc,0.3\nd,0.4\n", "unexpected_ids")
    assert (p.row, p.column) == (4, "id")
    assert "'zz'" in p.message and "row 4" in p.message


def test_ids_are_exact_strings():
    solution = b"id,target\n007,0\n7,1\n"
    assert problems(b"id,target\n7,0.1\n007,0.2\n", solution=solution) == []
    p = problems(b"id,target\n7,0.1\n07,0.2\n", solution=solution)
    assert {x.code for x in p} == {"unexpected_ids", "missing_ids"}


def test_missing_columns():
    p = only(b"id\na\nb\nc\nd\n", "missing_columns")
    assert (p.row, p.column) == (1, "target")
    assert "'target'" in p.message and "Expected columns: id, target" in p.message


def test_missing_column_hints_at_case():
    p = next(x for x in problems(b"id,Target\na,0.1\nb,0.1\nc,0.1\nd,0.1\n") if x.code == "missing_columns")
    assert "case-sensitive" in p.message


def test_extra_columns():
    p = only(b"id,target,notes\na,0.1,x\nb,0.2,y\nc,0.3,z\nd,0.4,w\n", "extra_columns")
    assert (p.row, p.column) == (1, "notes")
    assert "'notes'" in p.message


def test_not_a_number():
    p = only(b"id,target\na,0.1\nb,abc\nc,inf\nd,0.4\n", "not_a_number")
    assert (p.row, p.column) == (3, "target")
    assert "'abc'" in p.message and "rows 3, 4" in p.message and "2 values" in p.message


def test_nan_text_is_not_a_number():
    p = only(b"id,target\na,0.1\nb,NaN\nc,0.2\nd,0.4\n", "not_a_number")
    assert p.row == 3


def test_empty_value():
    p = only(b"id,target\na,0.1\nb,\nc,0.3\nd,0.4\n", "empty_value")
    assert (p.row, p.column) == (3, "target")
    assert "1 empty value" in p.message and "row 3" in p.message


def test_empty_id_is_an_empty_value():
    found = problems(b"id,target\na,0.1\n,0.2\nb,0.2\nc,0.3\nd,0.4\n")
    assert [(p.code, p.row, p.column) for p in found] == [("empty_value", 3, "id")]


def test_out_of_range_probability():
    p = only(b"id,target\na,0.1\nb,1.5\nc,-0.2\nd,0.4\n", "out_of_range")
    assert (p.row, p.column) == (3, "target")
    assert "'1.5'" in p.message and "between 0 and 1" in p.message


def test_out_of_range_for_rmsle():
    p = only(b"id,target\na,0.1\nb,-1\nc,0.3\nd,0.4\n", "out_of_range", metric="rmsle")
    assert p.row == 3 and "-1" in p.message


def test_unknown_label_does_not_list_the_labels():
    solution = b"id,target\na,yes\nb,no\nc,yes\nd,no\n"
    p = only(b"id,target\na,yes\nb,maybe\nc,no\nd,no\n", "unknown_label", metric="accuracy", solution=solution)
    assert (p.row, p.column) == (3, "target")
    assert "'maybe'" in p.message and "2 labels" in p.message
    assert "'yes'" not in p.message and "'no'" not in p.message


def test_empty_file():
    p = only(b"", "empty_file")
    assert p.row is None and "empty" in p.message


def test_header_only_is_an_empty_file():
    p = only(b"id,target\r\n", "empty_file")
    assert "no rows" in p.message


def test_not_csv_binary():
    p = only(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not_csv")
    assert "binary" in p.message


def test_not_csv_wrong_field_count():
    p = only(b"id,target\na,0.1\nb,0.2,7\nc,0.3\nd,0.4\n", "not_csv")
    assert p.row == 3 and "row 3" in p.message


def test_not_csv_zip_with_two_files(tmp_path):
    import zipfile

    path = tmp_path / "sub.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("a.csv", "id,target\n")
        z.writestr("b.csv", "id,target\n")
    p = only(path.read_bytes(), "not_csv")
    assert "exactly one CSV" in p.message


def test_not_csv_damaged_gzip():
    data = gzip.compress(b"id,target\na,0.1\nb,0.2\nc,0.3\nd,0.4\n")[:20]
    assert only(data, "not_csv").code == "not_csv"


def test_bad_encoding():
    p = only("id,target\na,0.1\nb,0.2\nc,0.3\nd,0.4\nü,0.5\n".encode("latin-1"), "bad_encoding")
    assert "UTF-8" in p.message


def test_every_problem_is_reported_in_one_pass():
    found = problems(b"id,target,extra\na,,1\na,0.2,1\nb,x,1\nq,2,1\n")
    codes = {p.code for p in found}
    assert codes == {"extra_columns", "empty_value", "duplicate_ids", "not_a_number", "unexpected_ids",
                     "out_of_range", "missing_ids"}


def test_problems_are_capped_per_code_and_column():
    rows = "".join(f"x{i},0.5\n" for i in range(10_000))
    found = problems(("id,target\n" + rows).encode())
    unexpected = [p for p in found if p.code == "unexpected_ids"]
    assert len(unexpected) == 1
    assert unexpected[0].row == 2 and "10000 ids" in unexpected[0].message
    assert "and 9995 more" in unexpected[0].message


def test_messages_never_quote_solution_targets():
    solution = b"id,target\na,secret_label_1\nb,secret_label_2\n"
    found = problems(b"id,target\na,guess\nb,\nzz,guess\n", metric="accuracy", solution=solution)
    assert found
    for p in found:
        assert "secret" not in p.message


def test_score_submission_raises_submission_error_with_problems():
    with pytest.raises(scoring.SubmissionError) as info:
        scoring.score_submission(SOLUTION, b"id,target\na,0.1\n", "log_loss")
    assert isinstance(info.value, ValueError)
    assert [p.code for p in info.value.problems] == ["missing_ids"]
    assert "missing" in str(info.value)


def test_problem_to_dict():
    p = scoring.Problem("empty_value", "msg", 3, "target")
    assert p.to_dict() == {"code": "empty_value", "message": "msg", "row": 3, "column": "target"}


def test_header_hints_for_common_mistakes():
    semicolons = problems(b"id;target\na;0.1\nb;0.2\nc;0.3\nd;0.4\n")
    assert any("semicolons" in p.message for p in semicolons if p.code == "extra_columns")
    index = problems(b",id,target\n0,a,0.1\n1,b,0.2\n2,c,0.3\n3,d,0.4\n")
    assert [p.code for p in index] == ["extra_columns"] and "saved index" in index[0].message


def test_too_long_ids_are_unexpected_not_a_crash():
    p = only(b"id,target\n" + b"x" * 50_000 + b",0.1\na,0.1\nb,0.2\nc,0.3\nd,0.4\n", "unexpected_ids")
    assert p.row == 2 and len(p.message) < 300


# -- whole numbers (ratings): one range for solutions and submissions ------------------------
RATINGS = b"id,target\na,1\nb,2\nc,3\nd,1\n"
LIMIT = 2**53 - 1  # every whole number within it is exact in float64, which ratings are read through
HUGE = ["9223372036854775808", "-9223372036854775809", "99999999999999999999999", "1e30", str(LIMIT + 2)]


@pytest.mark.parametrize("value", HUGE)
def test_submitted_rating_outside_the_range_is_out_of_range(value):
    sub = f"id,target\na,1\nb,{value}\nc,3\nd,1\n".encode()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning from a cast either
        p = only(sub, "out_of_range", metric="quadratic_weighted_kappa", solution=RATINGS)
    assert (p.row, p.column) == (3, "target")
    assert f"whole numbers from -{LIMIT} to {LIMIT}" in p.message


@pytest.mark.parametrize("value", HUGE)
def test_solution_rating_outside_the_range_is_a_solution_error(value):
    sol = f"id,target\na,1\nb,{value}\nc,3\n".encode()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(scoring.SolutionError, match=f"from -{LIMIT} to {LIMIT}.*row 3.*outside that range"):
            scoring.read_solution(sol, "quadratic_weighted_kappa")


def test_ratings_at_the_limits_are_accepted_on_both_sides():
    sol = f"id,target\na,{LIMIT}\nb,-{LIMIT}\nc,0\n".encode()
    sub = f"id,target\na,{LIMIT}\nb,-{LIMIT}\nc,0\n".encode()
    assert scoring.score_submission(sol, sub, "quadratic_weighted_kappa").overall == 1.0
    assert scoring.read_solution(sol, "quadratic_weighted_kappa").truth.tolist() == [LIMIT, -LIMIT, 0]


def test_fractional_ratings_are_still_not_a_number():
    p = only(b"id,target\na,1\nb,2.5\nc,3\nd,1\n", "not_a_number", metric="quadratic_weighted_kappa",
             solution=RATINGS)
    assert p.row == 3 and "whole number" in p.message
    with pytest.raises(scoring.SolutionError, match="row 3 holds 2.5, not a whole number"):
        scoring.read_solution(b"id,target\na,1\nb,2.5\n", "quadratic_weighted_kappa")


# -- map_at_k: a blank cell is an empty prediction list ------------------------------------------
def test_map_at_k_blank_prediction_is_valid_and_scores_zero():
    sol = b"id,target\na,x y\nb,z\nc,x\n"
    sub = b"id,target\na,\nb,z x\nc, \n"
    assert problems(sub, metric="map_at_k", solution=sol) == []
    # Kaggle's apk: no predictions -> 0; 'z x' for {z} -> 1/1 at rank 1; blank -> 0.
    assert scoring.score_submission(sol, sub, "map_at_k").overall == pytest.approx((0 + 1 + 0) / 3, abs=1e-15)
