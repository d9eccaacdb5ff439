"""Sample submissions: a valid file a learner can start from."""
from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from . import ids as idmod
from .solution import Solution, resolve


def sample_submission(solution, metric=None, **params) -> pd.DataFrame:
    """A valid submission for ``solution``: its ids in solution order plus the
    expected prediction columns filled with one constant per column.

    The constants are 0.5 for binary and multi-label probabilities, 1/K per class
    for multiclass probabilities, the target mean for regression and scores, the
    most frequent label or rating for labels, and the k most frequent labels for
    ranking and top-k labels.
    ``solution`` is a source or a parsed Solution (then ``metric`` may be omitted).
    """
    parsed = resolve(solution, metric, params)
    frame = pd.DataFrame({parsed.id_column: idmod.decode(parsed.ids)})
    for column, value in zip(parsed.prediction_columns, _constants(parsed)):
        frame[column] = value
    return frame


def _constants(solution: Solution) -> list:
    kind = solution.metric.prediction
    truth = solution.truth
    if kind == "probabilities":
        share = 0.5 if solution.metric.truth == "binary_columns" else 1.0 / len(solution.prediction_columns)
        return [share] * len(solution.prediction_columns)
    if kind == "probability":
        return [0.5]
    if kind in ("number", "score"):
        return [float(np.mean(truth))]
    if kind == "label":
        return [solution.labels[int(np.bincount(truth).argmax())]]
    if kind == "rating":
        values, counts = np.unique(truth, return_counts=True)
        return [int(values[counts.argmax()])]
    if kind == "ranked_labels":
        counts = np.bincount(truth, minlength=len(solution.labels))
        common = np.argsort(-counts, kind="stable")[: solution.params["k"]]
        return [" ".join(str(solution.labels[i]) for i in common)]
    if kind == "label_list":
        common = Counter(label for row in truth for label in row).most_common(solution.params["k"])
        return [" ".join(label for label, _ in common) or "-"]
    raise AssertionError(kind)
