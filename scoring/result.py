"""ScoreResult: what scoring a submission returns."""
from __future__ import annotations

import math
from dataclasses import dataclass, field


def _num(value):
    """A JSON-safe float (None for missing or NaN)."""
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) or math.isinf(value) else value


def _interval(ci):
    return None if ci is None else [_num(ci[0]), _num(ci[1])]


@dataclass(frozen=True)
class ScoreResult:
    """The scores of one submission.

    - ``metric`` (name) and ``greater_is_better``;
    - ``public``, ``private``, ``overall``: scores on the Public rows, the Private
      rows and all non-Ignored rows (None when a part has no rows).  Without a
      Usage column all three are the score on every row;
    - ``public_ci``, ``private_ci``: 95% bootstrap intervals (low, high), or None;
    - ``n_public``, ``n_private``, ``n_overall``: rows scored in each part;
    - ``scorer_version``: the scoring package version that produced it;
    - ``notes``: remarks on how the parts were scored that are not errors, such as a
      multi-label column left out of a part's mean (empty for most metrics).  They
      come from the solution alone, the same for every submission.

    Bootstrap replicates kept for :func:`scoring.compare` are private fields,
    excluded from equality, repr and :meth:`to_dict`.
    """

    metric: str
    greater_is_better: bool
    public: float | None
    private: float | None
    overall: float | None
    public_ci: tuple[float, float] | None
    private_ci: tuple[float, float] | None
    n_public: int
    n_private: int
    n_overall: int
    scorer_version: str
    notes: tuple = ()
    _replicates: dict = field(default=None, compare=False, repr=False)
    _fingerprint: str = field(default="", compare=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "notes", tuple(self.notes))  # to_dict() gives a list back

    def to_dict(self) -> dict:
        """JSON-safe dict of the public fields (intervals as 2-item lists)."""
        return {
            "metric": self.metric,
            "greater_is_better": self.greater_is_better,
            "public": _num(self.public),
            "private": _num(self.private),
            "overall": _num(self.overall),
            "public_ci": _interval(self.public_ci),
            "private_ci": _interval(self.private_ci),
            "n_public": int(self.n_public),
            "n_private": int(self.n_private),
            "n_overall": int(self.n_overall),
            "scorer_version": self.scorer_version,
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class Comparison:
    """The paired comparison of two results on one part of the same solution.

    ``difference`` is score(a) - score(b); ``ci`` its 95% paired-bootstrap
    interval; ``p_value`` a two-sided bootstrap p-value for "no difference";
    ``distinguishable`` is True when the interval excludes 0, and ``better`` is
    'a', 'b' or None accordingly (taking ``greater_is_better`` into account).
    """

    metric: str
    part: str
    difference: float
    ci: tuple[float, float]
    p_value: float
    distinguishable: bool
    better: str | None
    n_rows: int

    def to_dict(self) -> dict:
        return {
            "metric": self.metric, "part": self.part, "difference": _num(self.difference),
            "ci": _interval(self.ci), "p_value": _num(self.p_value),
            "distinguishable": bool(self.distinguishable), "better": self.better, "n_rows": int(self.n_rows),
        }


