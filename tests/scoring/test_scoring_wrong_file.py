"""The one summarizing problem for a wrong file (the test file, a features table, many extra
columns), and share_better: the paired bootstrap in the words the upload page uses."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import scoring
from scoring import uncertainty

SOLUTION = pd.DataFrame({"id": range(1, 21), "target": np.arange(1, 21) * 1.5,
                         "Usage": ["Public"] * 10 + ["Private"] * 10})
TEST_COLUMNS = ["id", "age", "rooms", "area", "city"]


def _test_file() -> bytes:
    rows = "".join(f"{i},{30 + i},{i % 4},{50 + i},c{i}\n" for i in range(1, 21))
    return ("id,age,rooms,area,city\n" + rows).encode()


def _valid() -> bytes:
    return ("id,target\n" + "".join(f"{i},{i * 1.5 + 0.1}\n" for i in range(1, 21))).encode()


def test_the_test_file_gets_one_summarizing_problem_first():
    problems = scoring.validate_submission(SOLUTION, _test_file(), "rmse", test_columns=TEST_COLUMNS)
    assert problems[0].code == "test_file_columns"
    assert "did you upload the test file" in problems[0].message and "test.csv" in problems[0].message
    # The detailed list follows: the missing target column and each extra column.
    codes = [p.code for p in problems[1:]]
    assert "missing_columns" in codes and codes.count("extra_columns") == 4
    assert sum(p.code == "test_file_columns" for p in problems) == 1


def test_without_the_test_files_columns_a_features_table_is_still_named():
    problems = scoring.validate_submission(SOLUTION, _test_file(), "rmse")
    assert problems[0].code == "test_file_columns"
    assert "none of the prediction columns" in problems[0].message and "'age'" in problems[0].message


def test_the_test_file_with_one_feature_is_named_only_when_its_columns_are_known():
    data = ("id,x\n" + "".join(f"{i},0.{i}\n" for i in range(1, 21))).encode()
    known = scoring.validate_submission(SOLUTION, data, "rmse", test_columns=["x", "id"])
    assert known[0].code == "test_file_columns"
    unknown = scoring.validate_submission(SOLUTION, data, "rmse")
    assert unknown[0].code == "missing_columns"  # one misnamed column: the detailed problem says it best
    assert all(p.code != "test_file_columns" for p in unknown)


def test_many_extra_columns_next_to_the_predictions():
    rows = "".join(f"{i},{i * 1.5},1,2,3\n" for i in range(1, 21))
    problems = scoring.validate_submission(SOLUTION, ("id,target,a,b,c\n" + rows).encode(), "rmse")
    assert problems[0].code == "many_extra_columns" and "keep only id, target" in problems[0].message
    assert [p.code for p in problems[1:]] == ["extra_columns"] * 3


def test_a_valid_file_and_a_file_with_one_extra_column_get_no_summary():
    assert scoring.validate_submission(SOLUTION, _valid(), "rmse", test_columns=TEST_COLUMNS) == []
    one_extra = ("id,target,note\n" + "".join(f"{i},{i},x\n" for i in range(1, 21))).encode()
    problems = scoring.validate_submission(SOLUTION, one_extra, "rmse", test_columns=TEST_COLUMNS)
    assert [p.code for p in problems] == ["extra_columns"]


def test_score_submission_raises_with_the_summary_first():
    with pytest.raises(scoring.SubmissionError) as caught:
        scoring.score_submission(SOLUTION, _test_file(), "rmse", test_columns=TEST_COLUMNS)
    assert caught.value.problems[0].code == "test_file_columns"


def test_the_summary_survives_the_problem_cap():
    wide = ",".join(f"f{i}" for i in range(200))
    rows = "".join(f"{i}," + ",".join("1" for _ in range(200)) + "\n" for i in range(1, 21))
    problems = scoring.validate_submission(SOLUTION, (f"id,{wide}\n" + rows).encode(), "rmse",
                                           limits=scoring.Limits(max_problems=10))
    assert problems[0].code == "test_file_columns" and "and 195 more" in problems[0].message
    assert len(problems) == 1 + 10 + 1  # the summary, the capped list, one line for the rest


def _scored(noise, seed, n=400, gib_metric="rmse"):
    rng = np.random.default_rng(0)
    y = rng.normal(size=n)
    parsed = scoring.read_solution(scoring.assign_usage(pd.DataFrame({"id": range(n), "t": y}), 0.5, seed=3),
                                   gib_metric)
    noise_rng = np.random.default_rng(seed)
    return scoring.score_submission(parsed, pd.DataFrame({"id": range(n), "t": y + noise_rng.normal(
        scale=noise, size=n)}))


def test_share_better_is_the_share_of_paired_resamples_won():
    good, bad = _scored(0.1, 1), _scored(1.0, 2)
    assert uncertainty.share_better(good, bad) == 1.0  # lower rmse wins on every resample
    assert uncertainty.share_better(bad, good) == 0.0
    diffs = good._replicates["public"] - bad._replicates["public"]
    assert uncertainty.share_better(good, bad) == pytest.approx(np.mean(diffs < 0))


def test_share_better_for_two_similar_files_is_neither_zero_nor_one():
    a, b = _scored(1.0, 1), _scored(1.0, 2)
    share = uncertainty.share_better(a, b)
    assert 0.0 < share < 1.0
    assert uncertainty.share_better(b, a) == pytest.approx(1 - share, abs=0.01)  # ties are rare
    assert not scoring.compare(a, b).distinguishable or share > 0.97 or share < 0.03


def test_share_better_refuses_what_compare_refuses():
    a = _scored(0.5, 1)
    other = scoring.score_submission(SOLUTION, _valid(), "rmse")
    with pytest.raises(ValueError):
        uncertainty.share_better(a, other)
