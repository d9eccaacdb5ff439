"""Replacing the solution: preview the new scores and ranks, then confirm.

The preview stores the candidate file and scores every submission against
it without changing anything. Confirming installs it as a new version,
re-scores, keeps the old scores in submission_scores and refreshes the boards.
"""
from __future__ import annotations

import hashlib
import hmac
import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import BinaryIO

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

import scoring

from . import answer_key, audit, leaderboard, lifecycle, solutions, standings
from .access import require_manager
from .errors import DomainError
from .models import AuditAction, Competition, Solution, Status, Submission, SubmissionScore, User
from .scorer import ScoringFailed, score_against
from .spec import split_settings
from .storage import Storage


@dataclass(frozen=True)
class ScoreChange:
    submission_id: int
    team: str
    old_public: float | None
    new_public: float | None
    old_private: float | None
    new_private: float | None
    new_status: str
    new_public_ci: tuple | None = None
    new_private_ci: tuple | None = None
    problems: list = field(default_factory=list)


@dataclass(frozen=True)
class RankChange:
    team: str
    old_rank: int | None
    new_rank: int | None


@dataclass(frozen=True)
class Preview:
    sha256: str
    counts: dict
    scores: list[ScoreChange]
    ranks: list[RankChange]
    token: str = ""  # what confirm_replacement accepts: this file, for this user and competition only


# A preview's file is kept unconfirmed for a day (competitions/housekeeping.py): so is its token.
PREVIEW_TTL = timedelta(days=1)


def _signature(secret: str | bytes, competition: Competition, user: User, sha256: str, issued: int) -> str:
    key = secret.encode() if isinstance(secret, str) else secret
    message = f"solution-preview:{competition.id}:{user.id}:{sha256}:{issued}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def preview_token(secret: str | bytes, competition: Competition, user: User, sha256: str, now: datetime) -> str:
    """A token binding a previewed file to the organizer and competition it was previewed for."""
    issued = int(now.timestamp())
    return f"{sha256}.{issued}.{_signature(secret, competition, user, sha256, issued)}"


def _previewed_hash(secret: str | bytes, competition: Competition, user: User, token: str, now: datetime) -> str:
    expired = DomainError("That preview has expired or was not made here; upload the file again.", field="solution")
    parts = str(token or "").split(".")
    if len(parts) != 3 or not parts[1].isdigit() or len(parts[1]) > 12:
        raise expired
    sha256, issued, signature = parts[0], int(parts[1]), parts[2]
    if not hmac.compare_digest(signature, _signature(secret, competition, user, sha256, issued)):
        raise expired
    if not 0 <= now.timestamp() - issued <= PREVIEW_TTL.total_seconds():
        raise expired
    return sha256


def preview_replacement(session: Session, storage: Storage, competition: Competition, user: User,
                        stream: BinaryIO, public_fraction: float = 0.3, seed: int = 0, *,
                        secret: str | bytes, now: datetime) -> Preview:
    """Score every submission against a candidate solution; nothing changes. The Preview's token
    (signed with ``secret``) is what confirm_replacement takes: a bare hash installs nothing."""
    require_manager(competition, user)
    lifecycle.require_unfrozen(competition, "its solution")
    public_fraction, seed = split_settings(public_fraction, seed)
    parsed, data, counts = solutions.prepare_solution(storage, competition, stream, public_fraction, seed)
    # The public sample submission and test file must still fit the new key.
    answer_key.check_named_files(session, storage, competition, parsed)
    stored = storage.put(io.BytesIO(data))
    changes = [_rescore(storage, competition, parsed, row) for row in _scorable(session, competition)]
    old_board = leaderboard.public_board(session, competition)
    return Preview(stored.sha256, counts, changes, _rank_diff(session, competition, old_board, changes),
                   preview_token(secret, competition, user, stored.sha256, now))


def confirm_replacement(session: Session, storage: Storage, competition: Competition, user: User,
                        token: str, now: datetime, *, secret: str | bytes, defer: bool = False) -> Solution:
    """Install a previewed file and re-score everything against it. ``token`` is the Preview's:
    it names the file and is accepted only from the same user, for the same competition, within
    a day, so knowing a file's hash (another competition's answer key, say) installs nothing.

    With ``defer`` the re-score is left to a job (competitions/jobs.py, queued by the caller
    after its commit): submissions keep their scores, and the boards their ranks, until it ends."""
    require_manager(competition, user)
    lifecycle.require_unfrozen(competition, "its solution")
    sha256 = _previewed_hash(secret, competition, user, token, now)
    if not storage.exists(sha256):
        raise DomainError("That preview has expired; upload the file again.", field="solution")
    previous = solutions.current_solution(session, competition)
    with storage.open(sha256) as handle:
        # The previewed file already carries its Usage column, so no split is redrawn.
        new = solutions.install_solution(session, storage, competition, handle, now)
    parsed = solutions.load_parsed(storage, competition, new)
    answer_key.check_named_files(session, storage, competition, parsed)
    if not defer:
        changes = score_pending(storage, competition, parsed, pending_rescore(session, competition, new.version))
        apply_rescore(session, competition, new.version, changes, now, actor=user,
                      from_version=previous.version if previous else None, storage=storage)
    return new


def pending_rescore(session: Session, competition: Competition, version: int) -> list[Submission]:
    """The scorable submissions not yet scored against solution `version` (what a re-score still has to do).
    Their teams are loaded here, so scoring them later reads nothing from the database."""
    rows = [row for row in _scorable(session, competition) if row.solution_version != version]
    for row in rows:
        row.team.name  # noqa: B018 - loaded now, while the transaction is open
    return rows


def score_pending(storage: Storage, competition: Competition, parsed, rows: list[Submission]) -> list:
    """(row, ScoreChange) pairs: the slow part of a re-score, with no database work."""
    return [(row, _rescore(storage, competition, parsed, row)) for row in rows]


def apply_rescore(session: Session, competition: Competition, version: int, changes: list, now: datetime, *,
                  actor: User | None, from_version: int | None, details: dict | None = None,
                  storage: Storage | None = None) -> int:
    """Write the new scores (rows already scored against `version` are left alone, so a repeated
    job changes nothing), keep the history, refresh the standings and audit it; returns how many
    rows changed. In the caller's transaction."""
    applied = changed = 0
    for row, change in changes:
        if row.solution_version == version:
            continue
        applied += 1
        changed += (change.new_status, change.new_public, change.new_private) != (
            row.status, row.public_score, row.private_score)
        row.status, row.public_score, row.private_score = change.new_status, change.new_public, change.new_private
        row.problems = change.problems
        row.public_ci_low, row.public_ci_high = change.new_public_ci or (None, None)
        row.private_ci_low, row.private_ci_high = change.new_private_ci or (None, None)
        row.solution_version, row.scorer_version = version, scoring.SCORER_VERSION
        session.add(SubmissionScore(submission_id=row.id, solution_version=version, status=row.status,
                                    public_score=row.public_score, private_score=row.private_score,
                                    scorer_version=row.scorer_version, created_at=now))
    standings.refresh_all(session, competition, storage)
    audit.record(session, competition, actor, AuditAction.RESCORE, now, details={
        "from_version": from_version, "to_version": version, "rescored": applied, "changed": changed,
        **(details or {})})
    return changed


def _scorable(session: Session, competition: Competition) -> list[Submission]:
    """Every submission that was ever accepted: an earlier re-score may have made one invalid,
    and the next solution may make it valid again. Files refused at upload stay refused."""
    ever_scored = select(SubmissionScore.id).where(SubmissionScore.submission_id == Submission.id).exists()
    return list(session.scalars(select(Submission).where(
        Submission.competition_id == competition.id,
        or_(Submission.status.in_([Status.SCORED.value, Status.ERROR.value]), ever_scored))
        .order_by(Submission.id)))


def _rescore(storage: Storage, competition: Competition, parsed, row: Submission) -> ScoreChange:
    try:
        result = score_against(storage, competition, parsed, row.file_sha256)
    except scoring.SubmissionError as exc:
        # The new key may make an old file invalid (e.g. new ids): record why, keep going.
        return ScoreChange(row.id, row.team.name, row.public_score, None, row.private_score, None,
                           Status.INVALID.value, problems=[p.to_dict() for p in exc.problems])
    except ScoringFailed as exc:
        # Logged by the scorer; one broken file must not stop the others being re-scored.
        return ScoreChange(row.id, row.team.name, row.public_score, None, row.private_score, None,
                           Status.ERROR.value, problems=[dict(exc.problem)])
    return ScoreChange(row.id, row.team.name, row.public_score, result.public, row.private_score, result.private,
                       Status.SCORED.value, tuple(result.public_ci or ()) or None,
                       tuple(result.private_ci or ()) or None)


def _rank_diff(session: Session, competition: Competition, old_board, changes: list[ScoreChange]) -> list[RankChange]:
    """New public ranks, computed in memory from the previewed scores."""
    greater = standings.greater_is_better(competition)
    by_id = {c.submission_id: c for c in changes}
    best: dict[str, tuple] = {}
    for row in _scorable(session, competition):
        change = by_id[row.id]
        if change.new_public is None or row.is_late or row.disqualified_reason or row.team.disqualified_at:
            continue
        key = (-change.new_public if greater else change.new_public, row.created_at, row.id)
        if row.team.name not in best or key < best[row.team.name]:
            best[row.team.name] = key
    new_rank = {team: i for i, (team, _) in enumerate(sorted(best.items(), key=lambda kv: kv[1]), start=1)}
    old_rank = {e.team: e.rank for e in old_board}
    teams = sorted(set(old_rank) | set(new_rank), key=lambda t: (new_rank.get(t, 10**9), t))
    return [RankChange(t, old_rank.get(t), new_rank.get(t)) for t in teams]
