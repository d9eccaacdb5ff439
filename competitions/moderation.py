"""Organizers disqualify submissions or whole teams, with a reason the team sees.

Every action is refused once the competition is finalized, and each is
recorded in the audit log.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from . import audit, lifecycle, notifications, standings
from .access import require_manager
from .errors import Conflict, DomainError, NotFound
from .models import AuditAction, Competition, Submission, Team, User
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
    return team
