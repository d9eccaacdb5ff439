"""Multi-label metrics: one 0/1 truth column and one probability column per label.

The score is the mean over label columns of a binary metric.  A column holding a
single class in the rows scored (all 0 or all 1, counting only rows with weight)
is left out of that mean, for the score and for each bootstrap resample alike;
``notes`` names the columns left out of a part's score, so the result can say so.
"""
from __future__ import annotations

import numpy as np

from .base import Metric, safe_divide, unit
from .binary import _auc, _log_loss


def _class_weights(y, w):
    """(R, L) total weight of the positive and of the negative rows of each label column."""
    w = unit(w, len(y))
    positive = w @ y.astype(np.float64)
    return positive, w.sum(axis=1)[:, None] - positive


def _mean_of_defined(per_column, y, w):
    """Mean over the columns with both classes under each row of weights; NaN when none has."""
    positive, negative = _class_weights(y, w)
    defined = (positive > 0) & (negative > 0) & np.isfinite(per_column)
    total = np.where(defined, per_column, 0.0).sum(axis=1)
    return safe_divide(total, defined.sum(axis=1), np.nan)


def _columnwise_auc(y, p, w, ctx):
    per_column = np.column_stack([_auc(y[:, j], p[:, j], w, ctx) for j in range(y.shape[1])])
    return _mean_of_defined(per_column, y, w)


def _columnwise_log_loss(y, p, w, ctx):
    losses = _log_loss(y, p, ctx)  # (n, L) per-row, per-column binary cross-entropy
    weights = unit(w, len(y))
    per_column = (weights @ losses) / weights.sum(axis=1)[:, None]
    return _mean_of_defined(per_column, y, w)


def _single_class_columns(y, weights, ctx):
    """Notes naming the label columns left out of this part's mean."""
    if weights is not None:
        y = y[weights > 0]
    labels = ctx.get("labels") or [str(j) for j in range(y.shape[1])]
    notes = []
    for j, label in enumerate(labels):
        column = y[:, j]
        if column.size and (column == column[0]).all():
            notes.append(f"label column {label!r} holds only {int(column[0])} in these rows, "
                         "so it is left out of the mean")
    return notes


def _some_column_has_both_classes(name):
    def check(y):
        if not ((y == 1).any(axis=0) & (y == 0).any(axis=0)).any():
            return f"{name} needs at least one label column with both classes (0 and 1) in every scored part"
        return None

    return check


def _columnwise(name, description, compute, greater, best):
    return Metric(
        name=name, description=description, kind="multilabel", greater_is_better=greater,
        truth="binary_columns", prediction="probabilities", compute=compute, best=best,
        check_truth=_some_column_has_both_classes(name), notes=_single_class_columns,
        columns="the id column and one probability column per label, named like the solution's label columns",
    )


METRICS = [
    _columnwise(
        "mean_columnwise_auc",
        "Multi-label: ROC AUC of each label column (tied scores count half), averaged over the columns; "
        "a column with a single class in a part is left out of that part's mean.",
        _columnwise_auc, True, 1.0,
    ),
    _columnwise(
        "mean_columnwise_log_loss",
        "Multi-label: binary cross-entropy of each label column (clipped to [1e-15, 1-1e-15]), averaged over "
        "the columns; a column with a single class in a part is left out of that part's mean.",
        _columnwise_log_loss, False, 0.0,
    ),
]
