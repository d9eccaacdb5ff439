"""The entry points the platform and the command line use."""
from __future__ import annotations

import math

from . import plugins, uncertainty, validate
from .limits import Limits
from .metrics.base import RowMean
from .problems import MetricError, Problem, SubmissionError
from .result import ScoreResult
from .solution import Solution, resolve, take
from .version import SCORER_VERSION


def validate_submission(solution, submission, metric=None, *, limits: Limits | None = None,
                        test_columns=None, **params) -> list[Problem]:
    """Every problem with ``submission`` (an empty list if it is valid); no score.

    ``solution`` is a source (path, bytes, binary file object, DataFrame) or a
    Solution from :func:`scoring.read_solution`; ``metric`` may be omitted for
    a Solution.  ``id_column`` may be passed among ``params``.  Problems in the
    solution or the call raise SolutionError or ValueError.  ``limits`` (a
    scoring.Limits) bounds the work the submission may cause: inflated size,
    header width, line length and how many problems are listed.
    ``test_columns``, the columns of the competition's test file if known, lets a
    file that is the test file itself be named as such in one problem first.
    """
    parsed = resolve(solution, metric, params)
    problems, _ = validate.check(parsed, submission, limits, test_columns=test_columns)
    return problems


def check_ids(solution, source, metric=None, *, limits: Limits | None = None, **params) -> list[Problem]:
    """Problems with the ids in ``source`` (an empty list if they are exactly the solution's).

    Only the id column is read, so ``source`` may be any table with the solution's
    id column: an organizer's test file with features, a sample submission.  Its
    problems have the codes and messages of :func:`validate_submission`'s id
    problems (``missing_columns`` for the id column, ``empty_value``,
    ``duplicate_ids``, ``unexpected_ids``, ``missing_ids``), or a file-level code
    (``not_csv``, ``bad_encoding``, ``empty_file``) for a file that cannot be read.
    The arguments are those of :func:`validate_submission`.
    """
    parsed = resolve(solution, metric, params)
    return validate.check_ids(parsed, source, limits)


def score_submission(solution, submission, metric=None, *, limits: Limits | None = None,
                     test_columns=None, **params) -> ScoreResult:
    """Score ``submission`` against ``solution`` (see validate_submission for the
    arguments).  Raises SubmissionError listing every problem if it is invalid."""
    parsed = resolve(solution, metric, params)
    problems, predictions = validate.check(parsed, submission, limits, test_columns=test_columns)
    if problems:
        raise SubmissionError(problems)
    return evaluate(parsed, predictions)


def evaluate(solution: Solution, predictions) -> ScoreResult:
    """Scores and intervals for predictions already aligned to solution rows.

    A plugin metric's computations run under :func:`scoring.plugins.run_guarded`:
    whatever it raises, its running out of time and a non-finite score for a part
    become MetricError.
    """
    metric = solution.metric
    if metric.plugin is None:
        return _evaluate(solution, predictions)
    result = plugins.run_guarded(metric, lambda: _evaluate(solution, predictions))
    for part in ("public", "private", "overall"):
        score = getattr(result, part)
        if score is not None and not math.isfinite(score):
            raise MetricError(metric.name, metric.plugin, "non_finite",
                              f"gave a non-finite score ({score}) for the {part} rows")
    return result


def _evaluate(solution: Solution, predictions) -> ScoreResult:
    metric, ctx = solution.metric, solution.context
    truth, scorer = solution.truth, metric
    if metric.row_values is not None:
        # Decomposable: per-row losses once for every row; parts and resamples reuse them.
        truth = predictions = metric.row_values(solution.truth, predictions, ctx)
        scorer = RowMean(metric.finish)
    scores, counts, reps, notes = {}, {}, {}, []
    for part in ("public", "private", "overall"):
        rows = solution.rows(part)
        counts[part] = solution.count(part)
        if counts[part] == 0:
            scores[part] = None
        elif solution.usage is None and part != "public":
            # Without Usage every part is every row: reuse the public work.
            scores[part] = scores["public"]
            if part == "private":
                reps[part] = reps["public"]
        else:
            y, p = take(truth, rows), take(predictions, rows)  # rows None: no copy
            weights = take(solution.weights, rows) if solution.weights is not None else None
            scores[part] = _score(scorer, y, p, ctx, weights)
            if part != "overall":
                reps[part] = uncertainty.replicates(scorer, y, p, ctx, scores[part], part, take, weights)
            if metric.notes is not None:
                where = "every row" if solution.usage is None else f"the {part} rows"
                notes += [f"{where}: {note}" for note in metric.notes(take(solution.truth, rows), weights, ctx)]
    return ScoreResult(
        metric=metric.name,
        greater_is_better=metric.greater_is_better,
        public=scores["public"],
        private=scores["private"],
        overall=scores["overall"],
        public_ci=uncertainty.interval(reps["public"]) if "public" in reps else None,
        private_ci=uncertainty.interval(reps["private"]) if "private" in reps else None,
        n_public=counts["public"],
        n_private=counts["private"],
        n_overall=counts["overall"],
        scorer_version=SCORER_VERSION,
        notes=tuple(notes),
        _replicates={k: v for k, v in reps.items() if k in ("public", "private")},
        _fingerprint=solution.fingerprint,
    )


def _score(scorer, y, p, ctx, weights) -> float:
    """The score of one part: unit weights, or the sample weights as the one row of weights."""
    if weights is None:
        return scorer.score(y, p, ctx)
    return float(scorer.compute(y, p, weights[None, :], ctx)[0])
