"""The public interface: exports, solutions, Usage splits, sample submissions, results."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import scoring


def test_exports():
    for name in ["score_submission", "validate_submission", "SubmissionError", "SolutionError", "Problem",
                 "ScoreResult", "METRICS", "get_metric", "compare", "read_solution", "assign_usage",
                 "sample_submission", "check_ids", "SCORER_VERSION", "__version__"]:
        assert hasattr(scoring, name), name
    assert scoring.__version__ == scoring.SCORER_VERSION
    assert issubclass(scoring.SubmissionError, ValueError)
    assert issubclass(scoring.SolutionError, ValueError)
    assert not issubclass(scoring.SolutionError, scoring.SubmissionError)


def test_package_is_pure():
    import subprocess
    import sys

    code = ("import sys, scoring, scoring.cli; "
            "print(sorted(m for m in ('flask', 'sqlalchemy', 'sklearn', 'scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- Usage splits -------------------------------------------------------------------
def test_public_private_overall(binary_case):
    sol, sub = binary_case
    result = scoring.score_submission(sol, sub, "log_loss")
    merged = sol.merge(sub, on="id", suffixes=("", "_p"))
    usage = merged["Usage"].str.lower()

    def ll(mask):
        y, p = merged.loc[mask, "target"].to_numpy(), merged.loc[mask, "target_p"].to_numpy()
        return float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))))

    assert result.public == pytest.approx(ll(usage == "public"), abs=1e-12)
    assert result.private == pytest.approx(ll(usage == "private"), abs=1e-12)
    assert result.overall == pytest.approx(ll(usage != "ignored"), abs=1e-12)
    assert (result.n_public, result.n_private, result.n_overall) == (5, 4, 9)


def test_ignored_rows_must_be_submitted_but_are_not_scored(binary_case):
    sol, sub = binary_case
    ignored_id = sol.loc[sol["Usage"] == "Ignored", "id"].iloc[0]
    codes = [p.code for p in scoring.validate_submission(sol, sub[sub["id"] != ignored_id], "log_loss")]
    assert codes == ["missing_ids"]
    changed = sub.copy()
    changed.loc[changed["id"] == ignored_id, "target"] = 0.999
    assert scoring.score_submission(sol, changed, "log_loss") == scoring.score_submission(sol, sub, "log_loss")


def test_without_usage_every_row_is_public_and_private(make_case):
    sol, sub, _ = make_case("rmse", n=30)
    r = scoring.score_submission(sol, sub, "rmse")
    assert r.public == r.private == r.overall
    assert r.n_public == r.n_private == r.n_overall == 30
    assert r.public_ci == r.private_ci


def test_bad_usage_value_is_a_solution_error():
    sol = pd.DataFrame({"id": [1, 2], "t": [0, 1], "Usage": ["Public", "Secret"]})
    with pytest.raises(scoring.SolutionError, match="Public, Private or Ignored.*'Secret'"):
        scoring.read_solution(sol, "log_loss")


def test_assign_usage_is_exact_and_deterministic():
    frame = pd.DataFrame({"id": range(101), "t": np.arange(101) % 2})
    a = scoring.assign_usage(frame, 0.3, seed=42)
    b = scoring.assign_usage(frame, 0.3, seed=42)
    c = scoring.assign_usage(frame, 0.3, seed=43)
    assert (a["Usage"] == "Public").sum() == round(101 * 0.3)
    assert set(a["Usage"]) == {"Public", "Private"}
    assert a["Usage"].equals(b["Usage"]) and not a["Usage"].equals(c["Usage"])
    assert "Usage" not in frame.columns  # the input is not modified
    expected = np.random.default_rng(42).choice(101, size=30, replace=False)
    assert set(np.flatnonzero(a["Usage"] == "Public")) == set(expected)


@pytest.mark.parametrize("fraction", [-0.1, 1.5])
def test_assign_usage_rejects_bad_fraction(fraction):
    with pytest.raises(ValueError):
        scoring.assign_usage(pd.DataFrame({"id": [1]}), fraction, 0)


def test_assign_usage_rejects_existing_usage():
    with pytest.raises(ValueError):
        scoring.assign_usage(pd.DataFrame({"id": [1], "usage": ["Public"]}), 0.5, 0)


# -- read_solution -------------------------------------------------------------------
@pytest.mark.parametrize("data,match", [
    (b"id,t\na,0\na,1\n", "duplicate ids.*'a'"),
    (b"id\na\nb\n", "no target column"),
    (b"", "empty"),
    (b"id,t\n", "no rows"),
    (b"id,t,u\na,0,1\n", "exactly one target column"),
    (b"id,t\na,0\nb,\n", "empty value"),
    (b"id,t\na,0\nb,2\n", "0 or 1"),
    (b"id,t\na,0\nb,0\n", "both classes"),
])
def test_read_solution_errors(data, match):
    with pytest.raises(scoring.SolutionError, match=match):
        scoring.read_solution(data, "auc")


def test_read_solution_id_column():
    sol = scoring.read_solution(b"t,key\n0,a\n1,b\n", "auc", id_column="key")
    assert sol.id_column == "key" and sol.prediction_columns == ("t",)
    with pytest.raises(scoring.SolutionError, match="no id column 'nope'"):
        scoring.read_solution(b"t,key\n0,a\n1,b\n", "auc", id_column="nope")


def test_positive_label_must_exist():
    with pytest.raises(scoring.SolutionError, match="positive_label"):
        scoring.read_solution(b"id,t\na,yes\nb,no\n", "f1")
    assert scoring.read_solution(b"id,t\na,yes\nb,no\n", "f1", positive_label="yes").context["positive"] == 1


def test_unknown_metric_is_value_error_not_solution_error():
    with pytest.raises(ValueError, match="valid metrics") as info:
        scoring.score_submission(b"id,t\na,0\n", b"id,t\na,0\n", "nope")
    assert not isinstance(info.value, (scoring.SolutionError, scoring.SubmissionError))


def test_parsed_solution_is_reused(make_case):
    sol, sub, _ = make_case("auc", n=50)
    parsed = scoring.read_solution(sol, "auc")
    assert scoring.score_submission(parsed, sub) == scoring.score_submission(sol, sub, "auc")
    assert scoring.score_submission(parsed, sub, "auc") == scoring.score_submission(sol, sub, "auc")
    assert scoring.validate_submission(parsed, sub) == []
    with pytest.raises(ValueError, match="read for metric 'auc'"):
        scoring.score_submission(parsed, sub, "log_loss")


# -- sample submissions --------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(scoring.METRICS))
def test_sample_submission_is_valid(name, make_case):
    sol, _, _ = make_case(name)
    sample = scoring.sample_submission(sol, name)
    assert sample.columns[0] == "id" and len(sample) == len(sol)
    assert scoring.validate_submission(sol, sample.to_csv(index=False).encode(), name) == []


def test_sample_submission_constants():
    assert scoring.sample_submission(b"id,t\na,0\nb,1\n", "log_loss")["t"].tolist() == [0.5, 0.5]
    assert scoring.sample_submission(b"id,t\na,1\nb,3\n", "rmse")["t"].tolist() == [2.0, 2.0]
    assert scoring.sample_submission(b"id,t\na,x\nb,y\nc,y\n", "accuracy")["t"].tolist() == ["y"] * 3
    multi = scoring.sample_submission(b"id,t\na,x\nb,y\nc,z\n", "multiclass_log_loss")
    assert list(multi.columns) == ["id", "x", "y", "z"] and multi.iloc[0, 1] == pytest.approx(1 / 3)


# -- results ----------------------------------------------------------------------------
def test_score_result_to_dict_is_json_safe(binary_case):
    sol, sub = binary_case
    data = scoring.score_submission(sol, sub, "log_loss").to_dict()
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    assert set(data) == {"metric", "greater_is_better", "public", "private", "overall", "public_ci",
                         "private_ci", "n_public", "n_private", "n_overall", "scorer_version", "notes"}
    assert data["notes"] == []
    assert data["metric"] == "log_loss" and data["greater_is_better"] is False
    assert data["public_ci"][0] <= data["public"] <= data["public_ci"][1]


def test_empty_public_part_gives_none():
    sol = pd.DataFrame({"id": [1, 2], "t": [1.0, 2.0], "Usage": ["Private", "Private"]})
    r = scoring.score_submission(sol, pd.DataFrame({"id": [1, 2], "t": [1.0, 2.5]}), "mae")
    assert r.public is None and r.public_ci is None and r.n_public == 0
    assert r.private == pytest.approx(0.25) and r.to_dict()["public"] is None


def test_all_ignored_is_a_solution_error():
    with pytest.raises(scoring.SolutionError, match="Ignored"):
        scoring.read_solution(pd.DataFrame({"id": [1], "t": [1.0], "Usage": ["Ignored"]}), "mae")


def test_one_hot_solution_rows_must_have_a_single_one():
    with pytest.raises(scoring.SolutionError, match="row 3"):
        scoring.read_solution(b"id,x,y\na,1,0\nb,1,1\n", "multiclass_log_loss")


def test_decomposable_parts_match_direct_computation(binary_case):
    """Per-row losses computed once must give the same part scores as the metric on each part."""
    sol, sub = binary_case
    parsed = scoring.read_solution(sol, "rmse")
    result = scoring.score_submission(parsed, sub)
    merged = sol.merge(sub, on="id", suffixes=("", "_p"))
    private = merged[merged["Usage"].str.lower() == "private"]
    expected = float(np.sqrt(((private["target"] - private["target_p"]) ** 2).mean()))
    assert result.private == pytest.approx(expected, abs=1e-12)


def test_solution_to_dict_summarises_without_targets(binary_case):
    sol, _ = binary_case
    data = scoring.read_solution(sol, "log_loss").to_dict()
    assert json.loads(json.dumps(data)) == data
    assert (data["n_rows"], data["n_public"], data["n_private"], data["n_ignored"]) == (10, 5, 4, 1)
    assert data["prediction_columns"] == ["target"] and data["has_usage"] is True
    assert "truth" not in data and len(data["fingerprint"]) == 64
