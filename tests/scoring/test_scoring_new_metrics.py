"""fbeta, top_k_accuracy, smape, pinball, the column-wise multi-label metrics, and sample weights.

Each randomized test scores through scoring.score_submission a solution with a
Usage split (Public, Private and Ignored rows), a submission in shuffled row
order, tied predictions and (where the metric takes them) sample weights, and
checks every part against scikit-learn or the written definition to 1e-9.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

import scoring
from scoring import uncertainty

NEW = ["fbeta", "top_k_accuracy", "smape", "pinball", "mean_columnwise_auc", "mean_columnwise_log_loss"]
WEIGHTED = {"rmse", "mse", "mae", "log_loss", "multiclass_log_loss", "accuracy", "fbeta", "pinball", "smape"}
SEEDS = [0, 1, 2]
N = 90
TAGS = ["toxic", "spam", "funny", "sad"]


def test_the_new_metrics_are_registered():
    assert set(NEW) <= set(scoring.METRICS)
    assert scoring.get_metric("fbeta").params["beta"] == 1.0
    assert scoring.get_metric("top_k_accuracy").params["k"] == 3
    assert scoring.get_metric("pinball").params["alpha"] == 0.5


def test_the_registry_says_which_metrics_take_weights():
    assert {name for name, m in scoring.METRICS.items() if m.weighted} == WEIGHTED
    assert all(m.to_dict()["weighted"] == m.weighted for m in scoring.METRICS.values())


# -- randomized agreement ------------------------------------------------------------------
def _usage(rng, n):
    return rng.choice(["Public", "Private", "Ignored"], size=n, p=[0.45, 0.45, 0.1])


def _parts(usage):
    return {"public": usage == "Public", "private": usage == "Private", "overall": usage != "Ignored"}


def _shuffled(frame, seed):
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def _check_parts(result, usage, reference):
    for part, rows in _parts(usage).items():
        assert getattr(result, part) == pytest.approx(reference(rows), abs=1e-9), part


def _weights(rng, n):
    w = rng.choice([0.0, 0.5, 1.0, 2.0, 3.5], size=n)
    w[:4] = 1.0  # never all zero in a part
    return w


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("weighted", [False, True])
def test_fbeta_agrees_with_scikit_learn(seed, weighted):
    rng = np.random.default_rng(seed)
    y = rng.choice(["yes", "no"], N)
    p = np.where(rng.random(N) < 0.7, y, rng.choice(["yes", "no"], N))
    usage, w = _usage(rng, N), _weights(rng, N)
    beta = [0.5, 1.0, 2.0][seed]
    sol = pd.DataFrame({"id": [f"x{i}" for i in range(N)], "t": y, "Usage": usage})
    if weighted:
        sol["Weight"] = w
    sub = _shuffled(pd.DataFrame({"id": sol["id"], "t": p}), seed)
    result = scoring.score_submission(sol, sub, "fbeta", beta=beta, positive_label="yes")
    _check_parts(result, usage, lambda r: skm.fbeta_score(
        y[r], p[r], beta=beta, pos_label="yes", sample_weight=w[r] if weighted else None))


@pytest.mark.parametrize("seed", SEEDS)
def test_top_k_accuracy_agrees_with_its_definition_and_scikit_learn(seed):
    rng = np.random.default_rng(seed)
    labels = ["a", "b", "c", "d", "e", "f"]
    k = [1, 2, 3][seed]
    y = rng.choice(labels, N)
    rankings = [list(rng.permutation(labels)) for _ in range(N)]
    lengths = rng.integers(0, k + 3, N)  # blank cells, fewer than k and more than k labels
    cells = [" ".join(r[:m]) for r, m in zip(rankings, lengths)]
    usage = _usage(rng, N)
    sol = pd.DataFrame({"id": range(N), "t": y, "Usage": usage})
    sub = _shuffled(pd.DataFrame({"id": range(N), "t": cells}), seed)
    result = scoring.score_submission(sol, sub, "top_k_accuracy", k=k)
    hits = np.array([label in r[:min(m, k)] for label, r, m in zip(y, rankings, lengths)])
    _check_parts(result, usage, lambda r: hits[r].mean())
    # With every label ranked, the first k of the ranking are scikit-learn's top k of these scores.
    full = _shuffled(pd.DataFrame({"id": range(N), "t": [" ".join(r) for r in rankings]}), seed)
    scores = np.array([[len(labels) - r.index(label) for label in labels] for r in rankings], dtype=float)
    result = scoring.score_submission(sol, full, "top_k_accuracy", k=k)
    _check_parts(result, usage, lambda r: skm.top_k_accuracy_score(y[r], scores[r], k=k, labels=labels))


def _smape(y, p, w=None):
    den = np.abs(y) + np.abs(p)
    rows = np.where(den == 0, 0.0, 2 * np.abs(p - y) / np.where(den == 0, 1, den))
    return 100 * np.average(rows, weights=w)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("weighted", [False, True])
def test_smape_agrees_with_kaggles_definition(seed, weighted):
    rng = np.random.default_rng(seed)
    y = rng.integers(-3, 6, N).astype(float)  # zeros and ties
    p = np.where(rng.random(N) < 0.2, y, rng.integers(-3, 6, N) + rng.choice([0, 0.5], N))
    p[:3], y[:3] = 0.0, 0.0  # A = F = 0 counts 0
    usage, w = _usage(rng, N), _weights(rng, N)
    sol = pd.DataFrame({"id": range(N), "t": y, "Usage": usage})
    if weighted:
        sol["Weight"] = w
    sub = _shuffled(pd.DataFrame({"id": range(N), "t": p}), seed)
    result = scoring.score_submission(sol, sub, "smape")
    _check_parts(result, usage, lambda r: _smape(y[r], p[r], w[r] if weighted else None))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("weighted", [False, True])
def test_pinball_agrees_with_scikit_learn(seed, weighted):
    rng = np.random.default_rng(seed)
    y = rng.normal(size=N).round(1)
    p = np.where(rng.random(N) < 0.2, y, rng.normal(size=N).round(1))
    usage, w = _usage(rng, N), _weights(rng, N)
    alpha = [0.1, 0.5, 0.9][seed]
    sol = pd.DataFrame({"id": range(N), "t": y, "Usage": usage})
    if weighted:
        sol["Weight"] = w
    sub = _shuffled(pd.DataFrame({"id": range(N), "t": p}), seed)
    result = scoring.score_submission(sol, sub, "pinball", alpha=str(alpha))  # as the command line gives it
    _check_parts(result, usage, lambda r: skm.mean_pinball_loss(
        y[r], p[r], alpha=alpha, sample_weight=w[r] if weighted else None))


def _multilabel_case(seed):
    rng = np.random.default_rng(seed)
    y = (rng.random((N, len(TAGS))) < 0.4).astype(int)
    usage = _usage(rng, N)
    y[:2, :3] = [[0, 0, 0], [1, 1, 1]]
    usage[:2] = "Private"
    y[2:4, :3], usage[2:4] = [[0, 0, 0], [1, 1, 1]], "Public"
    y[usage == "Public", 3] = 0  # 'sad' has a single class in the public rows
    p = (0.3 * y + rng.uniform(0.01, 0.69, y.shape)).round(1)  # ties
    sol = pd.DataFrame(y, columns=TAGS)
    sol.insert(0, "id", [f"r{i}" for i in range(N)])
    sol["Usage"] = usage
    order = list(rng.permutation(TAGS))  # the submission's columns, in any order
    sub = pd.DataFrame(p, columns=TAGS)[order]
    sub.insert(0, "id", sol["id"])
    return y, p, usage, sol, _shuffled(sub, seed)


def _columnwise(y, p, rows, binary):
    values = [binary(y[rows, j], p[rows, j]) for j in range(y.shape[1]) if len(set(y[rows, j])) == 2]
    return float(np.mean(values))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name,binary", [
    ("mean_columnwise_auc", skm.roc_auc_score),
    ("mean_columnwise_log_loss", lambda t, q: skm.log_loss(t, q, labels=[0, 1])),
])
def test_columnwise_metrics_agree_with_scikit_learn(seed, name, binary):
    y, p, usage, sol, sub = _multilabel_case(seed)
    declared = list(reversed(TAGS))  # declared labels, in another order than the columns
    for params in ({}, {"labels": declared}):
        result = scoring.score_submission(sol, sub, name, **params)
        _check_parts(result, usage, lambda r: _columnwise(y, p, r, binary))
        assert result.notes == ("the public rows: label column 'sad' holds only 0 in these rows, "
                                "so it is left out of the mean",)


# -- sample weights ------------------------------------------------------------------------
SKLEARN_WEIGHTED = {
    "rmse": lambda y, p, w: math.sqrt(skm.mean_squared_error(y, p, sample_weight=w)),
    "mse": lambda y, p, w: skm.mean_squared_error(y, p, sample_weight=w),
    "mae": lambda y, p, w: skm.mean_absolute_error(y, p, sample_weight=w),
    "log_loss": lambda y, p, w: skm.log_loss(y, p, sample_weight=w),
    "accuracy": lambda y, p, w: skm.accuracy_score(y.astype(str), p.astype(str), sample_weight=w),
}


@pytest.mark.parametrize("name", sorted(SKLEARN_WEIGHTED))
def test_weights_agree_with_scikit_learns_sample_weight(name, make_case):
    sol, sub, _ = make_case(name, n=N, seed=4)
    rng = np.random.default_rng(4)
    usage, w = _usage(rng, N), _weights(rng, N)
    sol = sol.assign(Usage=usage, Weight=w)
    merged = sol.merge(sub, on="id", suffixes=("_true", "_pred"))
    y, p = merged["target_true"].to_numpy(), merged["target_pred"].to_numpy()
    result = scoring.score_submission(sol, _shuffled(sub, 4), name)
    _check_parts(result, usage, lambda r: SKLEARN_WEIGHTED[name](y[r], p[r], w[r]))


def test_multiclass_log_loss_weights_agree_with_scikit_learn(make_case):
    sol, sub, _ = make_case("multiclass_log_loss", n=N, seed=5)
    w = _weights(np.random.default_rng(5), N)
    sol = sol.assign(Weight=w)
    classes = list(sub.columns[1:])
    expected = skm.log_loss(sol["label"], sub[classes].to_numpy(), labels=classes, sample_weight=w)
    assert scoring.score_submission(sol, sub, "multiclass_log_loss").overall == pytest.approx(expected, abs=1e-9)


def test_weights_of_whole_numbers_repeat_rows(make_case):
    sol, sub, _ = make_case("rmse", n=30, seed=6)
    w = np.random.default_rng(6).integers(0, 4, 30)
    w[0] = 1
    weighted = scoring.score_submission(sol.assign(Weight=w), sub, "rmse")
    repeated = np.repeat(np.arange(30), w)
    sol_r = sol.iloc[repeated].assign(id=range(len(repeated)))
    sub_r = sub.iloc[repeated].assign(id=range(len(repeated)))
    assert weighted.overall == pytest.approx(scoring.score_submission(sol_r, sub_r, "rmse").overall, abs=1e-12)


def test_bootstrap_resamples_rows_with_their_weights():
    rng = np.random.default_rng(8)
    n = 150
    y, p, w = rng.normal(size=n), rng.normal(size=n), rng.uniform(0, 3, n)
    sol = pd.DataFrame({"id": range(n), "t": y, "Weight": w})
    result = scoring.score_submission(sol, pd.DataFrame({"id": range(n), "t": p}), "mae")
    gen = np.random.default_rng([uncertainty.SEED, 1, n])
    draws = gen.integers(0, n, size=(uncertainty._BLOCK, n))
    expected = [np.average(np.abs(y[d] - p[d]), weights=w[d]) for d in draws[:10]]
    assert result._replicates["public"][:10] == pytest.approx(expected, abs=1e-12)
    assert result.public_ci[0] < result.public < result.public_ci[1]


def test_large_weighted_parts_use_the_weighted_subsample():
    rng = np.random.default_rng(9)
    n = uncertainty.MAX_ROWS * 2
    y = rng.normal(size=n)
    sol = pd.DataFrame({"id": range(n), "t": y, "Weight": rng.uniform(0.5, 1.5, n)})
    result = scoring.score_submission(sol, pd.DataFrame({"id": range(n), "t": y + rng.normal(size=n)}), "mse")
    low, high = result.public_ci
    assert low < result.public < high


def test_weights_change_the_fingerprint_so_comparisons_refuse_mixed_setups(make_case):
    sol, sub, _ = make_case("mae", n=40)
    a = scoring.score_submission(sol.assign(Weight=1.0), sub, "mae")
    b = scoring.score_submission(sol.assign(Weight=2.0), sub, "mae")
    assert a.overall == pytest.approx(b.overall, abs=1e-12)  # scaling every weight changes nothing
    with pytest.raises(ValueError, match="same solution"):
        scoring.compare(a, b)


def test_a_weight_column_with_a_metric_without_weights_names_the_metric(make_case):
    sol, sub, _ = make_case("auc")
    with pytest.raises(scoring.SolutionError, match="metric 'auc' does not take sample weights") as info:
        scoring.score_submission(sol.assign(Weight=1.0), sub, "auc")
    assert "rmse" in str(info.value)  # and lists those that do


@pytest.mark.parametrize("weights,match", [
    ([1, -1, 1, 1], "cannot be negative"),
    ([1, None, 1, 1], "empty"),
    ([1, "x", 1, 1], "not a finite number"),
    ([0, 0, 1, 1], "0 on every public row"),
])
def test_bad_weights_are_solution_errors(weights, match):
    sol = pd.DataFrame({"id": [1, 2, 3, 4], "t": [1.0, 2, 3, 4], "Usage": ["Public", "Public", "Private", "Private"],
                        "Weight": weights})
    with pytest.raises(scoring.SolutionError, match=match):
        scoring.read_solution(sol, "rmse")


def test_the_weight_column_is_found_like_usage_and_never_submitted():
    sol = pd.DataFrame({"id": [1, 2, 3], "t": [1.0, 2, 4], "weight": [1, 1, 2]})
    parsed = scoring.read_solution(sol, "mae")
    assert parsed.weight_column == "weight" and parsed.prediction_columns == ("t",)
    assert parsed.to_dict()["weight_column"] == "weight"
    sub = pd.DataFrame({"id": [1, 2, 3], "t": [1.0, 2, 2]})
    assert scoring.score_submission(parsed, sub).overall == pytest.approx(4 / 4)
    codes = [p.code for p in scoring.validate_submission(parsed, sub.assign(weight=1))]
    assert codes == ["extra_columns"]


def test_a_lone_weight_column_is_the_target():
    # A task that predicts a weight keeps working: the only candidate column is the target.
    sol = pd.DataFrame({"id": [1, 2], "Weight": [70.0, 80.0], "Usage": ["Public", "Private"]})
    parsed = scoring.read_solution(sol, "rmse")
    assert parsed.weight_column is None and parsed.prediction_columns == ("Weight",)


def test_a_declared_label_named_weight_is_a_label_column():
    sol = pd.DataFrame({"id": [1, 2, 3], "Weight": [1, 0, 1], "tall": [0, 1, 1]})
    parsed = scoring.read_solution(sol, "mean_columnwise_auc", labels=["tall", "Weight"])
    assert parsed.weight_column is None and parsed.prediction_columns == ("tall", "Weight")


# -- parameters and validation -----------------------------------------------------------
@pytest.mark.parametrize("name,params,match", [
    ("pinball", {"alpha": 1.5}, "between 0 and 1"),
    ("pinball", {"alpha": "x"}, "finite number"),
    ("pinball", {"alpha": float("nan")}, "finite number"),
    ("fbeta", {"beta": -1}, "0 or more"),
    ("fbeta", {"beta": True}, "finite number"),
    ("top_k_accuracy", {"k": 0}, "positive integer"),
    ("top_k_accuracy", {"labels": ["new york", "paris"]}, "no label may contain a space"),
])
def test_bad_parameters_are_value_errors(name, params, match):
    with pytest.raises(ValueError, match=match) as info:
        scoring.get_metric(name).resolve_params(params)
    assert not isinstance(info.value, scoring.SolutionError)


def test_top_k_accuracy_refuses_solution_labels_with_spaces():
    sol = pd.DataFrame({"id": [1, 2], "t": ["new york", "paris"]})
    with pytest.raises(scoring.SolutionError, match="no label may contain a space"):
        scoring.read_solution(sol, "top_k_accuracy")


def test_top_k_accuracy_reports_unknown_labels_among_the_first_k():
    sol = pd.DataFrame({"id": [1, 2, 3], "t": ["a", "b", "c"]})
    sub = pd.DataFrame({"id": [1, 2, 3], "t": ["a zz", "b c a a zz", ""]})  # zz after the first k is ignored
    (problem,) = scoring.validate_submission(sol, sub, "top_k_accuracy", k=2)
    assert (problem.code, problem.row, problem.column) == ("unknown_label", 2, "t")
    assert "'a zz'" in problem.message and "3 labels used in this competition" in problem.message
    declared = scoring.validate_submission(sol, sub, "top_k_accuracy", k=2, labels=["a", "b", "c", "d"])
    assert "one of 'a', 'b', 'c', 'd'" in declared[0].message


def test_sample_submissions_of_the_new_kinds_are_valid(make_case):
    for name in ("top_k_accuracy", "mean_columnwise_log_loss"):
        sol, _, _ = make_case(name)
        sample = scoring.sample_submission(sol, name)
        assert scoring.validate_submission(sol, sample, name) == []
    sol, _, _ = make_case("top_k_accuracy")
    assert len(scoring.sample_submission(sol, "top_k_accuracy")["target"][0].split()) == 3


# -- multi-label solutions -------------------------------------------------------------------
def test_columnwise_hand_computed():
    sol = pd.DataFrame({"id": [1, 2, 3, 4], "a": [0, 1, 0, 1], "b": [1, 1, 0, 0], "c": [0, 0, 0, 0]})
    sub = pd.DataFrame({"id": [1, 2, 3, 4], "c": [0.2] * 4, "b": [0.5, 0.5, 0.5, 0.9], "a": [0.1, 0.8, 0.4, 0.35]})
    result = scoring.score_submission(sol, sub, "mean_columnwise_auc")
    assert result.overall == pytest.approx((3 / 4 + 1 / 4) / 2, abs=1e-12)  # 'c' has one class: left out
    assert result.notes == ("every row: label column 'c' holds only 0 in these rows, so it is left out of the mean",)
    assert result.to_dict()["notes"] == list(result.notes)
    sol = pd.DataFrame({"id": [1, 2], "a": [1, 0], "b": [1, 0]})
    sub = pd.DataFrame({"id": [1, 2], "a": [0.5, 0.5], "b": [0.8, 0.2]})
    expected = (math.log(2) - math.log(0.8)) / 2
    assert scoring.score_submission(sol, sub, "mean_columnwise_log_loss").overall == pytest.approx(expected, abs=1e-12)


def test_columnwise_declared_labels_without_a_column_are_zero_columns():
    sol = pd.DataFrame({"id": [1, 2], "a": [1, 0]})
    parsed = scoring.read_solution(sol, "mean_columnwise_log_loss", labels=["b", "a"])
    assert parsed.prediction_columns == ("b", "a") and parsed.truth.tolist() == [[0, 1], [0, 0]]
    sub = pd.DataFrame({"id": [1, 2], "a": [0.5, 0.5], "b": [0.1, 0.1]})
    result = scoring.score_submission(parsed, sub)
    assert result.overall == pytest.approx(math.log(2), abs=1e-12) and "'b' holds only 0" in result.notes[0]


@pytest.mark.parametrize("frame,params,match", [
    ({"id": [1, 2], "a": [1, 2]}, {}, "0 or 1 in every label column; column 'a' holds 2 at row 3"),
    ({"id": [1, 2], "a": [1, 0], "z": [0, 1]}, {"labels": ["a", "b"]}, "'z' are not among the declared labels"),
    ({"id": [1, 2], "a": [1, 1], "b": [0, 0]}, {}, "at least one label column with both classes"),
])
def test_bad_multilabel_solutions(frame, params, match):
    with pytest.raises(scoring.SolutionError, match=match):
        scoring.read_solution(pd.DataFrame(frame), "mean_columnwise_auc", **params)


def test_columnwise_submission_problems_name_the_columns():
    sol = pd.DataFrame({"id": [1, 2], "a": [1, 0], "b": [0, 1]})
    sub = pd.DataFrame({"id": [1, 2], "b": [0.5, 1.5], "c": [0.1, 0.1]})
    codes = {(p.code, p.column) for p in scoring.validate_submission(sol, sub, "mean_columnwise_auc")}
    assert codes == {("missing_columns", "a"), ("extra_columns", "c"), ("out_of_range", "b")}
