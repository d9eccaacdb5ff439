"""What finalizing gives: a result row per member of each ranked team, with medal and season points.

Granted in finalize's transaction and deleted on reopen, so the private board,
the medals and the standings can never disagree for long: a reopened competition
shows none of them until it is finalized again.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from . import leaderboard, medals
from .models import Award, Competition, Season, TeamMember


def open_season(session: Session, group_id: int | None, now: datetime) -> Season | None:
    """The group's season that is open at `now` (seasons never overlap while open)."""
    if group_id is None:
        return None
    for season in session.scalars(select(Season).where(Season.group_id == group_id, Season.closed_at.is_(None))):
        if season.is_open(now):
            return season
    return None


def grant(session: Session, competition: Competition, now: datetime) -> list[Award]:
    """Rows for every member of every ranked team. Practice competitions keep their ranks
    (portfolios show them) but give no medal and no points."""
    withdraw(session, competition)
    board = leaderboard.private_board(session, competition)
    teams = len(board)
    season = None if competition.practice else open_season(session, competition.group_id, now)
    members: dict[int, list[int]] = {}
    for team_id, user_id in session.execute(select(TeamMember.team_id, TeamMember.user_id)
                                            .where(TeamMember.competition_id == competition.id)):
        members.setdefault(team_id, []).append(user_id)
    rows = []
    for entry in board:
        team_members = members.get(entry.team_id, [])
        size = len(team_members)
        medal = None if competition.practice else medals.medal_for(entry.rank, teams)
        points = medals.points_for(entry.rank, teams, size) if season is not None else 0.0
        for user_id in team_members:
            rows.append(Award(competition_id=competition.id, user_id=user_id, team_id=entry.team_id,
                              season_id=season.id if season else None, rank=entry.rank, teams=teams,
                              team_size=size, medal=medal, points=points, awarded_at=now))
    session.add_all(rows)
    session.flush()
    return rows


def withdraw(session: Session, competition: Competition) -> None:
    session.execute(delete(Award).where(Award.competition_id == competition.id))
    session.flush()


def of_competition(session: Session, competition: Competition) -> list[Award]:
    return list(session.scalars(select(Award).where(Award.competition_id == competition.id)
                                .order_by(Award.rank, Award.user_id)))
