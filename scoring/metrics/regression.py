"""Regression metrics: one numeric target column, one numeric prediction column."""
from __future__ import annotations

import numpy as np

from .base import Metric, safe_divide, unit


def _squared_error(y, p, ctx):
    return (y - p) ** 2


def _absolute_error(y, p, ctx):
    return np.abs(y - p)


def _squared_log_error(y, p, ctx):
    return (np.log1p(p) - np.log1p(y)) ** 2


def _absolute_percentage_error(y, p, ctx):
    # A fraction, not a percentage, as in scikit-learn.
    return np.abs(y - p) / np.abs(y)


def _symmetric_percentage_error(y, p, ctx):
    # Kaggle's SMAPE, in percent: 2|F - A| / (|A| + |F|) per row, 0 when both are 0.
    return safe_divide(200.0 * np.abs(p - y), np.abs(y) + np.abs(p))


def _pinball(y, p, ctx):
    # As scikit-learn's mean_pinball_loss: alpha * under-prediction + (1 - alpha) * over-prediction.
    alpha = ctx["alpha"]
    diff = y - p
    return np.where(diff >= 0, alpha * diff, (alpha - 1.0) * diff)


def _check_alpha(params):
    alpha = params["alpha"]
    return None if 0.0 <= alpha <= 1.0 else f"the quantile alpha must be between 0 and 1, got {alpha:g}"


def _r2(y, p, w, ctx):
    w = unit(w, len(y))
    total_w = w.sum(axis=1)
    mean = (w @ y) / total_w
    # Deviations from each resample's own mean, so a constant target gives exactly 0.
    ss_tot = np.einsum("rn,rn->r", w, (y[None, :] - mean[:, None]) ** 2)
    ss_res = w @ (y - p) ** 2
    # scikit-learn's convention for a constant target: 1 if perfect, else 0.
    out = np.where(ss_res == 0, 1.0, 0.0)
    nonzero = ss_tot > 0
    out[nonzero] = 1.0 - ss_res[nonzero] / ss_tot[nonzero]
    return out


def _check_rmsle(y):
    return "rmsle needs every target to be greater than -1" if (y <= -1).any() else None


def _check_mape(y):
    return "mape is undefined when a target is 0" if (y == 0).any() else None


def _regression(name, description, greater=False, best=0.0, check=None, **extra):
    return Metric(
        name=name, description=description, kind="regression", greater_is_better=greater,
        truth="number", prediction="number", best=best, check_truth=check, **extra,
    )


METRICS = [
    _regression("rmse", "Root mean squared error.", row_values=_squared_error, finish=np.sqrt, weighted=True),
    _regression("mse", "Mean squared error.", row_values=_squared_error, weighted=True),
    _regression("mae", "Mean absolute error.", row_values=_absolute_error, weighted=True),
    _regression(
        "rmsle", "Root mean squared logarithmic error, using log1p; predictions must be > -1.",
        row_values=_squared_log_error, finish=np.sqrt, check=_check_rmsle,
        invalid=lambda v: v <= -1, rule="rmsle needs every prediction to be greater than -1.",
    ),
    _regression("r2", "Coefficient of determination (R squared).", greater=True, best=1.0, compute=_r2),
    _regression(
        "mape", "Mean absolute percentage error, as a fraction; targets must be non-zero.",
        row_values=_absolute_percentage_error, check=_check_mape,
    ),
    _regression(
        "smape", "Symmetric mean absolute percentage error in percent (Kaggle): 100/n * sum 2|F-A|/(|A|+|F|), "
        "a row with A = F = 0 counting 0.",
        row_values=_symmetric_percentage_error, weighted=True,
    ),
    _regression(
        "pinball", "Mean pinball (quantile) loss for the quantile alpha, as scikit-learn's mean_pinball_loss.",
        row_values=_pinball, params={"alpha": 0.5}, check_params=_check_alpha, weighted=True,
    ),
]
