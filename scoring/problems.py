"""What can be wrong with a submission or a solution, and how it is reported.

A submission's problems are the learner's to fix; they are collected in one pass
and raised together as :class:`SubmissionError`.  A bad solution or call is the
organizer's to fix and raises :class:`SolutionError` (or plain ``ValueError``).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

# How many example rows a message quotes before summarising with a count.
EXAMPLE_ROWS = 5


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a submission.

    ``code`` is a stable snake_case string, ``message`` is written for the learner,
    ``row`` is the first offending line (1-based, the header is line 1) or None
    when the problem is not tied to a line, ``column`` names the column or None.
    """

    code: str
    message: str
    row: int | None = None
    column: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


class SubmissionError(ValueError):
    """The submission is invalid; ``.problems`` lists every problem found."""

    def __init__(self, problems):
        self.problems = list(problems)
        first = self.problems[0].message if self.problems else "invalid submission"
        more = len(self.problems) - 1
        super().__init__(first + (f" (and {more} more problem{'s' * (more > 1)})" if more > 0 else ""))


class SolutionError(ValueError):
    """The solution file (the organizer's answer key) cannot be used."""


class MetricError(RuntimeError):
    """A plugin metric failed on a submission that passed validation.

    ``reason`` is ``"raised"`` (an exception, or a result of the wrong shape),
    ``"non_finite"`` (a part's score is NaN or infinite) or ``"time_limit"``.
    The message names the metric and its plugin and may quote what the plugin
    raised, which may mention solution values: it is for the organizer or the
    administrator, never the learner.  Not a ValueError: the file is not at fault.
    """

    def __init__(self, metric: str, plugin: str | None, reason: str, detail: str):
        self.metric, self.plugin, self.reason, self.detail = metric, plugin, reason, detail
        source = f" (plugin {plugin})" if plugin else ""
        super().__init__(f"metric {metric!r}{source} {detail}")


def quote(value, limit: int = 40) -> str:
    """Quote a learner's value for a message, shortened so a huge cell stays readable."""
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return repr(text)


def rows_phrase(rows, total: int) -> str:
    """'row 5' / 'rows 5, 9, 12' / 'rows 5, 9, 12, 13, 20 and 995 more'."""
    shown = [str(r) for r in rows[:EXAMPLE_ROWS]]
    if total == 1:
        return f"row {shown[0]}"
    text = "rows " + ", ".join(shown)
    if total > len(shown):
        text += f" and {total - len(shown)} more"
    return text


class ProblemLog:
    """Collects problems compactly: one entry per (code, column), however many rows.

    Rows arrive chunk by chunk as numpy arrays of 1-based line numbers; only the
    first few rows and examples are kept, plus a running total, so a million bad
    rows cost no more memory than five.
    """

    def __init__(self):
        self._entries: dict[tuple[str, str | None], dict] = {}
        self._order: list[tuple[str, str | None]] = []
        self._fixed: list[Problem] = []

    def add(self, problem: Problem) -> None:
        """Record a problem whose message is already complete."""
        self._fixed.append(problem)

    def add_rows(self, code, column, rows, examples=(), describe=None) -> None:
        """Record offending ``rows`` (1-based) with matching learner ``examples``.

        ``describe(total, rows_text, first_examples)`` builds the final message.
        """
        rows = np.asarray(rows)
        if rows.size == 0:
            return
        key = (code, column)
        entry = self._entries.get(key)
        if entry is None:
            entry = {"rows": [], "examples": [], "total": 0, "describe": describe}
            self._entries[key] = entry
            self._order.append(key)
        room = EXAMPLE_ROWS - len(entry["rows"])
        if room > 0:
            entry["rows"].extend(int(r) for r in rows[:room])
            entry["examples"].extend(list(examples[:room]))
        entry["total"] += int(rows.size)

    def has(self, code: str) -> bool:
        return any(k[0] == code for k in self._order) or any(p.code == code for p in self._fixed)

    def problems(self) -> list[Problem]:
        out = list(self._fixed)
        for code, column in self._order:
            e = self._entries[(code, column)]
            text = e["describe"](e["total"], rows_phrase(e["rows"], e["total"]), e["examples"])
            out.append(Problem(code, text, e["rows"][0], column))
        return out

    def __bool__(self) -> bool:
        return bool(self._fixed or self._order)
