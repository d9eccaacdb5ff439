"""Holdout's scoring engine: Kaggle-conformant metrics, row-level validation,
public/private splits and bootstrap score intervals.

Pure Python on pandas and numpy (scikit-learn appears only in its tests, as the
reference some metrics are checked against); learners can run it offline
(``python -m scoring``) and get exactly the server's numbers.
"""
from .api import check_ids, score_submission, validate_submission
from .limits import Limits, cap_problems
from .metrics import METRICS, Metric, get_metric
from .problems import MetricError, Problem, SolutionError, SubmissionError
from .result import Comparison, ScoreResult
from .sample import sample_submission
from .solution import Solution, read_solution
from .split import assign_usage
from .uncertainty import compare
from .version import SCORER_VERSION

__version__ = SCORER_VERSION

__all__ = [
    "METRICS",
    "SCORER_VERSION",
    "Comparison",
    "Limits",
    "Metric",
    "MetricError",
    "Problem",
    "ScoreResult",
    "Solution",
    "SolutionError",
    "SubmissionError",
    "__version__",
    "assign_usage",
    "cap_problems",
    "check_ids",
    "compare",
    "get_metric",
    "read_solution",
    "sample_submission",
    "score_submission",
    "validate_submission",
]
