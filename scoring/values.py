"""Turning one chunk of a submission column into typed values, noting problems.

Every converter takes the chunk as a pandas Series, the column name, the line
number of the chunk's first row and a ProblemLog, and returns a numpy array in
which cells with problems hold a neutral placeholder.  Messages quote only the
learner's own values.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .problems import ProblemLog, quote


def _examples(series: pd.Series, mask: np.ndarray) -> list[str]:
    """Up to five different bad values (a repeated one teaches nothing more); a bounded look."""
    return list(dict.fromkeys(quote(v) for v in series.to_numpy()[mask][:200]))[:5]


def _report(log, code, column, mask, row0, series, describe):
    if mask.any():
        rows = np.flatnonzero(mask) + row0
        log.add_rows(code, column, rows, _examples(series, mask), describe)


def _empty_text(column):
    return lambda total, rows, ex: (
        f"Column '{column}' has {total} empty value{'s' * (total > 1)} ({rows})."
    )


def _not_number_text(column, what="finite numbers"):
    # `what` is plural ("finite numbers"); one bad value reads "is not a finite number".
    return lambda total, rows, ex: (
        f"Column '{column}' has {total} value{'s' * (total > 1)} that "
        f"{f'are not {what}' if total > 1 else f'is not a {what[:-1]}'}, e.g. {', '.join(ex[:3])} ({rows})."
    )


def is_blank(series: pd.Series) -> np.ndarray:
    """True where a text cell is missing or only whitespace."""
    if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
        filled = series.fillna("").astype(str)
        return filled.str.strip().eq("").to_numpy()
    return series.isna().to_numpy()


def to_numbers(series: pd.Series, column: str, row0: int, log: ProblemLog, what="finite numbers") -> np.ndarray:
    """Float values; empty, non-numeric, NaN and infinite cells are problems (left as NaN)."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        mask = np.ones(len(series), dtype=bool)
        _report(log, "not_a_number", column, mask, row0, series, _not_number_text(column, what))
        return np.full(len(series), np.nan)
    if pd.api.types.is_numeric_dtype(dtype):
        if dtype == np.float64:
            values = series.to_numpy(copy=False)
        else:
            values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        finite = np.isfinite(values)
        if not finite.all():
            nan = np.isnan(values)
            _report(log, "empty_value", column, nan, row0, series, _empty_text(column))
            _report(log, "not_a_number", column, ~finite & ~nan, row0, series, _not_number_text(column, what))
            values = np.where(finite, values, np.nan)
        return values
    # Some cells are not numbers: find which, on this chunk only.
    blank = is_blank(series)
    text = series.fillna("").astype(str).str.strip()
    values = pd.to_numeric(text.where(~blank, None), errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(values) & ~blank
    _report(log, "empty_value", column, blank, row0, series, _empty_text(column))
    _report(log, "not_a_number", column, bad, row0, series, _not_number_text(column, what))
    return np.where(np.isfinite(values), values, np.nan)


# Whole numbers are read through float64, which holds every integer up to 2**53 - 1
# exactly; beyond that '9007199254740993' would silently become ...992 (and past 2**63
# the cast to int64 would overflow).  Solutions and submissions share this range.
MAX_INTEGER = 2**53 - 1
INTEGER_RULE = f"Ratings must be whole numbers from {-MAX_INTEGER} to {MAX_INTEGER}."


def integer_problems(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Masks of finite values that are (not whole, outside +-MAX_INTEGER); NaN is in neither."""
    finite = np.isfinite(values)
    outside = finite & (np.abs(values) > MAX_INTEGER)
    fractional = finite & ~outside & (values != np.round(values))
    return fractional, outside


def to_integers(series, column, row0, log) -> np.ndarray:
    """Whole-number ratings as int64 (problem cells are 0); 2.0 counts as 2."""
    values = to_numbers(series, column, row0, log, what="whole numbers")
    fractional, outside = integer_problems(values)
    _report(log, "not_a_number", column, fractional, row0, series, _not_number_text(column, "whole numbers"))
    check_range(values, column, row0, log, series, outside, INTEGER_RULE)
    ok = np.isfinite(values) & ~fractional & ~outside
    return np.where(ok, values, 0).astype(np.int64), ok


def check_range(values, column, row0, log, series, bad_mask, rule: str) -> None:
    """Report finite values that break a metric's range rule (e.g. probabilities in [0, 1])."""
    mask = bad_mask & np.isfinite(values) if bad_mask.any() else bad_mask
    _report(
        log, "out_of_range", column, mask, row0, series,
        lambda total, rows, ex: (
            f"Column '{column}' has {total} value{'s' * (total > 1)} out of range, e.g. "
            f"{', '.join(ex[:3])} ({rows}). {rule}"
        ),
    )


def factorized_text(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(codes, stripped distinct strings): strip each distinct value once, not every cell.

    Label-like columns repeat a few values many times, so this is much faster
    than stripping a million cells.
    """
    codes, uniques = pd.factorize(series.to_numpy(dtype=object), use_na_sentinel=False)
    stripped = np.array(["" if pd.isna(v) else str(v).strip() for v in uniques], dtype=object)
    return codes, stripped


def text(series: pd.Series) -> np.ndarray:
    """Stripped strings as an object array ('' for missing cells)."""
    codes, stripped = factorized_text(series)
    return stripped[codes]


def to_labels(series, column, row0, log, labels: pd.Index, listed: bool) -> np.ndarray:
    """Codes into ``labels`` (-1 for problem cells).

    ``listed`` says whether the label set may be named in messages (only when the
    learner can already see it, e.g. as column names).
    """
    codes, stripped = factorized_text(series)
    blank = (stripped == "")[codes]
    codes = labels.get_indexer(stripped)[codes]
    unknown = (codes < 0) & ~blank
    _report(log, "empty_value", column, blank, row0, series, _empty_text(column))
    allowed = _allowed_labels(labels, listed)
    _report(
        log, "unknown_label", column, unknown, row0, series,
        lambda total, rows, ex: (
            f"Column '{column}' has {total} value{'s' * (total > 1)} that {'are' if total > 1 else 'is'} "
            f"not {allowed}, e.g. {', '.join(ex[:3])} ({rows}). Labels are compared as exact text."
        ),
    )
    return codes


def _allowed_labels(labels: pd.Index, listed: bool) -> str:
    if listed:
        return "one of " + ", ".join(repr(x) for x in labels[:20]) + (" …" if len(labels) > 20 else "")
    return f"one of the {len(labels)} labels used in this competition"


def to_ranked_labels(series, column, row0, log, labels: pd.Index, listed: bool, k: int) -> np.ndarray:
    """Space-separated labels, best first, as an (n, k) array of codes into ``labels``.

    Only the first ``k`` labels of a cell are read (as map_at_k does), and a row with
    fewer is padded with -1, which matches no label: a blank cell predicts nothing and
    counts as a miss, not a problem.  A label outside ``labels`` among the first ``k``
    is an ``unknown_label`` problem.  Each distinct cell is split once.
    """
    codes, stripped = factorized_text(series)
    tokens = [cell.split()[:k] for cell in stripped]
    lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
    flat = [label for row in tokens for label in row]
    found = labels.get_indexer(flat) if flat else np.empty(0, dtype=np.int64)
    owner = np.repeat(np.arange(len(tokens)), lengths)
    position = np.arange(len(flat)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    distinct = np.full((len(tokens), k), -1, dtype=np.int64)
    distinct[owner, position] = found
    unknown = np.bincount(owner[found < 0], minlength=len(tokens)) > 0
    _report(
        log, "unknown_label", column, unknown[codes], row0, series,
        lambda total, rows, ex: (
            f"Column '{column}' has {total} value{'s' * (total > 1)} with a label that is not "
            f"{_allowed_labels(labels, listed)}, e.g. {', '.join(ex[:3])} ({rows}). Labels are separated by "
            "spaces and compared as exact text."
        ),
    )
    return distinct[codes]


def to_label_lists(series) -> list[list[str]]:
    """Space-separated labels per row (for ranking metrics).

    A blank cell is an empty list, a legitimate answer: as in Kaggle's apk, a row
    without predictions scores 0.  So there is no problem to report here.
    """
    return [v.split() for v in text(series)]
