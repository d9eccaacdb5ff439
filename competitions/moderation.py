"""Organizers disqualify submissions or whole teams, with a reason the team sees.

Every action is refused once the competition is finalized, and each is
recorded in the audit log.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import audit, lifecycle, notifications, standings
from .access import require_manager
from .errors import Conflict, DomainError, NotFound
from .models import AuditAction, Competition, Status, Submission, Team, User
from .submitting import get_submission

MAX_REASON = 500


def _reason(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise DomainError("Give a reason; the team will see it.", field="reason")
    if len(text) > MAX_REASON:
        raise DomainError(f"Keep the reason under {MAX_REASON} characters; the team will see it.", field="reason")
    return text


def _team_in(session: Session, competition: Competition, team_id: int) -> Team:
    team = session.get(Team, team_id)
    if team is None or team.competition_id != competition.id:
        raise NotFound("No such team in this competition.")
    return team


def _allowed(competition: Competition, organizer: User) -> None:
    require_manager(competition, organizer)
    lifecycle.require_unfrozen(competition, "its disqualifications")


def disqualify_submission(session: Session, competition: Competition, organizer: User, submission_id: int,
                          reason: str, now: datetime) -> Submission:
    _allowed(competition, organizer)
    row = get_submission(session, competition, submission_id)
    if row.disqualified_reason is not None:
        raise Conflict(f"Submission {row.id} is already disqualified: {row.disqualified_reason}")
    row.disqualified_reason = _reason(reason)
    row.selected = False
    standings.refresh_team(session, competition, row.team)
    audit.record(session, competition, organizer, AuditAction.DISQUALIFY_SUBMISSION, now,
                 reason=row.disqualified_reason, details={"submission_id": row.id, "team": row.team.name})
    notifications.submission_disqualified(session, row, now)
    return row


def disqualify_team(session: Session, competition: Competition, organizer: User, team_id: int,
                    reason: str, now: datetime) -> Team:
    _allowed(competition, organizer)
    team = _team_in(session, competition, team_id)
    if team.disqualified_at is not None:
        raise Conflict(f"Team {team.name!r} is already disqualified: {team.disqualified_reason}")
    team.disqualified_at = now
    team.disqualified_reason = _reason(reason)
    session.flush()
    standings.board_changed(session, competition)  # its neighbours are now adjacent: re-mark their tie
    audit.record(session, competition, organizer, AuditAction.DISQUALIFY_TEAM, now,
                 reason=team.disqualified_reason, details={"team_id": team.id, "team": team.name})
    return team


def reinstate_team(session: Session, competition: Competition, organizer: User, team_id: int,
                   now: datetime) -> Team:
    _allowed(competition, organizer)
    team = _team_in(session, competition, team_id)
    if team.disqualified_at is None:
        return team
    audit.record(session, competition, organizer, AuditAction.REINSTATE_TEAM, now, details={
        "team_id": team.id, "team": team.name, "disqualified_for": team.disqualified_reason})
    team.disqualified_at = None
    team.disqualified_reason = None
    session.flush()
    standings.board_changed(session, competition)
    return team


def reinstate_submission(session: Session, competition: Competition, organizer: User, submission_id: int,
                         now: datetime) -> Submission:
    """Undo one submission's disqualification (its team's standing is recomputed); refused after finalize."""
    _allowed(competition, organizer)
    row = get_submission(session, competition, submission_id)
    if row.disqualified_reason is None:
        raise Conflict(f"Submission {row.id} is not disqualified.")
    audit.record(session, competition, organizer, AuditAction.REINSTATE_SUBMISSION, now, details={
        "submission_id": row.id, "team": row.team.name, "disqualified_for": row.disqualified_reason})
    row.disqualified_reason = None
    session.flush()
    standings.refresh_team(session, competition, row.team)
    return row


# --- the Manage tab's table of every submission ------------------------------------------------

PAGE_SIZE = 25
DISQUALIFIED = "disqualified"
STATUS_FILTERS = tuple(s.value for s in Status) + (DISQUALIFIED,)


@dataclass(frozen=True)
class SubmissionFilter:
    team_id: int | None = None
    status: str | None = None   # a Status value, or "disqualified"
    day: date | None = None     # the UTC day it was sent


@dataclass(frozen=True)
class SubmissionPage:
    rows: list
    total: int
    page: int
    pages: int


def submissions_page(session: Session, competition: Competition, wanted: SubmissionFilter,
                     page: int = 1, size: int = PAGE_SIZE) -> SubmissionPage:
    """One page of the competition's submissions, newest first, filtered by team, status and day."""
    where = [Submission.competition_id == competition.id]
    if wanted.team_id is not None:
        where.append(Submission.team_id == wanted.team_id)
    if wanted.status == DISQUALIFIED:
        where.append(Submission.disqualified_reason.is_not(None))
    elif wanted.status in STATUS_FILTERS:
        where.append(Submission.status == wanted.status)
    if wanted.day is not None:
        start = datetime.combine(wanted.day, time(0), tzinfo=timezone.utc)
        where += [Submission.created_at >= start, Submission.created_at < start + timedelta(days=1)]
    total = session.scalar(select(func.count(Submission.id)).where(*where)) or 0
    pages = max(1, -(-total // size))
    page = min(max(1, page), pages)
    rows = list(session.scalars(select(Submission).where(*where)
                                .order_by(Submission.created_at.desc(), Submission.id.desc())
                                .offset((page - 1) * size).limit(size)))
    return SubmissionPage(rows, total, page, pages)
