"""Score uncertainty: bootstrap intervals and paired comparisons.

Method.  Rows of a part (public or private) are resampled with replacement
RESAMPLES times, and the metric is recomputed on each resample as a weighted
score (a row drawn c times gets weight c), which is exactly a recomputation on
the resampled rows.  The 95% interval is the 2.5th..97.5th percentile.

Decomposable metrics (means of per-row losses) are passed their losses, so a
block of resamples costs one matrix-vector product.

Sample weights.  With a solution's Weight column, a row drawn c times weighs c
times its sample weight: rows are resampled together with their weights.

Large parts.  Above MAX_ROWS rows the resampling runs on a fixed random
subsample of MAX_ROWS rows (without replacement, kept in solution order) and
each replicate's deviation from the subsample's score is scaled by
sqrt(MAX_ROWS / n) and added to the full score: an m-out-of-n bootstrap,
valid for the smooth (asymptotically normal) statistics used here.  This keeps
the cost fixed, whatever the number of rows.

Determinism.  The generator is seeded by SEED and the part, and the resampled
rows depend only on the part's row count, so the same solution always gives
the same intervals, and two submissions scored against it are resampled on
identical rows: compare() differences their replicates for a paired bootstrap.
"""
from __future__ import annotations

import numpy as np

from .result import Comparison, ScoreResult

RESAMPLES = 400
MAX_ROWS = 5_000
SEED = 20_240_601
_BLOCK = 50  # resamples per weight matrix, to bound memory
_PART_KEYS = {"public": 1, "private": 2, "overall": 3}


def replicates(metric, y, p, ctx, score: float, part: str, take, sample_weights=None) -> np.ndarray:
    """RESAMPLES bootstrap values of the metric for one part, on the full-data scale.

    ``sample_weights`` (n,) multiply each resample's row counts (None: unit weights).
    """
    n = len(y)
    rng = np.random.default_rng([SEED, _PART_KEYS[part], n])
    if n > MAX_ROWS:
        rows = np.sort(rng.choice(n, size=MAX_ROWS, replace=False))
        y, p = take(y, rows), take(p, rows)
        if sample_weights is None:
            base = metric.score(y, p, ctx)
        else:
            sample_weights = sample_weights[rows]
            with np.errstate(divide="ignore", invalid="ignore"):
                base = float(metric.compute(y, p, sample_weights[None, :], ctx)[0])
        scale = np.sqrt(MAX_ROWS / n)
    else:
        base, scale = score, 1.0
    m = len(y)
    out = np.empty(RESAMPLES)
    with np.errstate(divide="ignore", invalid="ignore"):
        for start in range(0, RESAMPLES, _BLOCK):
            count = min(_BLOCK, RESAMPLES - start)
            draws = rng.integers(0, m, size=(count, m)) + (np.arange(count) * m)[:, None]
            weights = np.bincount(draws.ravel(), minlength=count * m).reshape(count, m).astype(np.float64)
            if sample_weights is not None:
                weights *= sample_weights
            out[start:start + count] = metric.compute(y, p, weights, ctx)
    return score + (out - base) * scale


def interval(values: np.ndarray) -> tuple[float, float] | None:
    """The 95% percentile interval, ignoring resamples where the metric is undefined."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return None
    low, high = np.percentile(finite, [2.5, 97.5])
    return float(low), float(high)


def compare(result_a: ScoreResult, result_b: ScoreResult, part: str = "public") -> Comparison:
    """Paired bootstrap comparison of two results scored against the same solution.

    Both results must come from ``score_submission`` in this process (the
    replicates are not serialised) with the same solution, metric and parameters.
    Raises ValueError otherwise.
    """
    if part not in ("public", "private"):
        raise ValueError("part must be 'public' or 'private'")
    for r in (result_a, result_b):
        if not isinstance(r, ScoreResult) or not r._replicates:
            raise ValueError("compare() needs ScoreResults returned by score_submission in this process")
    if result_a._fingerprint != result_b._fingerprint:
        raise ValueError("the two results were not scored against the same solution, metric and parameters")
    a, b = result_a._replicates.get(part), result_b._replicates.get(part)
    score_a, score_b = getattr(result_a, part), getattr(result_b, part)
    if a is None or b is None or score_a is None or score_b is None:
        raise ValueError(f"there is no {part} score to compare")
    diffs = a - b
    diffs = diffs[np.isfinite(diffs)]
    difference = float(score_a - score_b)
    if diffs.size == 0:
        raise ValueError("the metric is undefined on every resample; cannot compare")
    low, high = (float(v) for v in np.percentile(diffs, [2.5, 97.5]))
    p_value = float(min(1.0, 2 * min(np.mean(diffs <= 0), np.mean(diffs >= 0))))
    distinguishable = bool(low > 0 or high < 0)
    better = None
    if distinguishable:
        a_higher = difference > 0
        better = "a" if a_higher == result_a.greater_is_better else "b"
    return Comparison(
        metric=result_a.metric, part=part, difference=difference, ci=(low, high), p_value=p_value,
        distinguishable=distinguishable, better=better, n_rows=getattr(result_a, f"n_{part}"),
    )


def share_better(result_a: ScoreResult, result_b: ScoreResult, part: str = "public") -> float:
    """The share of paired resamples on which A scores strictly better than B (in the metric's
    direction), among those where both are defined: 0.93 reads "A is better on 93% of resamples".

    The same pairing and the same checks as compare() (which raises ValueError for results it
    cannot compare); a tie on a resample counts as not better.
    """
    compare(result_a, result_b, part)
    diffs = result_a._replicates[part] - result_b._replicates[part]
    diffs = diffs[np.isfinite(diffs)]
    wins = diffs > 0 if result_a.greater_is_better else diffs < 0
    return float(np.mean(wins))
