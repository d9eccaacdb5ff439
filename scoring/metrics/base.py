"""The Metric record and the weighted helpers metrics are built from.

Every metric is one function ``compute(y, p, w, ctx) -> scores``: ``y`` holds the
truths and ``p`` the predictions for n rows (in solution order), ``w`` is an
(R, n) array of row weights (None for unit weights), and the result holds R
scores.  The score itself is ``compute`` with unit weights; a bootstrap resample
is the same call with the resample's row counts as weights.  One code path
therefore gives both the score and its interval, and they can never disagree.

Decomposable metrics (a mean of per-row losses, possibly transformed, such as
rmse) give ``row_values`` and ``finish`` instead; their ``compute`` is derived,
and scoring computes the per-row losses once and resamples only those.

Sample weights (a solution's ``Weight`` column, for metrics with ``weighted``)
need nothing from a metric: scoring multiplies them into ``w``, so the score is
``compute`` with the sample weights as its one row of weights, and a bootstrap
resample weighs a row drawn c times by c times its sample weight.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

LABEL_PARAMS = {"positive_label"}  # compared with label text, whatever type the default has
# Metrics whose truth is a label or a class take ``labels``: the competition's declared label set.
LABELLED_TRUTHS = ("label", "class", "binary_columns")
KINDS = ("regression", "binary", "multiclass", "multilabel", "multilabel-ranking")

# How a solution's target cells are read (``truth``) and how a submission's
# prediction cells are read and checked (``prediction``):
# - truth "binary_columns": one 0/1 column per label (multi-label), an (n, L) int8 array;
# - prediction "ranked_labels": space-separated labels from the label set, of which the
#   first ``k`` are kept, as an (n, k) array of label codes padded with -1.
TRUTHS = ("number", "binary", "label", "rating", "class", "label_list", "binary_columns")
PREDICTIONS = ("number", "probability", "score", "label", "rating", "probabilities", "label_list", "ranked_labels")


@dataclass(frozen=True)
class Metric:
    """A registered metric.

    ``params`` maps each parameter name to its default (metrics with labels all
    take ``labels``, default None: see :attr:`has_labels`); a default's type is
    the parameter's type (int: a positive integer, float: a finite number).
    ``columns`` says in words which submission columns the metric expects; the
    exact names come from the solution (see ``Solution.prediction_columns``).
    ``best`` is the score of perfect predictions.  ``weighted`` says whether a
    solution may carry a ``Weight`` column of sample weights.  ``plugin`` names
    the installed distribution a plugin metric comes from (None: built in).
    """

    name: str
    description: str
    kind: str
    greater_is_better: bool
    truth: str
    prediction: str
    compute: Callable[..., np.ndarray] | None = field(default=None, repr=False, compare=False)
    best: float = 0.0
    params: Mapping[str, Any] = field(default_factory=dict)
    columns: str = "the id column and one prediction column named like the solution's target column"
    # Optional: message explaining why a part of the solution cannot be scored.
    check_truth: Callable[[Any], str | None] | None = field(default=None, repr=False, compare=False)
    # Optional range rule for predictions: a mask of bad values and the rule in words.
    invalid: Callable[[np.ndarray], np.ndarray] | None = field(default=None, repr=False, compare=False)
    rule: str = ""
    # Decomposable metrics: per-row losses (y, p, ctx) -> (n,), and the map from their mean to the score.
    row_values: Callable[..., np.ndarray] | None = field(default=None, repr=False, compare=False)
    finish: Callable[[np.ndarray], np.ndarray] | None = field(default=None, repr=False, compare=False)
    # Sample weights: True if a solution's Weight column weighs its rows (see the module docstring).
    weighted: bool = False
    # Optional: message explaining why resolved parameters cannot be used (ranges and the like).
    check_params: Callable[[dict], str | None] | None = field(default=None, repr=False, compare=False)
    # Optional: remarks on one part's scoring (y, sample weights or None, ctx) -> list of messages,
    # such as a label column left out of a mean; they go into ScoreResult.notes, not errors.
    notes: Callable[..., list] | None = field(default=None, repr=False, compare=False)
    # The distribution ("name version") a plugin metric was installed from; None for built-ins.
    plugin: str | None = None

    def __post_init__(self):
        if self.truth in LABELLED_TRUTHS:
            # Every metric with labels may declare them; None means "take them from the solution".
            object.__setattr__(self, "params", {**self.params, "labels": None})
        if self.row_values is not None:
            object.__setattr__(self, "compute", RowMean(self.finish).of(self.row_values))
        assert self.compute is not None, self.name
        if self.prediction in ("probability", "probabilities") and self.invalid is None:
            object.__setattr__(self, "invalid", _outside_unit_interval)
            object.__setattr__(self, "rule", "Probabilities must be between 0 and 1.")
        assert self.kind in KINDS and self.truth in TRUTHS and self.prediction in PREDICTIONS
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))

    @property
    def has_labels(self) -> bool:
        """True for metrics whose targets are labels or classes, which take a ``labels`` parameter."""
        return self.truth in LABELLED_TRUTHS

    def resolve_params(self, given: Mapping[str, Any]) -> dict:
        """Defaults overlaid with ``given``; unknown names and bad values raise ValueError.

        ``labels`` becomes a list of label texts (JSON-safe, so it can be stored and
        compared as is); left out or None, it is absent from the result, so params
        without declared labels are exactly what they were before labels existed.
        """
        unknown = sorted(set(given) - set(self.params))
        if unknown:
            known = ", ".join(self.params) or "none"
            raise ValueError(f"metric {self.name!r} has no parameter {unknown[0]!r} (parameters: {known})")
        merged = {**self.params, **given}
        if merged.get("labels") is None:
            merged.pop("labels", None)
        resolved = {name: _coerce(self.name, name, self.params[name], value) for name, value in merged.items()}
        if "labels" in resolved and "positive_label" in resolved:
            _check_positive_label(self.name, resolved["positive_label"], resolved["labels"])
        if self.check_params is not None:
            message = self.check_params(resolved)
            if message:
                raise ValueError(f"metric {self.name!r}: {message}")
        return resolved

    def score(self, y, p, ctx=None) -> float:
        """The metric on all rows: ``w=None`` means unit weights, which metrics
        may compute more cheaply than a row of ones."""
        return float(self.compute(y, p, None, ctx or {})[0])

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "description": self.description,
            "kind": self.kind,
            "greater_is_better": self.greater_is_better,
            "params": dict(self.params),
            "has_labels": self.has_labels,
            "weighted": self.weighted,
            "columns": self.columns,
            "plugin": self.plugin,
        }


class RowMean:
    """The score as ``finish`` of the (weighted) mean of per-row values.

    Used directly on precomputed per-row losses: ``compute(values, values, w, ctx)``.
    """

    def __init__(self, finish=None):
        self.finish = finish

    def compute(self, values, _unused, w, ctx) -> np.ndarray:
        means = weighted_mean(values, w)
        return means if self.finish is None else self.finish(means)

    def score(self, values, _unused=None, ctx=None) -> float:
        return float(self.compute(values, None, None, ctx)[0])

    def of(self, row_values):
        """A full ``compute(y, p, w, ctx)`` that first derives the per-row values."""
        return lambda y, p, w, ctx: self.compute(row_values(y, p, ctx), None, w, ctx)


def _outside_unit_interval(values):
    return (values < 0) | (values > 1)


def _coerce(metric: str, name: str, default, value):
    """Give CLI strings the type of the default (``k=10`` becomes 10); labels become text."""
    if name == "labels":
        return _declared_labels(metric, value)
    if name in LABEL_PARAMS:
        return label_text(value)
    if isinstance(default, bool):
        raise TypeError(f"unsupported parameter type for {name}")
    if isinstance(default, float):
        try:
            number = None if isinstance(value, (bool, np.bool_)) else float(value)
        except (TypeError, ValueError):
            number = None
        if number is None or not np.isfinite(number):
            raise ValueError(f"parameter {name!r} of metric {metric!r} must be a finite number, got {value!r}")
        return number
    if isinstance(default, int):
        try:
            number = int(value) if not isinstance(value, float) or value.is_integer() else None
        except (TypeError, ValueError):
            number = None
        if number is None or number < 1:
            raise ValueError(f"parameter {name!r} of metric {metric!r} must be a positive integer, got {value!r}")
        return number
    return label_text(value)


def _declared_labels(metric: str, value) -> list[str]:
    """The ``labels`` parameter as a list of distinct, non-empty label texts, in declared order.

    A string is the command line's form, ``cat,dog,bird``.  A set is refused because
    the order matters: it is the order of the class columns.
    """
    where = f"parameter 'labels' of metric {metric!r}"
    if isinstance(value, str):
        value = value.split(",") if value.strip() else []
    elif not isinstance(value, (list, tuple)):
        raise ValueError(
            f"{where} must be a list of labels such as ['cat', 'dog'] (or cat,dog on the command line), "
            f"got {type(value).__name__}"
        )
    if any(v is None or (isinstance(v, float) and v != v) for v in value):
        raise ValueError(f"{where} cannot hold None or NaN: every label is a text or a number")
    labels = [label_text(v) for v in value]
    if not labels:
        raise ValueError(f"{where} must list at least one label")
    if "" in labels:
        raise ValueError(f"{where} holds an empty label; an empty cell is never a label")
    repeated = sorted({x for x in labels if labels.count(x) > 1})
    if repeated:
        raise ValueError(
            f"{where} lists {', '.join(map(repr, repeated))} more than once "
            "(labels are compared as text, so 1 and 1.0 are both '1')"
        )
    return labels


def _check_positive_label(metric: str, positive: str, labels: list[str]) -> None:
    """A binary label metric takes at most two declared labels (as it takes at most two
    in a solution without them), and the positive label must be one of them."""
    if len(labels) > 2:
        raise ValueError(
            f"metric {metric!r} is binary: 'labels' may list at most 2 labels (the positive and the "
            f"negative one), got {len(labels)}: {', '.join(map(repr, labels))}"
        )
    if positive not in labels:
        raise ValueError(
            f"positive_label {positive!r} is not one of the declared labels {', '.join(map(repr, labels))}; "
            "set positive_label to one of them"
        )


def label_text(value) -> str:
    """A label as the text it would have in a CSV (1.0 -> '1')."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (bool, np.bool_)):
        value = int(value)
    return str(value).strip()


# -- weighted building blocks ---------------------------------------------------
def unit(w, n: int) -> np.ndarray:
    """The weights to use: a single row of ones when ``w`` is None."""
    return np.ones((1, n)) if w is None else w


def weighted_mean(values: np.ndarray, w) -> np.ndarray:
    """Mean of per-row ``values`` under each row of weights (None: plain mean)."""
    if w is None:
        return np.array([values.mean()])
    return (w @ values) / w.sum(axis=1)


def safe_divide(num, den, when_zero=0.0):
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    out = np.full(np.broadcast(num, den).shape, when_zero, dtype=np.float64)
    np.divide(num, den, out=out, where=den != 0)
    return out


def confusion(y: np.ndarray, p: np.ndarray, n_labels: int, w: np.ndarray) -> np.ndarray:
    """(R, K, K) weighted confusion matrices, truth on axis 1, prediction on axis 2."""
    cells = y.astype(np.int64) * n_labels + p.astype(np.int64)
    size = n_labels * n_labels
    if w is None:
        return np.bincount(cells, minlength=size).astype(np.float64).reshape(1, n_labels, n_labels)
    out = np.empty((w.shape[0], size))
    for r in range(w.shape[0]):  # one bincount per resample is faster than a dense one-hot product
        out[r] = np.bincount(cells, weights=w[r], minlength=size)
    return out.reshape(w.shape[0], n_labels, n_labels)
