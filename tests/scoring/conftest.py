"""Fixtures for the scoring tests.

Helpers are offered as fixtures (not importable modules) so the tests work under
any pytest import mode.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import scoring


@pytest.fixture
def binary_case():
    """A small log_loss case with a Usage column (public, private and ignored rows)."""
    sol = pd.DataFrame({
        "id": [f"id{i}" for i in range(10)],
        "target": [0, 1, 0, 1, 1, 0, 1, 0, 1, 0],
        "Usage": ["Public", "Private", "public", "PRIVATE", "Public", "Private", "Ignored", "Public", "Private", "Public"],
    })
    sub = pd.DataFrame({"id": sol["id"][::-1].to_list(), "target": np.linspace(0.1, 0.9, 10)})
    return sol, sub


@pytest.fixture
def make_case():
    """build_case(metric, n=60, seed=0) -> (solution, noisy submission, perfect submission)."""
    return build_case


CLASSES = ["cat", "dog", "fish"]
RANK_LABELS = list("abcdefgh")
TAGS = ["toxic", "spam", "funny", "sad"]


def build_case(name: str, n: int = 60, seed: int = 0):
    """(solution, noisy submission, perfect submission) DataFrames for metric ``name``.

    The solution has no Usage column, so ``overall`` is the score on every row.
    """
    rng = np.random.default_rng(seed)
    metric = scoring.get_metric(name)
    ids = [f"r{i:03d}" for i in range(n)]
    truth, pred = metric.truth, metric.prediction
    if truth == "number" and pred == "number":
        y = rng.uniform(1.0, 10.0, n)
        noisy = y + rng.normal(0, 1.0, n)
        return _frames(ids, y, noisy, y)
    if truth in ("binary", "number") and pred in ("probability", "score"):
        y = (np.arange(n) % 2).astype(float)
        rng.shuffle(y)
        noisy = np.clip(0.3 * y + rng.uniform(0.01, 0.69, n), 0.01, 0.99)
        return _frames(ids, y.astype(int), noisy, y)
    if truth == "label" and pred == "ranked_labels":
        y = np.array([RANK_LABELS[i % len(RANK_LABELS)] for i in range(n)], dtype=object)
        rng.shuffle(y)
        k = metric.params["k"]
        noisy = [" ".join(rng.choice(RANK_LABELS, k, replace=False)) for _ in range(n)]
        return _frames(ids, y, noisy, y)
    if truth == "label":
        labels = ["0", "1"] if "positive_label" in metric.params else CLASSES
        y = np.array([labels[i % len(labels)] for i in range(n)], dtype=object)
        rng.shuffle(y)
        noisy = y.copy()
        flip = rng.random(n) < 0.3
        noisy[flip] = rng.choice(labels, flip.sum())
        return _frames(ids, y, noisy, y)
    if truth == "rating":
        y = rng.integers(0, 5, n)
        noisy = np.clip(y + rng.integers(-1, 2, n), 0, 4)
        return _frames(ids, y, noisy, y)
    if truth == "class":
        y = np.array([CLASSES[i % 3] for i in range(n)], dtype=object)
        rng.shuffle(y)
        probs = rng.dirichlet([1, 1, 1], n) * 0.9 + 0.1 * (y[:, None] == np.array(CLASSES))
        perfect = (y[:, None] == np.array(CLASSES)).astype(float)
        sol = pd.DataFrame({"id": ids, "label": y})
        return (sol, _multi(ids, probs), _multi(ids, perfect))
    if truth == "binary_columns":
        y = (rng.random((n, len(TAGS))) < 0.4).astype(int)
        y[:2] = [[0] * len(TAGS), [1] * len(TAGS)]  # both classes in every column
        rng.shuffle(y)
        probs = np.clip(0.3 * y + rng.uniform(0.01, 0.69, y.shape), 0.01, 0.99)
        return _tags(ids, y), _tags(ids, probs), _tags(ids, y.astype(float))
    if truth == "label_list":
        y = [" ".join(rng.choice(RANK_LABELS, rng.integers(1, 4), replace=False)) for _ in range(n)]
        noisy = [" ".join(rng.choice(RANK_LABELS, 5, replace=False)) for _ in range(n)]
        return _frames(ids, y, noisy, y)
    raise AssertionError(name)


def _frames(ids, y, noisy, perfect):
    sol = pd.DataFrame({"id": ids, "target": y})
    return sol, pd.DataFrame({"id": ids, "target": noisy}), pd.DataFrame({"id": ids, "target": perfect})


def _tags(ids, matrix):
    frame = pd.DataFrame(matrix, columns=TAGS)
    frame.insert(0, "id", ids)
    return frame


def _multi(ids, probs):
    frame = pd.DataFrame(probs, columns=CLASSES)
    frame.insert(0, "id", ids)
    return frame


