"""A group's seasons and their standings: members ranked by the points their awards carry.

Standings are read from Award rows (written at finalize), so they cost one query.
Ties share a rank, "1, 1, 3" (standard competition ranking): two members of one
team always tie in a season where they only competed together.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import access
from .errors import Conflict, DomainError, NotFound
from .groups import require_manages
from .models import Award, Competition, Group, Season, User
from .spec import _when

# Points are floats summed in different orders; equal within this many decimals is a tie.
TIE_DECIMALS = 6


def create_season(session: Session, group: Group, user: User, name: str, start, end, now: datetime) -> Season:
    """Owners open a season; it counts competitions finalized between its start and end while open."""
    require_manages(group, user)
    name = (name or "").strip()
    if not name:
        raise DomainError("Name the season.", field="name")
    if len(name) > 120:
        raise DomainError("Keep the season's name under 120 characters.", field="name")
    if start in (None, ""):
        raise DomainError("Start is required.", field="start")
    if end in (None, ""):
        raise DomainError("End is required.", field="end")
    start_at, end_at = _when(start, "start"), _when(end, "end")
    if end_at <= start_at:
        raise DomainError("The season must end after it starts.", field="end")
    season = Season(group_id=group.id, name=name, start_at=start_at, end_at=end_at, created_at=now)
    _refuse_overlap(session, season)
    session.add(season)
    session.flush()
    return season


def _refuse_overlap(session: Session, season: Season) -> None:
    """Open seasons never overlap, so a finalized competition counts in one season at most."""
    for other in session.scalars(select(Season).where(Season.group_id == season.group_id,
                                                      Season.closed_at.is_(None))):
        if other.id != season.id and other.start_at < season.end_at and season.start_at < other.end_at:
            raise Conflict(f"This overlaps the season {other.name!r}; close it first or choose other dates.",
                           field="start")


def close_season(session: Session, season: Season, user: User, now: datetime) -> Season:
    """Closing ends counting: competitions finalized later give no points in it. Its points stay."""
    require_manages(season_group(session, season), user)
    if season.closed_at is None:
        season.closed_at = now
        session.flush()
    return season


def reopen_season(session: Session, season: Season, user: User) -> Season:
    require_manages(season_group(session, season), user)
    if season.closed_at is not None:
        _refuse_overlap(session, season)
        season.closed_at = None
        session.flush()
    return season


def season_group(session: Session, season: Season) -> Group:
    return session.get(Group, season.group_id)


def seasons_of(session: Session, group: Group) -> list[Season]:
    return list(session.scalars(select(Season).where(Season.group_id == group.id)
                                .order_by(Season.start_at.desc(), Season.id.desc())))


def get_season(session: Session, group: Group, season_id: int) -> Season:
    season = session.get(Season, season_id)
    if season is None or season.group_id != group.id:
        raise NotFound("No such season in this group.")
    return season


def current_season(session: Session, group: Group, now: datetime) -> Season | None:
    """The season open now, or else the latest that has started (so the page shows the last results)."""
    rows = seasons_of(session, group)
    for season in rows:
        if season.is_open(now):
            return season
    started = [s for s in rows if s.start_at <= now]
    return started[0] if started else None


@dataclass
class CompetitionPoints:
    slug: str
    title: str
    rank: int
    teams: int
    points: float
    medal: str | None
    finalized_at: datetime | None


@dataclass
class Standing:
    rank: int
    username: str
    points: float
    medals: dict[str, int]
    competitions: list[CompetitionPoints] = field(default_factory=list)
    # Cumulative points after each of the season's competitions, in finalize order (the sparkline).
    series: list[float] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"rank": self.rank, "username": self.username, "points": round(self.points, 2),
                "medals": self.medals,
                "competitions": [{"slug": c.slug, "rank": c.rank, "teams": c.teams, "points": round(c.points, 2),
                                  "medal": c.medal} for c in self.competitions]}


def standings(session: Session, season: Season, viewer: User | None = None, now: datetime | None = None) -> list[Standing]:
    """Members ranked by season points. Competitions the viewer may not see are left out of the detail,
    never out of the totals, so everyone sees the same ranking."""
    rows = session.execute(select(Award, Competition, User).join(Competition, Competition.id == Award.competition_id)
                           .join(User, User.id == Award.user_id).where(Award.season_id == season.id)
                           .order_by(Competition.finalized_at, Competition.id)).all()
    order: list[int] = []  # the season's competitions in finalize order
    by_user: dict[int, Standing] = {}
    earned: dict[int, dict[int, float]] = {}
    for award, competition, user in rows:
        if competition.id not in order:
            order.append(competition.id)
        entry = by_user.setdefault(user.id, Standing(0, user.username, 0.0, {"gold": 0, "silver": 0, "bronze": 0}))
        entry.points += award.points
        if award.medal:
            entry.medals[award.medal] += 1
        earned.setdefault(user.id, {})[competition.id] = award.points
        if viewer is None or now is None or access.can_view(competition, viewer, now):
            entry.competitions.append(CompetitionPoints(competition.slug, competition.title, award.rank, award.teams,
                                                        award.points, award.medal, competition.finalized_at))
    for user_id, entry in by_user.items():
        total = 0.0
        for competition_id in order:
            total += earned[user_id].get(competition_id, 0.0)
            entry.series.append(round(total, 2))
    ranked = sorted(by_user.values(), key=lambda e: (-round(e.points, TIE_DECIMALS), e.username.lower()))
    return assign_shared_ranks(ranked)


def assign_shared_ranks(entries: list[Standing]) -> list[Standing]:
    """Equal points share a rank; the next rank skips (1, 1, 3)."""
    previous = None
    for position, entry in enumerate(entries, start=1):
        key = round(entry.points, TIE_DECIMALS)
        if key != previous:
            entry.rank = position
            previous = key
        else:
            entry.rank = entries[position - 2].rank
    return entries


def season_json(season: Season, now: datetime) -> dict:
    return {"id": season.id, "name": season.name, "start": season.start_at.isoformat(),
            "end": season.end_at.isoformat(), "closed_at": season.closed_at.isoformat() if season.closed_at else None,
            "open": season.is_open(now)}
