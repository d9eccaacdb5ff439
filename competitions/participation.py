"""Joining a competition: accepting its rules makes a team of one."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import access
from .errors import Forbidden, JoinRequired
from .models import Competition, State, Team, TeamMember, User


def team_of(session: Session, competition: Competition, user: User | None) -> Team | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return session.scalar(select(Team).join(TeamMember).where(
        TeamMember.competition_id == competition.id, TeamMember.user_id == user.id))


def join(session: Session, competition: Competition, user: User, now: datetime,
         invite: str | None = None) -> Team:
    """Idempotent: joining twice returns the same team."""
    existing = team_of(session, competition, user)
    if existing is not None:
        return existing
    if not access.can_view(competition, user, now, invite=invite):
        raise Forbidden("This competition is not open to you. Ask its organizer for the invite link.")
    if competition.state_at(now) == State.DRAFT:
        raise Forbidden("This competition has not started yet.")
    access.require_may_compete(competition, user)
    try:
        # A savepoint: a concurrent join by the same user undoes only this attempt,
        # never the caller's other work.
        with session.begin_nested():
            team = create_solo_team(session, competition, user, now)
    except IntegrityError:
        winner = team_of(session, competition, user)
        if winner is None:
            raise
        return winner
    return team


def create_solo_team(session: Session, competition: Competition, user: User, now: datetime) -> Team:
    """A new team of one for the user, named after them (joining, leaving a team)."""
    team = Team(competition_id=competition.id, name=_free_team_name(session, competition, user.username),
                created_at=now)
    session.add(team)
    session.flush()
    session.add(TeamMember(team_id=team.id, competition_id=competition.id, user_id=user.id, joined_at=now))
    session.flush()
    return team


def _free_team_name(session: Session, competition: Competition, wanted: str) -> str:
    taken = set(session.scalars(select(Team.name).where(Team.competition_id == competition.id)))
    name, n = wanted, 2
    while name in taken:
        name, n = f"{wanted} ({n})", n + 1
    return name


def require_team(session: Session, competition: Competition, user: User, doing: str = "submitting") -> Team:
    """The user's team; ``doing`` names the refused action in the message ("validating a file")."""
    team = team_of(session, competition, user)
    if team is None:
        raise JoinRequired(f"Join this competition (and accept its rules) before {doing}.", slug=competition.slug)
    return team
