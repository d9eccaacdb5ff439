"""Background jobs: scoring queued uploads, re-scoring after a solution change, and recovery.

No Flask and no queue library here: webapp/jobs.py runs these on Huey. A queue message
is gone once a worker takes it, so the database is the truth, not the queue:

- a queued upload has status 'queued' and holds its quota slot (competitions/submitting.py);
- a worker *claims* it ('scoring', scoring_started_at = now, attempts + 1) in one guarded
  UPDATE, scores it with no transaction open, then finishes it only if its claim still
  holds (same attempt): a worker killed mid-job leaves a lease that expires, and a later
  claim's finish is the only one that counts, so a file is scored exactly once;
- a re-score is due wherever a scorable submission is not scored against the current
  solution version; a job for an older version does nothing;
- recover() lists what is due (queued rows, expired leases, unfinished re-scores) so the
  worker's start-up and a periodic task can queue it again. Every job is idempotent.

These functions are called by the worker, not by a caller with work of its own, and they
commit in steps (claim, score with nothing open, finish) for the reasons above.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

import scoring

from . import quota, rescoring, solutions, standings
from .models import Competition, Solution, Status, Submission, SubmissionScore, User
from .scorer import ScoringFailed, score_stored
from .storage import Storage
from .submitting import _apply_result, _record_history

# A file whose scoring was cut off this many times (worker killed, out of memory...) is
# marked 'error' and its slot given back, rather than take every worker down in turn.
MAX_ATTEMPTS = 5
GAVE_UP = {"code": "scoring_interrupted", "message": "Scoring this file was interrupted too many times. It "
           "has been logged for the organizers, and the file did not use a submission.", "row": None, "column": None}


@dataclass
class Due:
    """What recover() found waiting: submission ids to score, (competition id, version) to re-score."""

    submissions: list[int] = field(default_factory=list)
    rescores: list[tuple[int, int]] = field(default_factory=list)
    gave_up: list[int] = field(default_factory=list)


def _claimable(now: datetime, lease: timedelta, queued_before: datetime | None = None):
    expired = and_(Submission.status == Status.SCORING.value, Submission.scoring_started_at < now - lease)
    queued = Submission.status == Status.QUEUED.value
    if queued_before is not None:
        queued = and_(queued, Submission.created_at <= queued_before)
    return or_(queued, expired)


def claim(session: Session, submission_id: int, now: datetime, lease: timedelta) -> int | None:
    """Take a queued submission, or one whose lease expired; the attempt number, or None (nothing to do:
    already scored, or another worker holds a live lease). Commits."""
    taken = session.execute(
        update(Submission)
        .where(Submission.id == submission_id, _claimable(now, lease), Submission.attempts < MAX_ATTEMPTS)
        .values(status=Status.SCORING.value, scoring_started_at=now, attempts=Submission.attempts + 1)
        .execution_options(synchronize_session=False))
    if taken.rowcount != 1:
        session.rollback()
        return None
    attempt = session.scalar(select(Submission.attempts).where(Submission.id == submission_id))
    session.commit()
    return attempt


def score_queued(session: Session, storage: Storage, submission_id: int, *, now: Callable[[], datetime],
                 lease: timedelta, limits: scoring.Limits | None = None,
                 before_scoring: Callable[[], None] | None = None) -> str:
    """Score one queued upload; returns what happened ('skipped', 'superseded', or the final status).

    Commits in steps, as submit() does: the claim, then (no transaction open) the scoring, then
    the result with the quota, history and standings in one transaction. `now` is a clock: the
    claim and the finish each read it. `before_scoring` is the tests' hook into the gap.
    """
    attempt = claim(session, submission_id, now(), lease)
    if attempt is None:
        return "skipped"
    while True:
        row = session.get(Submission, submission_id, populate_existing=True)
        competition = row.competition
        solution = solutions.current_solution(session, competition)
        session.commit()  # no transaction open while scoring: a worker's session writes (BEGIN IMMEDIATE)
        if before_scoring is not None:
            before_scoring()
        status, result, problems = _score(storage, competition, solution, row.file_sha256, limits)
        outcome = _finish(session, storage, submission_id, attempt, solution.version, status, result, problems,
                          now())
        if outcome != "stale":
            return outcome
        # A new solution was installed meanwhile: score against it instead (its re-score skipped this row).


def _score(storage: Storage, competition: Competition, solution: Solution, sha256: str, limits):
    try:
        return Status.SCORED.value, score_stored(storage, competition, solution, sha256, limits), []
    except scoring.SubmissionError as exc:
        return Status.INVALID.value, None, [p.to_dict() for p in exc.problems]
    except ScoringFailed as exc:  # logged by the scorer; MetricFailed (a plugin's fault) included
        return Status.ERROR.value, None, [dict(exc.problem)]


def _finish(session: Session, storage: Storage, submission_id: int, attempt: int, version: int, status: str,
            result, problems: list, now: datetime) -> str:
    row = _locked_row(session, submission_id)
    if row is None or row.status != Status.SCORING.value or row.attempts != attempt:
        session.rollback()  # another worker took it over after our lease expired: its result counts
        return "superseded"
    current = solutions.current_solution(session, row.competition)
    if current is None or current.version != version:
        session.rollback()
        return "stale"
    row.solution_version, row.scorer_version = version, scoring.SCORER_VERSION
    if status == Status.SCORED.value:
        _apply_result(row, result)
        _record_history(session, row)
    else:
        _give_back(session, row, status, problems)
    session.flush()
    standings.refresh_team(session, row.competition, row.team, storage)
    session.commit()
    if status == Status.SCORED.value:
        # The learner's feedback, as an instant upload gets it, from the result just computed.
        from . import progress  # progress reads the boards, which import this module's neighbours

        progress.record(session, storage, row.competition, row, result)
        session.commit()
    return status


def _locked_row(session: Session, submission_id: int) -> Submission | None:
    """The row with its team locked (as uploads and merges lock it), re-read after the lock."""
    while True:
        row = session.get(Submission, submission_id, populate_existing=True)
        if row is None:
            return None
        team_id = row.team_id
        quota.lock_team(session, team_id)
        row = session.get(Submission, submission_id, populate_existing=True)
        if row is None or row.team_id == team_id:  # not moved by a merge before the lock
            return row


def _give_back(session: Session, row: Submission, status: str, problems: list) -> None:
    """An invalid or failed file uses no submission: its slot, taken when it was queued, is returned."""
    row.status, row.problems = status, problems
    row.public_score = row.private_score = None
    quota.release_quota(session, row.team_id, quota.utc_day(row.created_at))


def rescore(session: Session, storage: Storage, competition_id: int, version: int, now: Callable[[], datetime],
            *, actor_id: int | None = None, from_version: int | None = None) -> int | None:
    """Re-score a competition's submissions against solution `version`, if it is still current;
    how many scores changed, or None when there was nothing to do. Scores with no transaction
    open, then writes every row, the history and the standings in one transaction: the boards
    change only when it is done. Commits."""
    competition = session.get(Competition, competition_id)
    solution = solutions.current_solution(session, competition) if competition else None
    if solution is None or solution.version != version:
        session.rollback()
        return None  # an older version's re-score: the newer one's job covers it
    rows = rescoring.pending_rescore(session, competition, version)
    if not rows:
        session.rollback()
        return None
    parsed = solutions.load_parsed(storage, competition, solution)
    session.commit()
    changes = rescoring.score_pending(storage, competition, parsed, rows)
    competition = session.get(Competition, competition_id, populate_existing=True)
    current = solutions.current_solution(session, competition)
    if current is None or current.version != version:
        session.rollback()
        return None
    for row, _ in changes:
        session.refresh(row)  # another worker may have finished this re-score meanwhile
    # A re-score resumed by recover() no longer knows who asked for it; the log says so.
    actor = session.get(User, actor_id) if actor_id is not None else None
    details = {} if actor_id is not None else {"resumed": True}
    changed = rescoring.apply_rescore(session, competition, version, changes, now(), actor=actor,
                                      from_version=from_version, details=details, storage=storage)
    session.commit()
    return changed


def recover(session: Session, now: datetime, lease: timedelta, queued_grace: timedelta = timedelta(0)) -> Due:
    """What is due again: uploads queued at least `queued_grace` ago, expired leases, unfinished
    re-scores. Uploads cut off MAX_ATTEMPTS times are given up ('error', slot returned) here. Commits."""
    due = Due()
    worn_out = select(Submission.id).where(_claimable(now, lease), Submission.attempts >= MAX_ATTEMPTS)
    for submission_id in list(session.scalars(worn_out)):
        row = _locked_row(session, submission_id)
        if row is not None:  # never scored, so never on a board: no standing changes
            _give_back(session, row, Status.ERROR.value, [dict(GAVE_UP)])
            due.gave_up.append(submission_id)
    session.commit()
    due.submissions = list(session.scalars(select(Submission.id).where(_claimable(now, lease, now - queued_grace))
                                           .order_by(Submission.id)))
    due.rescores = _unfinished_rescores(session)
    session.commit()
    return due


def _unfinished_rescores(session: Session) -> list[tuple[int, int]]:
    ever_scored = select(SubmissionScore.id).where(SubmissionScore.submission_id == Submission.id).exists()
    query = (select(Submission.competition_id, Solution.version).distinct()
             .join(Solution, and_(Solution.competition_id == Submission.competition_id, Solution.is_current))
             .where(or_(Submission.status.in_([Status.SCORED.value, Status.ERROR.value]), ever_scored),
                    or_(Submission.solution_version.is_(None), Submission.solution_version != Solution.version))
             .order_by(Submission.competition_id))
    return [(competition_id, version) for competition_id, version in session.execute(query)]
