"""The bridge to scoring/: scores a stored file against a stored solution."""
from __future__ import annotations

import logging

import scoring

from . import previews, solutions
from .models import Competition, Solution
from .storage import Storage

log = logging.getLogger("holdout.scorer")


class ScoringFailed(Exception):
    """The scorer broke on a submission it had accepted: a bug, recorded as status 'error'.

    ``problem`` is what the submission records (the learner sees it too).
    """

    problem = {"code": "scorer_error", "message": "The scorer failed on this file. The error has been logged "
               "for the organizers, and the file did not use a submission.", "row": None, "column": None}


class MetricFailed(ScoringFailed):
    """The competition's metric, a plugin, failed on a file (raised, gave a non-finite score or ran out
    of time): the organizers' to fix, not a server error. Recorded as status 'error', no quota used.

    The recorded problem says what kind of failure it was; what the plugin raised may quote the
    solution, so only the log has it.
    """

    _WHAT = {"raised": "it raised an error", "non_finite": "it gave a score that is not a finite number",
             "time_limit": "it took longer than the time limit"}

    def __init__(self, error: scoring.MetricError):
        super().__init__(str(error))
        what = self._WHAT.get(error.reason, "it failed")
        self.problem = {
            "code": "metric_error",
            "message": f"The competition's metric {error.metric!r} (a plugin) failed on this file: {what}. "
                       "This is for the organizers to fix; the details are in the server log, and the file "
                       "did not use a submission.",
            "row": None, "column": None,
        }


def score_stored(storage: Storage, competition: Competition, solution: Solution, sha256: str,
                 limits: scoring.Limits | None = None):
    """A ScoreResult, or SubmissionError with the learner's problems."""
    return score_against(storage, competition, solutions.load_parsed(storage, competition, solution), sha256, limits)


def score_against(storage: Storage, competition: Competition, parsed, sha256: str,
                  limits: scoring.Limits | None = None):
    """Score a stored file against an already parsed solution: uploads and re-scores both come
    here, so a scorer failure is handled the same way everywhere (ScoringFailed). ``limits``
    bound the work (the platform's configured ones for uploads; the scorer's defaults, at
    least as generous, for re-scoring files accepted before)."""
    with storage.open(sha256) as handle:
        try:
            return scoring.score_submission(parsed, handle, competition.metric, limits=limits,
                                            test_columns=previews.test_file_columns(competition),
                                            **_params(competition))
        except scoring.SubmissionError:
            raise
        except scoring.MetricError as exc:
            raise _metric_failed(competition, sha256, exc) from exc
        except Exception as exc:  # noqa: BLE001 - any other failure is ours, never the learner's
            log.exception("scoring failed for competition %s, file %s", competition.slug, sha256)
            raise ScoringFailed(str(exc)) from exc


def validate_stored(storage: Storage, competition: Competition, solution: Solution, sha256: str,
                    limits: scoring.Limits | None = None) -> list:
    with storage.open(sha256) as handle:
        return validate_stream(storage, competition, solution, handle, limits)


def validate_stream(storage: Storage, competition: Competition, solution: Solution, stream,
                    limits: scoring.Limits | None = None) -> list:
    """The learner's problems with a file, which need not be stored."""
    parsed = solutions.load_parsed(storage, competition, solution)
    try:
        return list(scoring.validate_submission(parsed, stream, competition.metric, limits=limits,
                                                test_columns=previews.test_file_columns(competition),
                                                **_params(competition)))
    except scoring.MetricError as exc:  # a plugin's check of the predictions failed
        raise _metric_failed(competition, None, exc) from exc


def _metric_failed(competition: Competition, sha256: str | None, error: scoring.MetricError) -> MetricFailed:
    # The organizer-facing message, with whatever the plugin raised: the log only.
    log.error("metric plugin failed for competition %s, file %s: %s", competition.slug, sha256 or "(not stored)",
              error, exc_info=error.__cause__ is not None)
    return MetricFailed(error)


def _params(competition: Competition) -> dict:
    # The parsed solution already knows its id column; only metric parameters go along.
    return dict(competition.metric_params or {})
