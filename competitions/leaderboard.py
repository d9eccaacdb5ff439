"""Public and private leaderboards, read from each team's standing row."""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, load_only

from . import access, ties
from .errors import DomainError, Forbidden
from .models import Competition, Status, Submission, Team, TeamMember, User
from .standings import greater_is_better, ranked_order


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
    # Cannot be told apart from the team directly above at the 95% level (ties.py); None: not known.
    tied_with_above: bool | None = None
    # Public board: places gained since the end of the previous UTC day (+3 up, -2 down); None: new
    # on the board today. Only when the board was asked for with `now` (previous_day_ranks).
    rank_change_day: int | None = None
    new_today: bool = False

    def to_dict(self) -> dict:
        out = {"rank": self.rank, "team": self.team, "members": list(self.members), "score": self.score,
               "staff": self.staff,
               "entries": self.entries,
               "last_submission_at": self.last_submission_at.isoformat() if self.last_submission_at else None}
        out["ci"] = list(self.ci) if self.ci else None
        if self.rank_change is not None:
            out["rank_change"] = self.rank_change
        out["tied_with_above"] = self.tied_with_above
        out["rank_change_day"] = self.rank_change_day
        out["new_today"] = self.new_today
        return out


def public_board(session: Session, competition: Competition, now: datetime | None = None) -> list[Entry]:
    """The public standings; with ``now``, each entry's rank change since the end of the previous UTC day."""
    rows = _teams_ranked(session, competition, "public")
    names = member_names(session, [t.id for t, _, _ in rows])
    staff = staff_team_ids(session, competition, [t.id for t, _, _ in rows])
    tied = ties.marks(session, competition, "public", [t for t, _, _ in rows])
    before = previous_day_ranks(session, competition, now) if now is not None else {}
    return [Entry(i, t.id, t.name, t.best_public_score, t.entries, t.last_submission_at,
                  t.best_public_submission_id, ci=_pair(low, high), members=tuple(names.get(t.id, ())),
                  staff=t.id in staff, tied_with_above=tied.get(t.id),
                  rank_change_day=(before[t.id] - i) if t.id in before else None,
                  new_today=now is not None and t.id not in before)
            for i, (t, low, high) in enumerate(rows, start=1)]


def previous_day_ranks(session: Session, competition: Competition, now: datetime) -> dict[int, int]:
    """Each team's public rank at the end of the previous UTC day, from submission history.

    The board is rebuilt from the submissions made before today 00:00 UTC under today's rules
    (Submission.is_ranked: the current deadline, disqualified submissions and teams left out, the
    current scores after any re-score), ranked as the live board ranks (best score, then the
    earliest time it was reached, then team id). So a disqualification or a moved deadline changes
    yesterday's board the same way it changed today's, and only what teams did today moves them.
    Two aggregate queries, bounded by the competition's submissions (see the submissions index).
    """
    day_start = now.astimezone(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    # Kept per process under the standings version (competitions/board_version.py, changed with anything
    # a board shows, submissions' status and disqualifications included) and the day: a board view
    # does not pay for the aggregate again until something changed.
    session.flush()  # pending changes bump the version first (a no-op in a read)
    key = (competition.id, competition.standings_version, day_start)
    with _previous_lock:
        if key in _previous:
            _previous.move_to_end(key)
            return _previous[key]
    ranks = _previous_day_ranks(session, competition, day_start)
    with _previous_lock:
        _previous[key] = ranks
        while len(_previous) > 64:
            _previous.popitem(last=False)
    return ranks


_previous: OrderedDict = OrderedDict()
_previous_lock = threading.Lock()


def _previous_day_ranks(session: Session, competition: Competition, day_start: datetime) -> dict[int, int]:
    # Submission.is_ranked, with its lateness written against this competition's deadline: the same
    # rule (late = sent at or after the deadline), without a correlated subquery per submission.
    counted = (Submission.competition_id == competition.id, Submission.status == Status.SCORED.value,
               Submission.disqualified_reason.is_(None), Submission.public_score.is_not(None),
               Submission.created_at < min(day_start, competition.deadline_at))
    best_of = func.max if greater_is_better(competition) else func.min
    best = (select(Submission.team_id.label("team_id"), best_of(Submission.public_score).label("best"))
            .where(*counted).group_by(Submission.team_id).subquery())
    rows = session.execute(
        select(best.c.team_id, best.c.best, func.min(Submission.created_at))
        .join(Submission, and_(Submission.team_id == best.c.team_id, Submission.public_score == best.c.best))
        .join(Team, Team.id == best.c.team_id)
        .where(*counted, Team.disqualified_at.is_(None))
        .group_by(best.c.team_id, best.c.best)).all()
    sign = -1 if greater_is_better(competition) else 1
    rows.sort(key=lambda r: (sign * r[1], r[2], r[0]))
    return {team_id: rank for rank, (team_id, _, _) in enumerate(rows, start=1)}


def page_of(entries: list, page: int, per_page: int) -> tuple[list, int]:
    """One page of a board (1-based ``page``) and the board's total, for the API and the HTML page alike.
    Callers check the bounds (PER_PAGE_MAX); a page past the end is empty."""
    start = (page - 1) * per_page
    return entries[start:start + per_page], len(entries)


PER_PAGE = 100
PER_PAGE_MAX = 1000


def board_name(raw: str | None) -> str:
    """``?board=`` as given: 'public' (the default) or 'private'; anything else is a DomainError,
    on the page and in the API alike."""
    if raw is None or raw == "":
        return "public"
    if raw not in ("public", "private"):
        raise DomainError("board is 'public' or 'private'.", field="board")
    return raw


def paging(page: str | None, per_page: str | None) -> tuple[int, int]:
    """``?page=&per_page=`` as given in a query string: a whole page number from 1 (default 1) and
    1 to PER_PAGE_MAX rows a page (default PER_PAGE). Anything else is a DomainError naming the field."""
    return (_whole(page, "page", 1, 1, None),
            _whole(per_page, "per_page", PER_PAGE, 1, PER_PAGE_MAX))


def _whole(raw: str | None, name: str, default: int, low: int, high: int | None) -> int:
    if raw is None or raw == "":
        return default
    limits = f"from {low} to {high}" if high is not None else f"of at least {low}"
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18 or not low <= int(raw) <= (high or int(raw)):
        raise DomainError(f"{name} is a whole number {limits}.", field=name)
    return int(raw)


def neighbourhood(entries: list[Entry], team_id: int | None, around: int = 3) -> list[Entry]:
    """The viewer's team and a few rows above and below it, or nothing when it is not ranked."""
    for index, entry in enumerate(entries):
        if entry.team_id == team_id:
            return entries[max(0, index - around):index + around + 1]
    return []


def private_board(session: Session, competition: Competition) -> list[Entry]:
    """The private standings; callers decide who may see them (use board())."""
    public_rank = {e.team_id: e.rank for e in public_board(session, competition)}
    rows = _teams_ranked(session, competition, "private")
    names = member_names(session, [t.id for t, _, _ in rows])
    staff = staff_team_ids(session, competition, [t.id for t, _, _ in rows])
    tied = ties.marks(session, competition, "private", [t for t, _, _ in rows])
    return [Entry(i, t.id, t.name, t.best_private_score, t.entries, t.last_submission_at,
                  t.best_private_submission_id, ci=_pair(low, high),
                  rank_change=(public_rank[t.id] - i) if t.id in public_rank else None,
                  members=tuple(names.get(t.id, ())), staff=t.id in staff, tied_with_above=tied.get(t.id))
            for i, (t, low, high) in enumerate(rows, start=1)]


def board(session: Session, competition: Competition, which: str, viewer: User | None,
          now: datetime | None = None) -> list[Entry]:
    """The public or private board for `viewer`: the private one is revealed at finalize,
    and before that only the competition's managers see it (access.sees_private_results).
    With ``now``, public entries carry their rank change since the previous UTC day."""
    require_board(competition, which, viewer)
    if which == "private":
        return private_board(session, competition)
    return public_board(session, competition, now)


def require_board(competition: Competition, which: str, viewer: User | None) -> None:
    """Forbidden unless `viewer` may see that board (the rule board() applies; caches ask it first)."""
    if which == "private" and not access.sees_private_results(competition, viewer):
        raise Forbidden("The private leaderboard is revealed when the competition is finalized.")


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
    # Only the columns the rule reads: loading every member's whole row was half of a 1,000-team board.
    rows = session.execute(select(TeamMember.team_id, User).join(User, User.id == TeamMember.user_id)
                           .where(TeamMember.team_id.in_(team_ids)).options(load_only(User.id, User.role)))
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
