"""Checking a submission against a parsed solution, in one pass over the file.

``check`` reads the submission chunk by chunk, notes every problem (header,
ids, values) in a ProblemLog and scatters the predictions into solution row
order, so scoring needs no join.  Messages quote the learner's own ids and
values, never the solution's targets.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import ids as idmod
from . import values
from .io import ReadFailure, Table
from .limits import DEFAULT_LIMITS, Limits, cap_problems
from .problems import Problem, ProblemLog, quote
from .solution import Solution

_TEXT_PREDICTIONS = ("label", "label_list", "ranked_labels")


def check(solution: Solution, source, limits: Limits | None = None,
          test_columns=None) -> tuple[list[Problem], object]:
    """Return (problems, predictions in solution row order); predictions is None
    whenever there are problems.  ``limits`` bounds the work (see scoring.limits).
    ``test_columns`` (the test file's header, if known) lets a wrong file be named
    in one summarizing problem first (see header_summary)."""
    return _with_table(source, limits, lambda table: _check_table(solution, table, test_columns=test_columns))


def check_ids(solution: Solution, source, limits: Limits | None = None) -> list[Problem]:
    """Problems with the ids of ``source`` alone: the same checks and messages as for a
    submission's id column, while other columns may be anything (features, say)."""
    problems, _ = _with_table(source, limits, lambda table: _check_table(solution, table, ids_only=True))
    return problems


def _with_table(source, limits: Limits | None, work):
    """``work(table)``, with a file that cannot be read as a table reported as its one problem,
    and the problems capped at ``limits.max_problems`` (plus a summary line per code)."""
    limits = limits or DEFAULT_LIMITS
    try:
        table = Table(source, limits)
    except ReadFailure as failure:
        return [Problem(failure.code, failure.message, failure.row, None)], None
    try:
        problems, predictions = work(table)
        if problems and problems[0].code in SUMMARY_CODES:  # the summary stands above the capped list
            return [problems[0], *cap_problems(problems[1:], limits.max_problems)], predictions
        return cap_problems(problems, limits.max_problems), predictions
    except ReadFailure as failure:
        return [Problem(failure.code, failure.message, failure.row, None)], None
    finally:
        table.close()


def _check_id_header(solution: Solution, columns: list[str], log: ProblemLog) -> list[str]:
    """Report a missing id column (other columns are not looked at); return the id column if present."""
    if solution.id_column in columns:
        return [solution.id_column]
    _missing_column(solution.id_column, columns, "That column holds the test set's ids", log)
    return []


def _missing_column(name: str, columns: list[str], expected: str, log: ProblemLog) -> None:
    by_lower = {c.lower(): c for c in columns}
    hint = ""
    if name.lower() in by_lower:
        hint = f" (found {by_lower[name.lower()]!r}; names are case-sensitive)"
    log.add(Problem("missing_columns", f"Missing column {name!r}{hint}. {expected}.", 1, name))


def _check_header(solution: Solution, columns: list[str], log: ProblemLog) -> list[str]:
    """Report missing and extra columns; return the expected columns present."""
    expected = [solution.id_column, *solution.prediction_columns]
    listed = ", ".join(expected)
    for name in expected:
        if name not in columns:
            _missing_column(name, columns, f"Expected columns: {listed}", log)
    seen = set()
    for name in columns:
        if name in seen or name not in expected:
            why = "appears twice" if name in seen else "is not expected"
            log.add(Problem(
                "extra_columns",
                f"Column {name!r} {why}{_header_hint(name)}. Expected exactly these columns: {listed}.", 1, name,
            ))
        seen.add(name)
    return [c for c in expected if c in columns]


# From this many unexpected columns on, the detailed list is introduced by one summarizing problem:
# a learner who uploads the wrong file needs "wrong file", not one line per column.
MANY_EXTRA_COLUMNS = 3
SUMMARY_CODES = ("test_file_columns", "many_extra_columns")


def header_summary(solution: Solution, columns: list[str], test_columns=None) -> Problem | None:
    """One problem naming the likely mistake when the header is far from a submission's, else None.

    The file has the test file's columns (``test_columns``, when known), or lacks every
    prediction column while carrying several others (a features table, most likely the
    test file), or simply has many columns that are not expected."""
    expected = [solution.id_column, *solution.prediction_columns]
    extra = [c for c in dict.fromkeys(columns) if c not in expected]
    if not extra:
        return None
    listed = ", ".join(expected)
    has_predictions = any(c in columns for c in solution.prediction_columns)
    if test_columns and set(columns) == set(test_columns):
        return Problem("test_file_columns",
                       f"This file has the test file's columns, not a submission's: did you upload the test file "
                       f"(test.csv) instead of your predictions? A submission holds exactly: {listed}.", 1, None)
    if len(extra) < MANY_EXTRA_COLUMNS:
        return None
    shown = ", ".join(repr(c) for c in extra[:5]) + (f" and {len(extra) - 5} more" if len(extra) > 5 else "")
    if not has_predictions:
        return Problem("test_file_columns",
                       f"This file has none of the prediction columns but {len(extra)} other columns ({shown}): "
                       f"did you upload the test file or a features table instead of your predictions? "
                       f"A submission holds exactly: {listed}.", 1, None)
    return Problem("many_extra_columns",
                   f"This file has {len(extra)} columns that are not part of a submission ({shown}): keep only "
                   f"{listed}.", 1, None)


def _header_hint(name: str) -> str:
    """Explain the usual causes of a strange column name."""
    for separator, label in ((";", "semicolons"), ("\t", "tabs"), ("|", "pipes")):
        if separator in name:
            return f" (the file seems to be separated by {label}; use commas)"
    if name.startswith("Unnamed: "):
        return " (a column without a name, often from a trailing comma or a saved index)"
    return ""


def _empty_predictions(solution: Solution):
    n, kind = solution.n_rows, solution.metric.prediction
    if kind == "probabilities":
        return np.full((n, len(solution.prediction_columns)), np.nan)
    if kind in ("label", "rating"):
        return np.zeros(n, dtype=np.int64)
    if kind == "ranked_labels":
        return np.full((n, solution.params["k"]), -1, dtype=np.int64)
    if kind == "label_list":
        return [None] * n
    return np.full(n, np.nan)


def _convert(solution: Solution, series: pd.Series, column: str, row0: int, log: ProblemLog):
    """One chunk of one prediction column, converted and checked."""
    metric = solution.metric
    kind = metric.prediction
    if kind == "label":
        # Declared labels are public (the competition publishes them), so the message may list
        # them; labels taken from the solution must not leak.
        declared = "labels" in solution.params
        return values.to_labels(series, column, row0, log, pd.Index(solution.labels, dtype=object), listed=declared)
    if kind == "label_list":
        return values.to_label_lists(series)
    if kind == "ranked_labels":
        declared = "labels" in solution.params
        return values.to_ranked_labels(series, column, row0, log, pd.Index(solution.labels, dtype=object),
                                       listed=declared, k=solution.params["k"])
    if kind == "rating":
        return values.to_integers(series, column, row0, log)[0]
    numbers = values.to_numbers(series, column, row0, log)
    if metric.invalid is not None:
        # NaN compares False, so cells already reported are not reported again.
        values.check_range(numbers, column, row0, log, series, metric.invalid(numbers), metric.rule)
    return numbers


def _place(predictions, converted: list, targets, rows) -> None:
    """Write one chunk's converted columns for submission ``rows`` into solution positions ``targets``."""
    if isinstance(predictions, list):
        for t, r in zip(targets, rows):
            predictions[t] = converted[0][r]
    elif predictions.ndim == 2:
        predictions[targets] = np.column_stack(converted)[rows]  # one scatter of whole rows
    else:
        predictions[targets] = converted[0][rows]


def _check_table(solution: Solution, table: Table, ids_only: bool = False, test_columns=None):
    """(problems, predictions); with ``ids_only`` just the id column is read and checked."""
    log = ProblemLog()
    summary = None if ids_only else header_summary(solution, table.columns, test_columns)
    present = (_check_id_header if ids_only else _check_header)(solution, table.columns, log)
    id_column = solution.id_column
    has_ids = id_column in present
    value_columns = [c for c in present if c != id_column]
    text_kind = solution.metric.prediction in _TEXT_PREDICTIONS
    predictions = None if ids_only else _empty_predictions(solution)
    seen = np.zeros(solution.n_rows, dtype=bool)  # solution rows already submitted
    n_rows = 0
    for chunk in table.chunks(
        text_columns=([id_column] if has_ids else []) + (value_columns if text_kind else []),
        number_columns=() if text_kind else value_columns,
        integer_column=id_column if has_ids and solution.index.ints is not None else None,
    ):
        _check_chunk(solution, chunk, n_rows + 2, value_columns, has_ids, predictions, seen, log)
        n_rows += len(chunk)
    if n_rows == 0:
        log.add(Problem("empty_file", "The file has a header but no rows.", None, None))
    elif has_ids:
        _check_missing(solution, seen, log)
    problems = log.problems()
    if summary is not None:
        problems.insert(0, summary)  # first, and never capped (see _with_table)
    return problems, (None if problems or not has_ids else predictions)


def _check_chunk(solution, chunk, row0, value_columns, has_ids, predictions, seen, log) -> None:
    """Check one chunk (its first row is line ``row0``) and place its predictions."""
    found = _match_ids(solution, chunk[solution.id_column], row0, log) if has_ids else None
    if found is not None:
        _note_duplicates(solution, found, seen, row0, log)
    converted = [_convert(solution, chunk[column], column, row0, log) for column in value_columns]
    if found is not None and len(value_columns) == len(solution.prediction_columns) and not log:
        # Only a clean file's values are kept: with problems nothing is scored.
        rows = np.flatnonzero(found >= 0)
        _place(predictions, converted, found[rows], rows)


def _match_ids(solution: Solution, series: pd.Series, row0: int, log: ProblemLog) -> np.ndarray:
    """Solution row of each submission row (-1 when blank or unknown)."""
    column = solution.id_column
    if series.dtype == np.int64:  # canonical integers (see Table.integer_ids): none blank, text = str(value)
        values_ = series.to_numpy()
        found = solution.index.lookup_ints(values_, start=row0 - 2)
        _report_unknown(column, np.flatnonzero(found < 0), values_, row0, log)
        return found
    ids, too_long = idmod.encode(series, solution.index.width)
    found = solution.index.lookup(ids, start=row0 - 2)
    blank = ids == b""
    if too_long is not None:
        blank &= ~too_long
    if too_long is not None:
        found[too_long] = -1
    found[blank] = -1
    if blank.any():
        rows = np.flatnonzero(blank) + row0
        log.add_rows("empty_value", column, rows, [], lambda total, text, ex: (
            f"Column {column!r} has {total} empty id{'s' * (total > 1)} ({text})."
        ))
    _report_unknown(column, np.flatnonzero((found < 0) & ~blank), series.to_numpy(), row0, log)
    return found


def _report_unknown(column: str, where: np.ndarray, cells: np.ndarray, row0: int, log: ProblemLog) -> None:
    if where.size:
        examples = [quote(str(v)) for v in cells[where[:5]]]
        log.add_rows("unexpected_ids", column, where + row0, examples, lambda total, text, ex: (
            f"{total} id{'s are' if total > 1 else ' is'} not in the test set, e.g. {', '.join(ex[:3])} ({text}). "
            "Ids are compared as exact text, so '7', '7.0' and '007' differ."
        ))


def _check_missing(solution: Solution, seen: np.ndarray, log: ProblemLog) -> None:
    """Ids in the solution that no submission row used."""
    missing = np.flatnonzero(~seen)
    if missing.size:
        shown = ", ".join(repr(v) for v in idmod.decode(solution.ids[missing[:5]]))
        more = f" and {missing.size - 5} more" if missing.size > 5 else ""
        log.add(Problem(
            "missing_ids",
            f"{missing.size} id{'s' * (missing.size > 1)} from the test set "
            f"{'are' if missing.size > 1 else 'is'} missing: {shown}{more}. Every test id needs one row.",
            None, solution.id_column,
        ))


def _note_duplicates(solution: Solution, found: np.ndarray, seen: np.ndarray, row0: int, log: ProblemLog) -> None:
    """Report rows whose id was already used (earlier in this chunk or before), then mark ids seen.

    A bool per solution row is all the state this needs, however large the file.
    """
    rows = np.flatnonzero(found >= 0)
    targets = found[rows]
    if not seen[targets].any():  # no id used before: count instead of sorting, the common case
        before = np.count_nonzero(seen)
        seen[targets] = True
        if np.count_nonzero(seen) - before == targets.size:
            return
        seen[targets] = False  # some id repeats within the chunk: find which below
    order = np.argsort(targets, kind="stable")
    repeat_in_chunk = np.zeros(rows.size, dtype=bool)
    repeat_in_chunk[order[1:]] = targets[order[1:]] == targets[order[:-1]]
    repeat = repeat_in_chunk | seen[targets]
    seen[targets] = True
    if repeat.any():
        dup_rows = rows[repeat]
        examples = [repr(v) for v in idmod.decode(solution.ids[found[dup_rows[:5]]])]
        column = solution.id_column
        log.add_rows("duplicate_ids", column, dup_rows + row0, examples, lambda total, text, ex: (
            f"{total} row{'s repeat ids' if total > 1 else ' repeats an id'} already used on an earlier row, "
            f"e.g. {', '.join(ex[:3])} ({text}). Each id must appear once."
        ))
