"""Two regression metrics for Holdout, registered under the entry-point group ``holdout.metrics``.

Each is a ``scoring.Metric``, built exactly as Holdout's own metrics are (see
scoring/metrics/regression.py); Holdout reads the solution, checks every
submission and computes bootstrap intervals with them as with a built-in metric.
"""
from __future__ import annotations

import numpy as np

from scoring import Metric


# -- huber: a mean of per-row losses ----------------------------------------------------------
# A metric that is a (transformed) mean of per-row values gives ``row_values(y, p, ctx)``:
# scoring computes them once per submission and weighs them for the score, for the sample
# weights of a Weight column (weighted=True) and for every bootstrap resample.
def _huber_rows(y, p, ctx):
    delta = ctx["delta"]  # parameters reach the metric through ctx, already resolved
    error = np.abs(y - p)
    return np.where(error <= delta, 0.5 * error**2, delta * (error - 0.5 * delta))


def _check_delta(params):
    """A message when the resolved parameters cannot be used, else None."""
    return None if params["delta"] > 0 else f"delta must be positive, got {params['delta']:g}"


HUBER = Metric(
    name="huber",
    description="Mean Huber loss: squared error below delta, linear above it (parameter delta, default 1).",
    kind="regression",
    greater_is_better=False,
    truth="number",          # the solution's target column, read as numbers
    prediction="number",     # the submission's column, checked to be finite numbers
    row_values=_huber_rows,
    best=0.0,
    params={"delta": 1.0},   # a float default: the parameter is a finite number (`--param delta=2`)
    check_params=_check_delta,
    weighted=True,           # a Weight column in the solution weighs the rows
)


# -- max_error: a score that is not a mean ------------------------------------------------------
# Other metrics give ``compute(y, p, w, ctx)``, which returns one score per row of ``w``:
# ``w`` is None for the plain score, or an (R, n) array of row weights (a bootstrap
# resample's row counts).  A row of weight 0 is a row that is not there.
def _max_error(y, p, w, ctx):
    error = np.abs(y - p)
    if w is None:
        return np.array([error.max()])
    return np.where(w > 0, error[None, :], -np.inf).max(axis=1)


MAX_ERROR = Metric(
    name="max_error",
    description="The largest absolute error over the rows (as scikit-learn's max_error).",
    kind="regression",
    greater_is_better=False,
    truth="number",
    prediction="number",
    compute=_max_error,
    best=0.0,
)
