"""Organizers disqualify submissions or whole teams, with a reason the team sees."""
from __future__ import annotations

from sqlalchemy.orm import Session

from . import standings
from .errors import DomainError, NotFound
from .hosting import require_manager
from .models import Competition, Submission, Team, User, utcnow
from .submitting import get_submission


def _reason(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise DomainError("Give a reason; the team will see it.", field="reason")
    return text[:500]


def _team_in(session: Session, competition: Competition, team_id: int) -> Team:
    team = session.get(Team, team_id)
    if team is None or team.competition_id != competition.id:
        raise NotFound("No such team in this competition.")
    return team


def disqualify_submission(session: Session, competition: Competition, organizer: User, submission_id: int,
                          reason: str) -> Submission:
    require_manager(competition, organizer)
    row = get_submission(session, competition, submission_id)
    row.disqualified_reason = _reason(reason)
    row.selected = False
    standings.refresh_team(session, competition, session.get(Team, row.team_id))
    return row


def disqualify_team(session: Session, competition: Competition, organizer: User, team_id: int,
                    reason: str) -> Team:
    require_manager(competition, organizer)
    team = _team_in(session, competition, team_id)
    team.disqualified_at = utcnow()
    team.disqualified_reason = _reason(reason)
    return team


def reinstate_team(session: Session, competition: Competition, organizer: User, team_id: int) -> Team:
    require_manager(competition, organizer)
    team = _team_in(session, competition, team_id)
    team.disqualified_at = None
    team.disqualified_reason = None
    return team
