"""Reading and checking a solution (the organizer's answer key) once, so that
every submission can be scored against the parsed result.

A solution has an id column (the first unless ``id_column`` names another), one
or more target columns, an optional Usage column and, for metrics that take
sample weights, an optional Weight column.  Anything wrong with it is
the organizer's problem and raises SolutionError with an organizer-facing
message; these messages may quote solution values, learners never see them.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import ids as idmod
from . import values
from .io import ReadFailure, Table
from .metrics import METRICS, Metric, get_metric
from .problems import ProblemLog, SolutionError
from .split import IGNORED, PARTS, find_usage_column, parse_usage, part_rows


@dataclass(frozen=True, eq=False)
class Solution:
    """A parsed, checked solution bound to one metric and its parameters.

    ``truth`` holds the targets in the form the metric computes on (floats, label
    codes into ``labels``, integer ratings, or lists of labels for ranking);
    ``labels`` is the label set: ``params['labels']`` when the competition declares
    it, else the labels (or one-hot columns) the solution holds.
    ``prediction_columns`` are the columns a submission must have besides
    ``id_column``.  ``usage`` holds codes from :mod:`scoring.split` or None.
    ``weights`` holds the sample weights of the ``weight_column`` (float64), or None.
    """

    metric: Metric
    params: dict
    id_column: str
    target_columns: tuple
    prediction_columns: tuple
    ids: np.ndarray = field(repr=False)
    truth: object = field(repr=False)
    labels: tuple | None
    usage: np.ndarray | None = field(repr=False)
    context: dict = field(repr=False)
    fingerprint: str = ""
    index: idmod.IdIndex = field(default=None, repr=False)
    weights: np.ndarray | None = field(default=None, repr=False)
    weight_column: str | None = None

    @property
    def n_rows(self) -> int:
        return int(self.ids.size)

    def rows(self, part: str) -> np.ndarray | None:
        """A boolean mask of the rows scored in 'public', 'private' or 'overall',
        or None when that is every row (so callers can skip a copy)."""
        if self.usage is None or (part == "overall" and not (self.usage == IGNORED).any()):
            return None
        return part_rows(self.usage, self.n_rows, part)

    def count(self, part: str) -> int:
        rows = self.rows(part)
        return self.n_rows if rows is None else int(np.count_nonzero(rows))

    def to_dict(self) -> dict:
        """JSON-safe summary for the platform to store with the solution (no targets)."""
        return {
            "metric": self.metric.name,
            "params": {k: list(v) if isinstance(v, list) else v for k, v in self.params.items()},
            "id_column": self.id_column,
            "prediction_columns": list(self.prediction_columns),
            "n_rows": self.n_rows,
            "n_public": self.count("public"),
            "n_private": self.count("private"),
            "n_ignored": self.n_rows - self.count("overall"),
            "has_usage": self.usage is not None,
            "weight_column": self.weight_column,
            "fingerprint": self.fingerprint,
        }


def take(data, rows):
    """Select rows (an index array or a boolean mask; None means all) from an array or a list."""
    if rows is None:
        return data
    if isinstance(data, np.ndarray):
        return data[rows]
    if rows.dtype == bool:
        rows = np.flatnonzero(rows)
    return [data[i] for i in rows]


def read_solution(source, metric, id_column=None, **params) -> Solution:
    """Parse and check a solution file for ``metric``.

    ``source`` is a path (.csv, .csv.gz, .zip), bytes, a binary file object or a
    DataFrame.  Raises SolutionError naming the problem (duplicate ids, missing
    target columns, bad Usage values, empty file, unusable targets) and
    ValueError for an unknown metric or parameter.
    """
    metric = get_metric(metric)
    params = metric.resolve_params(params)
    try:
        table = Table(source)
    except ReadFailure as failure:
        raise SolutionError(f"solution file: {failure.message}") from None
    try:
        return _build(table, metric, params, id_column)
    except ReadFailure as failure:
        raise SolutionError(f"solution file: {failure.message}") from None
    finally:
        table.close()


WEIGHT_COLUMN = "Weight"
_MULTI_COLUMN_TRUTHS = ("class", "binary_columns")


def _find_weight_column(columns: list, taken: tuple, params: dict) -> str | None:
    """The Weight column as written (matched case-insensitively, like Usage), if the solution has one.

    A column so named is still a target when it is the only candidate (a task that predicts a
    weight) or a declared label (a class or label column named Weight).
    """
    candidates = [c for c in columns if c not in taken]
    for name in candidates:
        if name.strip().lower() == WEIGHT_COLUMN.lower():
            if len(candidates) == 1 or name in (params.get("labels") or ()):
                return None
            return name
    return None


def _columns(table: Table, metric: Metric, params: dict, id_column):
    columns = table.columns
    if len(set(columns)) != len(columns):
        raise SolutionError(f"solution file has duplicate column names: {columns}")
    id_column = columns[0] if id_column is None else str(id_column).strip()
    if id_column not in columns:
        raise SolutionError(f"solution has no id column {id_column!r}; its columns are {columns}")
    usage = find_usage_column(columns)
    weight = _find_weight_column(columns, (id_column, usage), params)
    if weight is not None and not metric.weighted:
        takes = ", ".join(sorted(name for name, m in METRICS.items() if m.weighted))
        raise SolutionError(
            f"the solution has a {weight!r} column of sample weights, but metric {metric.name!r} does not take "
            f"sample weights; remove the column, or use a metric that does ({takes})"
        )
    targets = [c for c in columns if c not in (id_column, usage, weight)]
    if not targets:
        raise SolutionError(f"solution has no target column for metric {metric.name!r}; its columns are {columns}")
    if len(targets) > 1 and metric.truth not in _MULTI_COLUMN_TRUTHS:
        raise SolutionError(
            f"metric {metric.name!r} needs exactly one target column, but the solution has {len(targets)}: "
            f"{', '.join(targets)}"
        )
    return id_column, usage, weight, targets


def _build(table: Table, metric: Metric, params: dict, id_column) -> Solution:
    id_column, usage_column, weight_column, targets = _columns(table, metric, params, id_column)
    id_parts, usage_parts, weight_parts, columns = _read(table, metric, id_column, usage_column, weight_column,
                                                         targets)
    ids, ints = _concat_ids(id_parts)
    del id_parts  # the chunks are copied into ids; free them before building the index
    index = idmod.IdIndex(ids, ints)
    _check_ids(ids, index, id_column)
    usage = np.concatenate(usage_parts) if usage_column else None
    weights = _weights(np.concatenate(weight_parts), weight_column) if weight_column else None
    truth, labels, context, prediction_columns = _truth(metric, params, columns, targets)
    if id_column in prediction_columns:
        raise SolutionError(
            f"class {id_column!r} would need a submission column named like the id column {id_column!r}; "
            "rename the class or the id column"
        )
    solution = Solution(
        metric=metric, params=params, id_column=id_column, target_columns=tuple(targets),
        prediction_columns=tuple(prediction_columns), ids=ids, truth=truth, labels=labels, usage=usage,
        context=context, fingerprint=_fingerprint(metric, params, ids, usage, truth, weights),
        index=index, weights=weights, weight_column=weight_column,
    )
    _check_parts(solution)
    return solution


def _read(table: Table, metric: Metric, id_column: str, usage_column: str | None, weight_column: str | None,
          targets: list):
    """Read the solution chunk by chunk: (id chunks, usage code chunks, weight chunks, target column arrays)."""
    numeric = metric.truth in ("number", "binary", "rating", "binary_columns") or (
        metric.truth == "class" and len(targets) > 1)
    log = ProblemLog()
    id_parts, usage_parts, weight_parts, target_parts = [], [], [], {t: [] for t in targets}
    row0 = 2
    text_columns = [id_column] + ([usage_column] if usage_column else []) + ([] if numeric else targets)
    number_columns = (targets if numeric else []) + ([weight_column] if weight_column else [])
    integers = id_column if table.integer_ids(id_column) else None
    for chunk in table.chunks(text_columns=text_columns, number_columns=number_columns, integer_column=integers,
                              categorical=[usage_column] if usage_column else ()):
        read_ids = chunk[id_column]
        id_parts.append(read_ids.to_numpy() if read_ids.dtype == np.int64 else idmod.encode(read_ids)[0])
        if usage_column:
            usage_parts.append(_usage(chunk[usage_column], usage_column, row0))
        if weight_column:
            weight_parts.append(values.to_numbers(chunk[weight_column], weight_column, row0, log))
        for t in targets:
            read = values.to_numbers(chunk[t], t, row0, log) if numeric else values.text(chunk[t])
            target_parts[t].append(read)
        row0 += len(chunk)
    if row0 == 2:
        raise SolutionError("solution file has a header but no rows")
    if log:
        raise SolutionError("solution: " + " ".join(p.message for p in log.problems()))
    return id_parts, usage_parts, weight_parts, {t: np.concatenate(target_parts[t]) for t in targets}


def _weights(weights: np.ndarray, column: str) -> np.ndarray:
    """Sample weights: finite (already checked while reading) and never negative."""
    negative = np.flatnonzero(weights < 0)
    if negative.size:
        raise SolutionError(
            f"solution column {column!r} holds sample weights, which cannot be negative; {negative.size} "
            f"row{'s are' if negative.size > 1 else ' is'} (first at row {negative[0] + 2})"
        )
    return weights.astype(np.float64, copy=False)


def _concat_ids(parts) -> tuple[np.ndarray, np.ndarray | None]:
    """(ids as text, the same ids as int64 when every chunk was read as integers, else None)."""
    if all(p.dtype == np.int64 for p in parts):
        ints = np.concatenate(parts)
        return idmod.int_text(ints), ints
    parts = [idmod.int_text(p) if p.dtype == np.int64 else p for p in parts]  # exact: see Table.integer_ids
    width = max(p.dtype.itemsize for p in parts)
    return np.concatenate([p.astype(f"S{width}") for p in parts]), None


def _check_ids(ids: np.ndarray, index: idmod.IdIndex, id_column: str) -> None:
    empty = np.flatnonzero(ids == b"") if index.ints is None else ()  # integers are never empty
    if len(empty):
        raise SolutionError(f"solution column {id_column!r} has {len(empty)} empty ids (first at row {empty[0] + 2})")
    duplicates = index.duplicates()
    if duplicates.size:
        shown = ", ".join(repr(v) for v in idmod.decode(ids[duplicates[:5]]))
        raise SolutionError(
            f"solution has {duplicates.size} duplicate ids in column {id_column!r}, e.g. {shown} "
            f"(first repeat at row {duplicates[0] + 2})"
        )


def _usage(series: pd.Series, column: str, row0: int) -> np.ndarray:
    """Usage codes for one chunk (converted at once: a million strings need not be kept)."""
    if isinstance(series.dtype, pd.CategoricalDtype):  # read as categories: each distinct text parsed once
        texts = np.asarray(series.cat.categories, dtype=object)
        at = series.cat.codes.to_numpy()
        codes, bad = (part[at] for part in parse_usage(texts))
        raw = texts[at]
    else:
        raw = series.to_numpy(dtype=object)
        codes, bad = parse_usage(raw)
    if bad.any():
        where = np.flatnonzero(bad)
        shown = ", ".join(repr(v) for v in pd.unique(raw[where])[:5])
        raise SolutionError(
            f"solution column {column!r} must hold Public, Private or Ignored; {where.size} rows do not, "
            f"e.g. {shown} (first at row {where[0] + row0})"
        )
    return codes


def _natural_labels(raw: np.ndarray) -> pd.Index:
    """Distinct non-empty labels, numerically sorted when they all look like numbers."""
    unique = pd.unique(raw[raw != ""])
    as_numbers = pd.to_numeric(pd.Series(unique, dtype=object), errors="coerce")
    if len(unique) and as_numbers.notna().all():
        unique = unique[np.argsort(as_numbers.to_numpy(), kind="stable")]
    else:
        unique = np.array(sorted(unique), dtype=object)
    return pd.Index(unique, dtype=object)


def _no_empty(raw: np.ndarray, column: str) -> None:
    empty = np.flatnonzero(raw == "")
    if empty.size:
        raise SolutionError(f"solution column {column!r} has {empty.size} empty values (first at row {empty[0] + 2})")


def _truth(metric: Metric, params: dict, columns: dict, targets: list):
    """(truth, labels, context, prediction columns) for the metric's kind of target."""
    kind = metric.truth
    target = targets[0]
    # Metrics read their parameters from the context (k, alpha, beta, ...); labels are in ``labels``.
    context = {"k": params.get("k"), **{name: value for name, value in params.items() if name != "labels"}}
    declared = params.get("labels")
    if kind == "number":
        return columns[target], None, context, [target]
    if kind == "binary":
        y = columns[target]
        if not np.isin(y, (0.0, 1.0)).all():
            raise SolutionError(f"metric {metric.name!r} needs targets of 0 or 1 in column {target!r}")
        return y.astype(np.int8), None, context, [target]  # a byte a row; arithmetic upcasts
    if kind == "rating":
        return _ratings(columns[target], metric, target), None, context, [target]
    if kind == "label_list":
        return [v.split() for v in columns[target]], None, context, [target]
    if kind == "class" and len(targets) > 1:
        codes, labels = _one_hot(columns, targets, metric, declared)
        context["n_labels"] = len(labels)
        return codes, labels, context, list(labels)
    if kind == "binary_columns":
        matrix, labels = _label_columns(columns, targets, metric, declared)
        context["n_labels"] = len(labels)
        context["labels"] = labels
        return matrix, labels, context, list(labels)
    raw = columns[target]
    _no_empty(raw, target)
    # Declared labels are the label set in their declared order, whichever of them the rows use.
    labels = _natural_labels(raw) if declared is None else pd.Index(declared, dtype=object)
    codes = labels.get_indexer(raw).astype(np.int64)
    if declared is not None:
        _check_declared(raw, codes, target, labels)
    context["n_labels"] = len(labels)
    if metric.prediction == "ranked_labels":
        _check_unspaced(labels, metric)
    if kind == "class":
        return codes, tuple(labels), context, [str(v) for v in labels]
    if "positive_label" in params:
        # With declared labels, resolve_params has already checked these two rules.
        positive = params["positive_label"]
        if len(labels) > 2:
            raise SolutionError(f"metric {metric.name!r} is binary but the solution has {len(labels)} labels")
        if positive not in labels:
            raise SolutionError(
                f"positive_label {positive!r} is not a label in the solution (labels: {', '.join(map(repr, labels))})"
            )
        context["positive"] = int(labels.get_loc(positive))
    return codes, tuple(labels), context, [target]


def _check_unspaced(labels: pd.Index, metric: Metric) -> None:
    """Predictions are space-separated labels, so a label with a space could never be predicted."""
    spaced = [label for label in labels if len(str(label).split()) != 1]
    if spaced:
        raise SolutionError(
            f"metric {metric.name!r} reads predictions as space-separated labels, so no label may contain a "
            f"space; the solution has {spaced[0]!r}"
        )


def _label_columns(columns: dict, targets: list, metric: Metric, declared: list | None):
    """(n, L) 0/1 matrix and labels of a multi-label solution: its columns, or the declared labels."""
    for t in targets:
        bad = np.flatnonzero(~np.isin(columns[t], (0.0, 1.0)))
        if bad.size:
            raise SolutionError(
                f"metric {metric.name!r} needs 0 or 1 in every label column; column {t!r} holds "
                f"{columns[t][bad[0]]:g} at row {bad[0] + 2}"
            )
    if declared is None:
        labels = tuple(targets)
    else:
        stray = [t for t in targets if t not in declared]
        if stray:
            raise SolutionError(
                f"solution label columns {', '.join(map(repr, stray))} are not among the declared labels "
                f"{', '.join(map(repr, declared))}"
            )
        labels = tuple(declared)  # a declared label without a column is a column of zeros
    n = len(columns[targets[0]])
    matrix = np.zeros((n, len(labels)), dtype=np.int8)
    for j, label in enumerate(labels):
        if label in columns:
            matrix[:, j] = columns[label]
    return matrix, labels


def _check_declared(raw: np.ndarray, codes: np.ndarray, column: str, labels: pd.Index) -> None:
    """Every solution value must be a declared label (the organizer reads this, so it names them)."""
    stray = np.flatnonzero(codes < 0)
    if stray.size:
        shown = ", ".join(repr(v) for v in pd.unique(raw[stray])[:5])
        raise SolutionError(
            f"solution column {column!r} has {stray.size} value{'s that are' if stray.size > 1 else ' that is'} "
            "not among the declared labels, "
            f"e.g. {shown} (first at row {stray[0] + 2}); declared labels: {', '.join(map(repr, labels))}"
        )


def _ratings(y: np.ndarray, metric: Metric, column: str) -> np.ndarray:
    """Whole-number ratings as int64, within the range submissions may use too."""
    fractional, outside = values.integer_problems(y)
    for mask, what in ((outside, "outside that range"), (fractional, "not a whole number")):
        if mask.any():
            row = int(np.flatnonzero(mask)[0])
            raise SolutionError(
                f"metric {metric.name!r} needs ratings that are whole numbers from {-values.MAX_INTEGER} to "
                f"{values.MAX_INTEGER} in column {column!r}; row {row + 2} holds {y[row]:g}, {what}"
            )
    return y.astype(np.int64)


def _one_hot(columns: dict, targets: list, metric: Metric, declared: list | None):
    """(class codes, class labels) of a one-hot solution: its columns, or the declared labels."""
    matrix = np.column_stack([columns[t] for t in targets])
    valid = np.isin(matrix, (0.0, 1.0)).all(axis=1) & (matrix.sum(axis=1) == 1)
    if not valid.all():
        row = int(np.flatnonzero(~valid)[0]) + 2
        raise SolutionError(
            f"metric {metric.name!r}: one-hot solution rows must hold a single 1 and otherwise 0 (row {row} does not)"
        )
    codes = matrix.argmax(axis=1).astype(np.int64)
    if declared is None:
        return codes, tuple(targets)
    stray = [t for t in targets if t not in declared]
    if stray:
        raise SolutionError(
            f"one-hot solution columns {', '.join(map(repr, stray))} are not among the declared labels "
            f"{', '.join(map(repr, declared))}"
        )
    # Declared classes without a column are classes no row has: zero columns, nothing to store.
    return pd.Index(declared, dtype=object).get_indexer(targets)[codes].astype(np.int64), tuple(declared)


def _check_parts(solution: Solution) -> None:
    if solution.count("overall") == 0:
        raise SolutionError("every solution row is Ignored; nothing would be scored")
    weights = solution.weights
    for part in PARTS:
        rows = solution.rows(part)
        if rows is not None and not rows.any():
            continue
        if weights is not None:
            # Rows of weight 0 do not count: the truth checks look at the others only.
            weighted = weights > 0 if rows is None else rows & (weights > 0)
            if not weighted.any():
                raise SolutionError(
                    f"the sample weights in column {solution.weight_column!r} are 0 on every {part} row; "
                    "nothing there would count"
                )
            rows = weighted
        if solution.metric.check_truth is not None:
            message = solution.metric.check_truth(take(solution.truth, rows))
            if message:
                raise SolutionError(f"{message} (the {part} rows do not)")


def _fingerprint(metric, params, ids, usage, truth, weights=None) -> str:
    """Identifies the exact scoring setup, so paired comparisons refuse mixed setups."""
    h = hashlib.sha256(json.dumps([metric.name, params], sort_keys=True, default=str).encode())
    h.update(memoryview(np.ascontiguousarray(ids)).cast("B"))
    h.update(b"" if usage is None else memoryview(usage).cast("B"))
    if weights is not None:
        h.update(b"weights" + memoryview(np.ascontiguousarray(weights)).cast("B"))
    h.update(memoryview(np.ascontiguousarray(truth)).cast("B") if isinstance(truth, np.ndarray) else repr(truth).encode())
    return h.hexdigest()


def resolve(solution, metric, params: dict) -> Solution:
    """Accept a parsed Solution (checking it matches) or parse a source."""
    params = dict(params)
    id_column = params.pop("id_column", None)
    if isinstance(solution, Solution):
        chosen = get_metric(metric) if metric is not None else solution.metric
        wanted = chosen.resolve_params(params) if (params or metric is not None) else solution.params
        if chosen.name != solution.metric.name or wanted != solution.params:
            raise ValueError(
                f"this solution was read for metric {solution.metric.name!r} with {solution.params}; "
                f"got {chosen.name!r} with {wanted}"
            )
        if id_column is not None and str(id_column).strip() != solution.id_column:
            raise ValueError(f"this solution was read with id column {solution.id_column!r}")
        return solution
    return read_solution(solution, metric, id_column=id_column, **params)

