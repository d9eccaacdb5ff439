"""Binary metrics: probabilities or scores for the positive class, or labels."""
from __future__ import annotations

import numpy as np

from .base import Metric, confusion, safe_divide

EPS = 1e-15  # log_loss clipping, pinned so scores never drift with library versions


def _log_loss(y, p, ctx):
    q = np.clip(p, EPS, 1 - EPS)
    return -(y * np.log(q) + (1 - y) * np.log1p(-q))


def _auc(y, s, w, ctx):
    """Mann-Whitney AUC: each (positive, negative) pair scores 1 if ordered, 1/2 if tied."""
    if w is None:
        return _auc_unweighted(y, s)
    order = np.argsort(s, kind="stable")
    s_sorted, y_sorted = s[order], y[order]
    w_sorted = w[:, order]
    pos = w_sorted * y_sorted  # weight of positives per row, then per tie group
    neg = w_sorted - pos
    ties = s_sorted[1:] == s_sorted[:-1]
    if ties.any():
        starts = np.flatnonzero(np.r_[True, ~ties])
        pos = np.add.reduceat(pos, starts, axis=1)
        neg = np.add.reduceat(neg, starts, axis=1)
    below = np.cumsum(neg, axis=1) - neg  # negatives scored strictly lower
    pairs = (pos * (below + 0.5 * neg)).sum(axis=1)
    return safe_divide(pairs, pos.sum(axis=1) * neg.sum(axis=1), np.nan)


def _auc_unweighted(y, s):
    """The same AUC from average ranks, with few temporaries (it runs on every row)."""
    order = np.argsort(s)
    positive = (y == 1)[order]
    del order  # sorting again beats holding the order and the sorted scores at once
    s_sorted = np.sort(s)
    new_group = np.empty(s_sorted.size, dtype=bool)
    new_group[:1] = True
    np.not_equal(s_sorted[1:], s_sorted[:-1], out=new_group[1:])
    del s_sorted
    n_pos = float(np.count_nonzero(positive))
    n_neg = positive.size - n_pos
    if n_pos == 0 or n_neg == 0:
        return np.array([np.nan])
    if new_group.all():
        rank_sum = float(np.flatnonzero(positive).sum()) + n_pos  # 1-based ranks
    else:
        starts = np.flatnonzero(new_group)
        ends = np.r_[starts[1:], positive.size]
        group = np.cumsum(new_group)[positive] - 1
        per_group = np.bincount(group, minlength=starts.size)
        rank_sum = float((per_group * (starts + ends + 1) / 2).sum())  # ties share the average rank
    return np.array([(rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)])


def _gini(actual, order, w):
    """Kaggle's Gini for rows visited in ``order``, with rows repeated by weight.

    Kaggle sums the running share of actual losses over the sorted rows.  A row with
    weight c stands for c adjacent copies, whose running sums add up to
    c*C - a*c*(c-1)/2 where C is the running sum including all c copies.
    """
    a = actual[order]
    if w is None:
        running = np.cumsum(a)
        return np.array([(running.sum() / running[-1] - (a.size + 1) / 2) / a.size])
    ws = w[:, order]
    running = np.cumsum(ws * a, axis=1)
    total = running[:, -1]
    n = ws.sum(axis=1)
    area = (ws * running).sum(axis=1) - (a * ws * (ws - 1) / 2).sum(axis=1)
    return (area / total - (n + 1) / 2) / n


def _normalized_gini(y, p, w, ctx):
    # Sort by prediction descending; ties keep solution row order (stable sort).
    by_prediction = np.argsort(-p, kind="stable")
    by_truth = np.argsort(-y, kind="stable")
    with np.errstate(divide="ignore", invalid="ignore"):
        return _gini(y, by_prediction, w) / _gini(y, by_truth, w)


def _counts(y, p, w, ctx):
    """(tp, fp, fn, tn) under each row of weights, for the positive label's code."""
    c = ctx["positive"]
    m = confusion(y, p, ctx["n_labels"], w)
    tp = m[:, c, c]
    fp = m[:, :, c].sum(axis=1) - tp
    fn = m[:, c, :].sum(axis=1) - tp
    tn = m.sum(axis=(1, 2)) - tp - fp - fn
    return tp, fp, fn, tn


def _precision(y, p, w, ctx):
    tp, fp, _, _ = _counts(y, p, w, ctx)
    return safe_divide(tp, tp + fp)  # 0 when nothing is predicted positive, as scikit-learn


def _recall(y, p, w, ctx):
    tp, _, fn, _ = _counts(y, p, w, ctx)
    return safe_divide(tp, tp + fn)


def _f1(y, p, w, ctx):
    tp, fp, fn, _ = _counts(y, p, w, ctx)
    return safe_divide(2 * tp, 2 * tp + fp + fn)


def _fbeta(y, p, w, ctx):
    tp, fp, fn, _ = _counts(y, p, w, ctx)
    b2 = ctx["beta"] ** 2
    # (1 + b^2) tp / ((1 + b^2) tp + b^2 fn + fp); 0 when nothing is positive on either side, as scikit-learn.
    return safe_divide((1 + b2) * tp, (1 + b2) * tp + b2 * fn + fp)


def _check_beta(params):
    beta = params["beta"]
    return None if beta >= 0 else f"beta must be 0 or more, got {beta:g}"


def _mcc(y, p, w, ctx):
    tp, fp, fn, tn = _counts(y, p, w, ctx)
    den = np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    return safe_divide(tp * tn - fp * fn, den)  # 0 when a margin is empty, as scikit-learn


def _both_classes(y):
    if not ((y == 1).any() and (y == 0).any()):
        return "auc needs both classes (0 and 1) in every scored part of the solution"
    return None


def _gini_defined(y):
    if np.all(y == y[0]) or y.sum() == 0:
        return "normalized_gini is undefined when all targets are equal or they sum to 0"
    return None


_PROB_COLUMNS = "the id column and one probability column (for the positive class) named like the solution's target column"
_LABEL_COLUMNS = "the id column and one label column named like the solution's target column"


def _label_metric(name, description, compute, params=None, **extra):
    return Metric(
        name=name, description=description, kind="binary", greater_is_better=True, truth="label",
        prediction="label", compute=compute, best=1.0, params={**(params or {}), "positive_label": 1},
        columns=_LABEL_COLUMNS, **extra,
    )


METRICS = [
    Metric(
        name="log_loss", description="Binary cross-entropy, natural log, probabilities clipped to [1e-15, 1-1e-15].",
        kind="binary", greater_is_better=False, truth="binary", prediction="probability",
        row_values=_log_loss, best=0.0, columns=_PROB_COLUMNS, weighted=True,
    ),
    Metric(
        name="auc", description="Area under the ROC curve; tied scores count half.",
        kind="binary", greater_is_better=True, truth="binary", prediction="score",
        compute=_auc, best=1.0, columns=_PROB_COLUMNS.replace("probability", "score"), check_truth=_both_classes,
    ),
    Metric(
        name="normalized_gini",
        description="Kaggle's normalized Gini: sort by prediction descending (ties in solution row order), divide by the perfect Gini.",
        kind="binary", greater_is_better=True, truth="number", prediction="score",
        compute=_normalized_gini, best=1.0, columns=_PROB_COLUMNS.replace("probability", "score"),
        check_truth=_gini_defined,
    ),
    _label_metric("precision", "Precision of the positive label.", _precision),
    _label_metric("recall", "Recall of the positive label.", _recall),
    _label_metric("f1", "F1 score of the positive label.", _f1),
    _label_metric("mcc", "Matthews correlation coefficient on binary labels.", _mcc),
    _label_metric(
        "fbeta", "F-beta score of the positive label (recall weighs beta times as much as precision), "
        "as scikit-learn's fbeta_score.", _fbeta, params={"beta": 1.0}, check_params=_check_beta, weighted=True,
    ),
]
