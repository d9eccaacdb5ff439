"""Public and private leaderboards, read from each team's standing row."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import access
from .errors import Forbidden
from .models import Competition, Submission, Team, TeamMember, User
from .standings import ranked_order


@dataclass(frozen=True)
class Entry:
    rank: int
    team_id: int
    team: str
    score: float
    entries: int
    last_submission_at: datetime | None
    submission_id: int
    ci: tuple[float, float] | None = None
    rank_change: int | None = None  # private board only: public rank minus private rank
    members: tuple[str, ...] = ()
    staff: bool = False  # a member can see the answer key (an admin testing, access.is_staff)

    def to_dict(self) -> dict:
        out = {"rank": self.rank, "team": self.team, "members": list(self.members), "score": self.score,
               "staff": self.staff,
               "entries": self.entries,
               "last_submission_at": self.last_submission_at.isoformat() if self.last_submission_at else None}
        out["ci"] = list(self.ci) if self.ci else None
        if self.rank_change is not None:
            out["rank_change"] = self.rank_change
        return out


def public_board(session: Session, competition: Competition) -> list[Entry]:
    rows = _teams_ranked(session, competition, "public")
    names = member_names(session, [t.id for t, _, _ in rows])
    staff = staff_team_ids(session, competition, [t.id for t, _, _ in rows])
    return [Entry(i, t.id, t.name, t.best_public_score, t.entries, t.last_submission_at,
                  t.best_public_submission_id, ci=_pair(low, high), members=tuple(names.get(t.id, ())),
                  staff=t.id in staff)
            for i, (t, low, high) in enumerate(rows, start=1)]


def private_board(session: Session, competition: Competition) -> list[Entry]:
    """The private standings; callers decide who may see them (use board())."""
    public_rank = {e.team_id: e.rank for e in public_board(session, competition)}
    rows = _teams_ranked(session, competition, "private")
    names = member_names(session, [t.id for t, _, _ in rows])
    staff = staff_team_ids(session, competition, [t.id for t, _, _ in rows])
    return [Entry(i, t.id, t.name, t.best_private_score, t.entries, t.last_submission_at,
                  t.best_private_submission_id, ci=_pair(low, high),
                  rank_change=(public_rank[t.id] - i) if t.id in public_rank else None,
                  members=tuple(names.get(t.id, ())), staff=t.id in staff)
            for i, (t, low, high) in enumerate(rows, start=1)]


def board(session: Session, competition: Competition, which: str, viewer: User | None) -> list[Entry]:
    """The public or private board for `viewer`: the private one is revealed at finalize,
    and before that only the competition's managers see it (access.sees_private_results)."""
    if which == "private":
        if not access.sees_private_results(competition, viewer):
            raise Forbidden("The private leaderboard is revealed when the competition is finalized.")
        return private_board(session, competition)
    return public_board(session, competition)


def member_names(session: Session, team_ids: list[int]) -> dict[int, list[str]]:
    """Usernames per team, in joining order: one query for the whole board."""
    rows = session.execute(select(TeamMember.team_id, User.username).join(User, User.id == TeamMember.user_id)
                           .where(TeamMember.team_id.in_(team_ids)).order_by(TeamMember.joined_at, TeamMember.id))
    names: dict[int, list[str]] = {}
    for team_id, username in rows:
        names.setdefault(team_id, []).append(username)
    return names


def staff_team_ids(session: Session, competition: Competition, team_ids: list[int]) -> set[int]:
    """The teams with a member who can see the answer key (access.is_staff): one query."""
    rows = session.execute(select(TeamMember.team_id, User).join(User, User.id == TeamMember.user_id)
                           .where(TeamMember.team_id.in_(team_ids)))
    return {team_id for team_id, user in rows if access.is_staff(competition, user)}


def _pair(low, high) -> tuple[float, float] | None:
    return None if low is None or high is None else (low, high)


def _teams_ranked(session: Session, competition: Competition, which: str) -> list[tuple[Team, float, float]]:
    """One row per ranked team with its best submission's interval: a join per team, not per submission."""
    if which == "public":
        score, at, best = Team.best_public_score, Team.best_public_at, Team.best_public_submission_id
        low, high = Submission.public_ci_low, Submission.public_ci_high
    else:
        score, at, best = Team.best_private_score, Team.best_private_at, Team.best_private_submission_id
        low, high = Submission.private_ci_low, Submission.private_ci_high
    # Ties go to the team whose best score came first.
    return list(session.execute(
        select(Team, low, high)
        .outerjoin(Submission, Submission.id == best)
        .where(Team.competition_id == competition.id, score.is_not(None), Team.disqualified_at.is_(None))
        .order_by(ranked_order(score, competition), at, Team.id)))
