"""Bounds on the work one file may cause, checked before pandas parses anything.

A small upload can be a large cost: a gzip or zip of a few megabytes may inflate
to gigabytes (a "bomb"), one line may be gigabytes long, a header may have a
million columns, and each of those would otherwise turn into memory, time and a
huge list of problems.  :class:`Limits` bounds each; the defaults suit offline
use (``python -m scoring``), and the platform passes its configured values.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .problems import Problem

MIB = 1 << 20


@dataclass(frozen=True)
class Limits:
    """``max_inflated_bytes``: the most a compressed file (.csv.gz, .zip) may decompress to;
    ``max_columns``: fields in the header line; ``max_line_bytes``: bytes in any one line;
    ``max_problems``: problems listed before the rest are summarised, one line per code."""

    max_inflated_bytes: int = 4096 * MIB
    max_columns: int = 10_000
    max_line_bytes: int = MIB
    max_problems: int = 100

    def __post_init__(self):
        for name in ("max_inflated_bytes", "max_columns", "max_line_bytes", "max_problems"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"Limits.{name} must be a positive integer, got {value!r}")


DEFAULT_LIMITS = Limits()


def cap_problems(problems: list[Problem], limit: int = DEFAULT_LIMITS.max_problems) -> list[Problem]:
    """The first ``limit`` problems, then one summary per code for the rest, in order of first appearance."""
    problems = list(problems)
    if len(problems) <= limit:
        return problems
    rest = Counter(p.code for p in problems[limit:])
    summaries = [
        Problem(code, f"And {count:,} more problem{'s' * (count > 1)} of the same kind ({code}), not listed: "
                f"only the first {limit:,} problems are shown.", None, None)
        for code, count in rest.items()
    ]
    return problems[:limit] + summaries
