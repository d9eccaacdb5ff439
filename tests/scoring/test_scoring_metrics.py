"""Metric tests, parametrized over the registry (in the spirit of scikit-learn's test_common)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

import scoring
from scoring.metrics.ranking import average_precision_at_k

ALL = sorted(scoring.METRICS)


def overall(sol, sub, name, **params):
    return scoring.score_submission(sol, sub, name, **params).overall


@pytest.mark.parametrize("name", ALL)
def test_registry_entry_is_complete(name):
    m = scoring.get_metric(name)
    assert m.name == name and m.description and m.columns
    assert m.kind in ("regression", "binary", "multiclass", "multilabel", "multilabel-ranking")
    assert isinstance(m.weighted, bool) and m.plugin is None
    assert isinstance(m.greater_is_better, bool)
    assert m.to_dict()["params"] == dict(m.params)


def test_required_metrics_are_registered():
    required = {
        "rmse", "mse", "mae", "rmsle", "r2", "mape", "log_loss", "auc", "normalized_gini", "accuracy",
        "precision", "recall", "f1", "mcc", "multiclass_log_loss", "macro_f1", "macro_precision",
        "macro_recall", "quadratic_weighted_kappa", "map_at_k",
    }
    assert required <= set(scoring.METRICS)


def test_unknown_metric_lists_valid_names():
    with pytest.raises(ValueError, match="valid metrics: .*rmse"):
        scoring.get_metric("rmsee")


@pytest.mark.parametrize("name", ALL)
def test_row_order_does_not_matter(name, make_case):
    sol, sub, _ = make_case(name)
    shuffled = sub.sample(frac=1.0, random_state=3).reset_index(drop=True)
    assert overall(sol, shuffled, name) == pytest.approx(overall(sol, sub, name), abs=1e-12)


@pytest.mark.parametrize("name", ALL)
def test_perfect_predictions_score_best(name, make_case):
    sol, sub, perfect = make_case(name)
    metric = scoring.get_metric(name)
    best = overall(sol, perfect, name)
    assert best == pytest.approx(metric.best, abs=1e-12)
    noisy = overall(sol, sub, name)
    assert (noisy < best) if metric.greater_is_better else (noisy > best)


def _arrays(sol, sub):
    merged = sol.merge(sub, on="id", suffixes=("_true", "_pred"))
    return merged


SKLEARN = {
    "rmse": lambda y, p: math.sqrt(skm.mean_squared_error(y, p)),
    "mse": skm.mean_squared_error,
    "mae": skm.mean_absolute_error,
    "rmsle": lambda y, p: math.sqrt(skm.mean_squared_log_error(y, p)),
    "r2": skm.r2_score,
    "mape": skm.mean_absolute_percentage_error,
    "log_loss": skm.log_loss,
    "auc": skm.roc_auc_score,
    "accuracy": skm.accuracy_score,
    "precision": lambda y, p: skm.precision_score(y, p, pos_label="1"),
    "recall": lambda y, p: skm.recall_score(y, p, pos_label="1"),
    "f1": lambda y, p: skm.f1_score(y, p, pos_label="1"),
    "mcc": skm.matthews_corrcoef,
    "macro_f1": lambda y, p: skm.f1_score(y, p, average="macro"),
    "macro_precision": lambda y, p: skm.precision_score(y, p, average="macro", zero_division=0),
    "macro_recall": lambda y, p: skm.recall_score(y, p, average="macro", zero_division=0),
    # Agreement only when given the full rating range, as the issue notes.
    "quadratic_weighted_kappa": lambda y, p: skm.cohen_kappa_score(
        y, p, weights="quadratic", labels=list(range(min(y.min(), p.min()), max(y.max(), p.max()) + 1))
    ),
    # Binary truth and untied scores: normalized Gini equals 2 * AUC - 1.
    "normalized_gini": lambda y, p: 2 * skm.roc_auc_score(y, p) - 1,
}


@pytest.mark.parametrize("name", sorted(SKLEARN))
def test_agrees_with_scikit_learn(name, make_case):
    sol, sub, _ = make_case(name, n=200, seed=7)
    merged = _arrays(sol, sub)
    y, p = merged["target_true"].to_numpy(), merged["target_pred"].to_numpy()
    if scoring.get_metric(name).truth == "label":
        y, p = y.astype(str), p.astype(str)
    assert overall(sol, sub, name) == pytest.approx(SKLEARN[name](y, p), abs=1e-9)


def test_multiclass_log_loss_agrees_with_scikit_learn_on_normalized_rows(make_case):
    sol, sub, _ = make_case("multiclass_log_loss", n=200, seed=7)
    classes = list(sub.columns[1:])
    merged = sol.merge(sub, on="id")
    expected = skm.log_loss(merged["label"], merged[classes].to_numpy(), labels=classes)
    assert overall(sol, sub, "multiclass_log_loss") == pytest.approx(expected, abs=1e-9)


def kaggle_gini(actual, pred):
    """Kaggle's reference implementation (insurance competitions), transcribed."""
    data = np.asarray(np.c_[actual, pred, np.arange(len(actual))], dtype=float)
    data = data[np.lexsort((data[:, 2], -1 * data[:, 1]))]
    total = data[:, 0].sum()
    gini_sum = data[:, 0].cumsum().sum() / total
    gini_sum -= (len(actual) + 1) / 2.0
    return gini_sum / len(actual)


def kaggle_qwk(a, b):
    """Kaggle's classic quadratic_weighted_kappa, transcribed."""
    lo, hi = min(min(a), min(b)), max(max(a), max(b))
    k = hi - lo + 1
    conf = np.zeros((k, k))
    for x, y in zip(a, b):
        conf[x - lo][y - lo] += 1
    ha = np.bincount(np.array(a) - lo, minlength=k)
    hb = np.bincount(np.array(b) - lo, minlength=k)
    num = den = 0.0
    n = len(a)
    for i in range(k):
        for j in range(k):
            d = (i - j) ** 2 / (k - 1) ** 2
            num += d * conf[i][j] / n
            den += d * ha[i] * hb[j] / n / n
    return 1.0 - num / den


def test_normalized_gini_matches_kaggle_reference_on_continuous_targets():
    rng = np.random.default_rng(1)
    y = rng.exponential(2.0, 300).round(1)  # continuous losses, with ties
    p = rng.integers(0, 20, 300).astype(float)  # many tied predictions
    sol = pd.DataFrame({"id": range(300), "loss": y})
    sub = pd.DataFrame({"id": range(300), "loss": p}).iloc[::-1]
    expected = kaggle_gini(y, p) / kaggle_gini(y, y)
    assert overall(sol, sub, "normalized_gini") == pytest.approx(expected, abs=1e-9)


def test_quadratic_weighted_kappa_matches_kaggle_reference():
    rng = np.random.default_rng(2)
    y = rng.integers(1, 7, 300)
    p = np.clip(y + rng.integers(-2, 3, 300), 0, 9)
    sol = pd.DataFrame({"id": range(300), "rating": y})
    sub = pd.DataFrame({"id": range(300), "rating": p})
    assert overall(sol, sub, "quadratic_weighted_kappa") == pytest.approx(kaggle_qwk(list(y), list(p)), abs=1e-9)


# -- hand-computed vectors --------------------------------------------------------
def _score(name, y, p, **params):
    sol = pd.DataFrame({"id": range(len(y)), "t": y})
    sub = pd.DataFrame({"id": range(len(p)), "t": p})
    return overall(sol, sub, name, **params)


HAND = [
    ("rmse", [1, 2, 3], [1, 2, 5], {}, math.sqrt(4 / 3)),
    ("mse", [1, 2, 3], [1, 2, 5], {}, 4 / 3),
    ("mae", [1, 2, 3], [1, 2, 5], {}, 2 / 3),
    ("rmsle", [0, math.e - 1], [math.e - 1, math.e - 1], {}, math.sqrt(0.5)),
    ("r2", [1, 2, 3], [1, 2, 5], {}, -1.0),
    ("mape", [1, 2, 4], [2, 2, 2], {}, 0.5),
    ("log_loss", [1, 0], [0.5, 0.5], {}, math.log(2)),
    ("log_loss", [1, 0], [0.0, 0.0], {}, -math.log(1e-15) / 2),  # clipped at 1e-15
    ("auc", [0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], {}, 0.75),
    ("auc", [0, 0, 1, 1], [0.1, 0.5, 0.5, 0.9], {}, 0.875),  # a tie counts half
    ("normalized_gini", [1, 0], [0.5, 0.5], {}, 1.0),  # tie: solution row order
    ("normalized_gini", [0, 1], [0.5, 0.5], {}, -1.0),
    ("precision", [1, 1, 0, 0, 1], [1, 0, 1, 0, 1], {}, 2 / 3),
    ("recall", [1, 1, 0, 0, 1], [1, 0, 1, 0, 1], {}, 2 / 3),
    ("f1", [1, 1, 0, 0, 1], [1, 0, 1, 0, 1], {}, 2 / 3),
    ("mcc", [1, 1, 0, 0, 1], [1, 0, 1, 0, 1], {}, 1 / 6),
    ("recall", ["yes", "yes", "no"], ["yes", "no", "no"], {"positive_label": "yes"}, 0.5),
    ("accuracy", ["a", "b", "c", "a"], ["a", "b", "b", "b"], {}, 0.5),
    ("macro_f1", ["a", "b", "c", "a"], ["a", "b", "b", "b"], {}, (2 / 3 + 0.5 + 0) / 3),
    ("macro_precision", ["a", "b", "c", "a"], ["a", "b", "b", "b"], {}, (1 + 1 / 3 + 0) / 3),
    ("macro_recall", ["a", "b", "c", "a"], ["a", "b", "b", "b"], {}, 0.5),
    ("quadratic_weighted_kappa", [1, 2, 3, 4], [2, 2, 3, 4], {}, 0.875),
    ("quadratic_weighted_kappa", [2, 2], [2, 2], {}, 1.0),
    ("map_at_k", ["a b"], ["a c b"], {}, (1 + 2 / 3) / 2),
    ("map_at_k", ["a"], ["b a a"], {}, 0.5),  # a repeated prediction is not a second hit
    ("map_at_k", ["a"], ["b c a"], {"k": 2}, 0.0),  # only the first k count
    ("map_at_k", ["a b c"], ["a"], {"k": 1}, 1.0),  # divided by min(|truth|, k)
    ("map_at_k", ["a", ""], ["a", "a"], {}, 0.5),  # a row with no true labels scores 0
    ("map_at_k", ["a b", "c"], ["", "c"], {}, 0.5),  # a row with no predictions scores 0
    # tp=1, fn=2, fp=1: (1 + b^2) tp / ((1 + b^2) tp + b^2 fn + fp)
    ("fbeta", [1, 1, 1, 0, 0], [1, 0, 0, 1, 0], {"beta": 2}, 5 / 14),
    ("fbeta", [1, 1, 1, 0, 0], [1, 0, 0, 1, 0], {"beta": 0.5}, 1.25 / 2.75),
    ("fbeta", [1, 1, 1, 0, 0], [1, 0, 0, 1, 0], {}, 0.4),  # beta 1 is f1
    ("fbeta", ["n", "n"], ["n", "n"], {"positive_label": "y", "labels": ["y", "n"]}, 0.0),  # nothing positive
    ("top_k_accuracy", ["a", "b", "c"], ["b a", "a c b", ""], {"k": 2}, 1 / 3),  # only the first k count
    ("top_k_accuracy", ["a", "b", "c"], ["b a", "a c b", "c"], {}, 1.0),
    ("top_k_accuracy", ["a", "b"], ["b b b a", "a"], {}, 0.0),  # a repeat still takes a place
    ("smape", [1, 0, 2], [3, 0, 2], {}, 100 / 3),  # A = F = 0 counts 0
    ("smape", [0, -1], [5, 1], {}, 200.0),
    ("pinball", [1, 3, 3], [2, 2, 2], {"alpha": 0.9}, 1.9 / 3),
    ("pinball", [1, 3, 3], [2, 2, 2], {}, 0.5),
]


@pytest.mark.parametrize("name,y,p,params,expected", HAND, ids=[f"{h[0]}-{i}" for i, h in enumerate(HAND)])
def test_hand_computed(name, y, p, params, expected):
    assert _score(name, y, p, **params) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("name", ALL)
def test_every_metric_has_a_hand_computed_vector(name):
    assert name in {h[0] for h in HAND} | {"multiclass_log_loss", "mean_columnwise_auc", "mean_columnwise_log_loss"}


def _mlogloss(y, rows):
    # One-hot truth declares all three classes even when only one row is scored.
    sol = pd.DataFrame({"id": range(len(y)), **{c: [int(v == c) for v in y] for c in "abc"}})
    sub = pd.DataFrame(rows, columns=["a", "b", "c"])
    sub.insert(0, "id", range(len(y)))
    return overall(sol, sub, "multiclass_log_loss")


def test_multiclass_log_loss_hand_computed():
    assert _mlogloss(["a"], [[0.2, 0.6, 0.2]]) == pytest.approx(-math.log(0.2), abs=1e-12)
    # Rows need not sum to 1: they are rescaled.
    assert _mlogloss(["c"], [[0.5, 0.5, 1.0]]) == pytest.approx(math.log(2), abs=1e-12)


def test_multiclass_log_loss_clips_then_renormalizes():
    clipped = np.clip([0.0, 1.0, 0.0], 1e-15, 1 - 1e-15)
    expected = -math.log(clipped[0] / clipped.sum())
    assert _mlogloss(["a"], [[0.0, 1.0, 0.0]]) == pytest.approx(expected, rel=1e-12)
    # An all-zero row: clipping first makes it uniform (renormalizing first would divide by 0).
    assert _mlogloss(["b"], [[0.0, 0.0, 0.0]]) == pytest.approx(math.log(3), abs=1e-12)


def test_multiclass_log_loss_accepts_one_hot_solution():
    sol = pd.DataFrame({"id": [1, 2], "x": [1, 0], "y": [0, 1]})
    sub = pd.DataFrame({"id": [1, 2], "x": [0.8, 0.4], "y": [0.2, 0.6]})
    expected = -(math.log(0.8) + math.log(0.6)) / 2
    assert overall(sol, sub, "multiclass_log_loss") == pytest.approx(expected, abs=1e-12)


def test_apk_helper_matches_kaggle_examples():
    assert average_precision_at_k([1, 2, 3, 4, 5], [6, 4, 7, 1, 2], 2) == pytest.approx(0.25)
    assert average_precision_at_k(list(range(1, 6)), [1, 1, 1, 1, 1], 5) == pytest.approx(0.2)
    assert average_precision_at_k([], [1], 5) == 0.0
    assert average_precision_at_k([1, 2], [], 5) == 0.0  # no predictions, as in Kaggle's apk


def test_label_metrics_compare_exact_text():
    # '1.0' is not the label '1': labels are compared as text.
    problems = scoring.validate_submission(
        pd.DataFrame({"id": [1, 2], "t": ["1", "0"]}), pd.DataFrame({"id": [1, 2], "t": ["1.0", "0"]}), "accuracy"
    )
    assert [p.code for p in problems] == ["unknown_label"]


@pytest.mark.parametrize("bad,match", [({"k": 0}, "positive integer"), ({"k": "x"}, "positive integer"), ({"q": 1}, "no parameter")])
def test_bad_parameters_raise_value_error(bad, match, make_case):
    sol, sub, _ = make_case("map_at_k")
    with pytest.raises(ValueError, match=match) as info:
        scoring.score_submission(sol, sub, "map_at_k", **bad)
    assert not isinstance(info.value, scoring.SubmissionError)
