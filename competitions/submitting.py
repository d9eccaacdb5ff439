"""Learners' submissions: validate, take quota, score, record.

Scoring runs before the write transaction, so a slow file never holds a
lock; the quota is then taken and the scored row inserted in one
transaction. Invalid files are recorded too (the audit trail) and use no quota.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

import scoring

from . import db, housekeeping, quota, solutions, standings
from .db import has_pending_changes
from .errors import DomainError, Forbidden, NotFound, QuotaExceeded
from .models import Competition, State, Status, Submission, SubmissionScore, Team, User
from .participation import require_team
from .scorer import ScoringFailed, score_stored, validate_stored, validate_stream
from .storage import Storage

MAX_DESCRIPTION = 500


class InvalidSubmission(DomainError):
    """The file has problems; `problems` lists them all. No quota was used."""

    status = 422
    code = "invalid_submission"

    def __init__(self, submission: Submission | None, problems: list[dict]):
        count = len(problems)
        super().__init__(f"The file has {count} problem{'s' if count != 1 else ''}; nothing was scored "
                         "and no submission was used.")
        self.submission = submission
        self.problems = problems

    def details(self) -> dict:
        extra = {"problems": self.problems}
        if self.submission is not None and self.submission.id is not None:
            extra["submission_id"] = self.submission.id
        return extra


@dataclass(frozen=True)
class UploadPolicy:
    """What one upload may cost: the scorer's limits (inflated size, header width, line length,
    problems listed), how long invalid files are kept, and the per-team budget they count against."""

    limits: scoring.Limits = field(default_factory=scoring.Limits)
    invalid_retention_days: int = 7
    team_storage_bytes: int = 1000 << 20
    # Files of at least this size are queued for a worker (competitions/jobs.py); None: never.
    queue_from_bytes: int | None = None


DEFAULT_POLICY = UploadPolicy()


class StorageBudgetExceeded(DomainError):
    """The team's invalid files kept within the retention period reached its storage budget."""

    status = 429
    code = "storage_budget_exceeded"


@dataclass(frozen=True)
class Receipt:
    submission: Submission
    quota: quota.QuotaView
    # The scorer's result on the instant path (None when queued): the upload's feedback compares
    # it with the team's best without scoring the file again (competitions/progress.py).
    result: scoring.ScoreResult | None = None

    @property
    def queued(self) -> bool:
        """Left for a worker: the caller queues its job (after this commit) and answers 'accepted'."""
        return self.submission.status == Status.QUEUED.value


def submit(session: Session, storage: Storage, competition: Competition, user: User, file_name: str,
           stream: BinaryIO, description: str, now: datetime, policy: UploadPolicy | None = None) -> Receipt:
    """Score and record one upload.

    Unlike other use cases this one commits, in steps: it ends its read
    transaction before storing and scoring the file (a write transaction holds
    SQLite's write lock, and a large file must not block everyone), records an
    invalid or failed file on its own, and commits the quota and the scored row
    together. So it refuses a session that holds
    the caller's uncommitted changes rather than commit them by surprise.
    """
    _require_clean(session)
    policy = policy or DEFAULT_POLICY
    description, file_name = _description(description), _file_name(file_name)
    team = _ready_team(session, competition, user, now)
    solution = _require_solution(session, competition)
    _check_budget(session, team, now, policy)
    quota_spent = quota.quota_view(session, competition, team, now).remaining_today <= 0
    # End the read transaction before the slow part: a write transaction holds SQLite's
    # write lock, and scoring a large file must not block other users.
    session.commit()
    # Every later step writes: their transactions take the write lock up front (BEGIN
    # IMMEDIATE), whichever mode the caller's session had (competitions/db.py).
    db.set_mode(session, db.WRITE)
    stored = storage.put(stream)
    row = Submission(competition_id=competition.id, competition=competition, team_id=team.id, user_id=user.id, created_at=now,
                     description=description, file_name=file_name,
                     file_sha256=stored.sha256, file_size=stored.size,
                     solution_version=solution.version, scorer_version=scoring.SCORER_VERSION)
    if policy.queue_from_bytes is not None and stored.size >= policy.queue_from_bytes:
        return _queue(session, storage, competition, user, row, now)
    try:
        if quota_spent:
            # Still teach: list the file's problems, but skip the work of scoring it.
            _refuse_spent(session, storage, competition, solution, team, row, now, policy.limits)
        result = score_stored(storage, competition, solution, stored.sha256, policy.limits)
    except QuotaExceeded:
        session.rollback()
        housekeeping.discard_refused(session, storage, stored.sha256)  # a refused file is not kept
        session.commit()
        raise
    except scoring.SubmissionError as exc:
        problems = [p.to_dict() for p in exc.problems]
        row.team_id = _lock_current_team(session, competition, user).id
        _record_invalid(session, row, problems)
        raise InvalidSubmission(row, problems) from None
    except ScoringFailed as exc:
        row.team_id = _lock_current_team(session, competition, user).id
        row.status = Status.ERROR.value
        row.problems = [dict(exc.problem)]
        session.add(row)
        session.commit()
        raise
    # The team may have merged while the file was scored: count it where the user is now.
    team = _lock_current_team(session, competition, user)
    row.team_id = team.id
    try:
        quota.take_quota(session, competition, team, now)
    except QuotaExceeded:
        # Only this step's own work is undone: the session was clean on entry (see above).
        session.rollback()
        housekeeping.discard_refused(session, storage, stored.sha256)
        session.commit()
        raise
    _apply_result(row, result)
    session.add(row)
    session.flush()
    _record_history(session, row)
    standings.refresh_team(session, competition, team, storage)
    session.commit()
    return Receipt(row, quota.quota_view(session, competition, team, now), result)


def _queue(session: Session, storage: Storage, competition: Competition, user: User, row: Submission,
           now: datetime) -> Receipt:
    """Record a large file as queued. Its quota slot is taken now, in the same transaction as the
    row, so the day's limit stays exact while it waits; its job gives the slot back if the file
    turns out invalid. A spent quota refuses it here, unscored (listing a large file's problems
    is the slow work a queue exists to keep out of the request)."""
    team = _lock_current_team(session, competition, user)
    row.team_id = team.id
    try:
        quota.take_quota(session, competition, team, now)
    except QuotaExceeded:
        session.rollback()
        housekeeping.discard_refused(session, storage, row.file_sha256)
        session.commit()
        raise
    row.status, row.problems = Status.QUEUED.value, []
    session.add(row)
    session.flush()
    view = quota.quota_view(session, competition, team, now)
    session.commit()  # nothing left open: the job may run at once, in this process (tests) or another
    return Receipt(row, view)


def validate_only(session: Session, storage: Storage, competition: Competition, user: User,
                  stream: BinaryIO, now: datetime, policy: UploadPolicy | None = None) -> list[dict]:
    """The same checks as submit, with no score, no quota and no record.

    Commits its read transaction before reading the file, as submit() does and
    for the same reason, so it too refuses a session with pending changes.
    """
    _require_clean(session)
    _ready_team(session, competition, user, now, doing="validating a file")
    solution = _require_solution(session, competition)
    session.commit()  # as in submit(): hold no lock while reading the file
    # A dry run keeps nothing, not even the file.
    limits = (policy or DEFAULT_POLICY).limits
    return [p.to_dict() for p in validate_stream(storage, competition, solution, stream, limits)]


def _lock_current_team(session: Session, competition: Competition, user: User) -> Team:
    """The user's team, locked for this transaction so no merge moves it meanwhile."""
    while True:
        team = require_team(session, competition, user)
        if quota.lock_team(session, team.id) is not None and require_team(session, competition, user).id == team.id:
            return team


def _require_clean(session: Session) -> None:
    if has_pending_changes(session):
        raise RuntimeError("submit() and validate_only() commit in steps; commit or roll back your "
                           "changes before calling them")


def _refuse_spent(session: Session, storage: Storage, competition: Competition, solution, team: Team,
                  row: Submission, now: datetime, limits: scoring.Limits) -> None:
    problems = validate_stored(storage, competition, solution, row.file_sha256, limits)
    if problems:
        raise scoring.SubmissionError(problems)
    quota.check_quota(session, competition, team, now)


def _check_budget(session: Session, team: Team, now: datetime, policy: UploadPolicy) -> None:
    """Invalid files use no quota, so they are bounded by a per-team budget over the retention period."""
    used = housekeeping.team_invalid_bytes(session, team.id, now, policy.invalid_retention_days)
    if used >= policy.team_storage_bytes:
        days = policy.invalid_retention_days
        raise StorageBudgetExceeded(
            f"Your team's invalid files of the last {days} day{'s' * (days != 1)} take {used / 2**20:,.1f} MB, "
            f"the most kept per team is {policy.team_storage_bytes / 2**20:,.0f} MB: no more uploads are stored "
            f"until older ones expire (after {days} day{'s' * (days != 1)}). Check files with Validate first; "
            "it stores nothing.")


def _ready_team(session: Session, competition: Competition, user: User, now: datetime,
                doing: str = "submitting") -> Team:
    team = require_team(session, competition, user, doing)
    if competition.state_at(now) == State.DRAFT:
        raise Forbidden("This competition has not started yet.")
    if team.disqualified_at is not None:
        raise Forbidden(f"Your team was disqualified: {team.disqualified_reason}")
    return team


def _require_solution(session: Session, competition: Competition):
    solution = solutions.current_solution(session, competition)
    if solution is None:
        raise DomainError("This competition has no solution file yet, so nothing can be scored.")
    return solution


def _record_invalid(session: Session, row: Submission, problems: list[dict]) -> None:
    row.status = Status.INVALID.value
    row.problems = problems
    session.add(row)
    session.commit()


def _apply_result(row: Submission, result) -> None:
    row.status = Status.SCORED.value
    row.problems = []
    row.public_score, row.private_score = result.public, result.private
    row.public_ci_low, row.public_ci_high = _pair(result.public_ci)
    row.private_ci_low, row.private_ci_high = _pair(result.private_ci)


def _pair(interval) -> tuple[float | None, float | None]:
    if not interval:
        return None, None
    return interval[0], interval[1]


def _record_history(session: Session, row: Submission) -> None:
    session.add(SubmissionScore(submission_id=row.id, solution_version=row.solution_version, status=row.status,
                                public_score=row.public_score, private_score=row.private_score,
                                scorer_version=row.scorer_version, created_at=row.created_at))


def _description(text: str | None) -> str:
    text = (text or "").strip()
    if len(text) > MAX_DESCRIPTION:
        raise DomainError(f"The description is limited to {MAX_DESCRIPTION} characters.", field="description")
    return text


def _file_name(name: str | None) -> str:
    base = (name or "submission.csv").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return base[:255] or "submission.csv"


def team_submissions(session: Session, team: Team) -> list[Submission]:
    return list(session.scalars(select(Submission).where(Submission.team_id == team.id)
                                .order_by(Submission.created_at.desc(), Submission.id.desc())))


def all_submissions(session: Session, competition: Competition) -> list[Submission]:
    return list(session.scalars(select(Submission).where(Submission.competition_id == competition.id)
                                .order_by(Submission.created_at.desc(), Submission.id.desc())))


def get_submission(session: Session, competition: Competition, submission_id: int) -> Submission:
    row = session.get(Submission, submission_id)
    if row is None or row.competition_id != competition.id:
        raise NotFound("No such submission in this competition.")
    return row
