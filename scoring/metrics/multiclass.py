"""Multiclass metrics: labels, ordinal ratings, or one probability column per class."""
from __future__ import annotations

import numpy as np

from .base import Metric, confusion, safe_divide, unit

EPS = 1e-15
_BLOCK_ROWS = 65_536


def _correct(y, p, ctx):
    return (y == p).astype(np.float64)


def _in_top_k(y, p, ctx):
    # p holds the first k predicted label codes of each row, padded with -1 (never a label code).
    return (p == y[:, None]).any(axis=1).astype(np.float64)


def _check_top_k_labels(params):
    spaced = [label for label in params.get("labels") or () if len(label.split()) != 1]
    if spaced:
        return (f"predictions are space-separated labels, so no label may contain a space: {spaced[0]!r}")
    return None


def _per_class(y, p, w, ctx):
    m = confusion(y, p, ctx["n_labels"], w)
    tp = np.diagonal(m, axis1=1, axis2=2)
    return tp, m.sum(axis=2), m.sum(axis=1)  # true positives, true counts, predicted counts


def _macro(values, true, predicted):
    # Average over labels present in the truth or the predictions, as scikit-learn does.
    present = (true + predicted) > 0
    return safe_divide((values * present).sum(axis=1), present.sum(axis=1))


def _macro_precision(y, p, w, ctx):
    tp, true, predicted = _per_class(y, p, w, ctx)
    return _macro(safe_divide(tp, predicted), true, predicted)


def _macro_recall(y, p, w, ctx):
    tp, true, predicted = _per_class(y, p, w, ctx)
    return _macro(safe_divide(tp, true), true, predicted)


def _macro_f1(y, p, w, ctx):
    tp, true, predicted = _per_class(y, p, w, ctx)
    return _macro(safe_divide(2 * tp, true + predicted), true, predicted)


def _qwk(y, p, w, ctx):
    """Quadratic weighted kappa in closed form.

    Kaggle's classic code builds the confusion matrix over ratings min..max of
    truth and submission together, with weights (i-j)^2/(K-1)^2.  With quadratic
    weights the observed and expected disagreements reduce to sums of squares, so
    the ratio is the same for any range that covers the data and no K x K matrix
    is needed:  1 - sum (y-p)^2 / (sum y^2 + sum p^2 - 2 sum y sum p / N).
    """
    w = unit(w, len(y))
    shift = y.mean()  # kappa is shift-invariant; centring keeps the sums accurate
    yc, pc = y - shift, p - shift
    n = w.sum(axis=1)
    sy, sp = w @ yc, w @ pc
    observed = w @ (yc - pc) ** 2
    expected = w @ yc**2 + w @ pc**2 - 2 * sy * sp / n
    # Every rating identical on both sides: perfect agreement (Kaggle's code divides by zero).
    return np.where(expected > 0, 1 - safe_divide(observed, expected), 1.0)


def _multiclass_log_loss(y, p, ctx):
    """Clip each probability to [1e-15, 1-1e-15], then rescale each row to sum to 1."""
    out = np.empty(len(y))
    for start in range(0, len(y), _BLOCK_ROWS):  # blocks: the clipped copy stays small
        q = np.clip(p[start:start + _BLOCK_ROWS], EPS, 1 - EPS)
        picked = q[np.arange(len(q)), y[start:start + _BLOCK_ROWS]] / q.sum(axis=1)
        out[start:start + _BLOCK_ROWS] = -np.log(picked)
    return out


_LABELS = "the id column and one label column named like the solution's target column"


def _label(name, description, compute=None, kind="multiclass", **extra):
    return Metric(
        name=name, description=description, kind=kind, greater_is_better=True, truth="label",
        prediction="label", compute=compute, best=1.0, columns=_LABELS, **extra,
    )


METRICS = [
    _label("accuracy", "Fraction of rows whose label is exactly right (binary or multiclass).", row_values=_correct,
           weighted=True),
    _label("macro_f1", "F1 averaged over labels, each label weighted equally.", _macro_f1),
    _label("macro_precision", "Precision averaged over labels, each label weighted equally.", _macro_precision),
    _label("macro_recall", "Recall averaged over labels, each label weighted equally.", _macro_recall),
    Metric(
        name="quadratic_weighted_kappa",
        description="Cohen's kappa with quadratic weights on integer ratings (range min..max of truth and submission).",
        kind="multiclass", greater_is_better=True, truth="rating", prediction="rating",
        compute=_qwk, best=1.0, columns="the id column and one integer rating column named like the solution's target column",
    ),
    Metric(
        name="multiclass_log_loss",
        description="Cross-entropy over classes: clip to [1e-15, 1-1e-15], then renormalize each row, natural log.",
        kind="multiclass", greater_is_better=False, truth="class", prediction="probabilities",
        row_values=_multiclass_log_loss, best=0.0, weighted=True,
        columns="the id column and one probability column per class, named by the class labels",
    ),
    Metric(
        name="top_k_accuracy",
        description="Fraction of rows whose true label is among the first k space-separated predicted labels.",
        kind="multiclass", greater_is_better=True, truth="label", prediction="ranked_labels",
        row_values=_in_top_k, best=1.0, params={"k": 3}, check_params=_check_top_k_labels,
        columns="the id column and one column of up to k space-separated labels, best first, "
        "named like the solution's target column",
    ),
]
