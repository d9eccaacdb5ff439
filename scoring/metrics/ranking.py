"""Ranking metrics: each row holds space-separated labels, best first."""
from __future__ import annotations

import numpy as np

from .base import Metric


def average_precision_at_k(actual, predicted, k: int) -> float:
    """Kaggle's apk: first k predictions; a repeat is not a hit twice; divide by min(|actual|, k)."""
    if not actual:
        return 0.0
    truth = set(actual)
    hits = 0
    total = 0.0
    seen = set()
    for i, label in enumerate(predicted[:k]):
        if label in truth and label not in seen:
            hits += 1
            total += hits / (i + 1.0)
        seen.add(label)
    return total / min(len(truth), k)


def _average_precisions(y, p, ctx):
    k = ctx["k"]
    return np.fromiter((average_precision_at_k(a, b, k) for a, b in zip(y, p)), dtype=np.float64, count=len(y))


METRICS = [
    Metric(
        name="map_at_k",
        description="Mean average precision at k (Kaggle's MAP@K) over space-separated labels.",
        kind="multilabel-ranking", greater_is_better=True, truth="label_list", prediction="label_list",
        row_values=_average_precisions, best=1.0, params={"k": 5},
        columns="the id column and one column of space-separated predicted labels, named like the solution's target column",
    ),
]
