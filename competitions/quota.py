"""Daily and total submission limits, enforced by the database.

A day runs from 00:00 UTC. The counter row for (team, day) is created if
missing, then bumped by an UPDATE guarded by `used < limit`: the database
serialises concurrent bumps on that row, so two uploads can never both take
the last slot, on PostgreSQL or SQLite.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .errors import QuotaExceeded
from .models import Competition, QuotaUsage, Status, Submission, Team


@dataclass(frozen=True)
class QuotaView:
    used_today: int
    remaining_today: int
    resets_at: datetime
    total_used: int
    total_remaining: int | None


def utc_day(now: datetime) -> date:
    return now.astimezone(timezone.utc).date()


def next_reset(now: datetime) -> datetime:
    return datetime.combine(utc_day(now) + timedelta(days=1), time(0), tzinfo=timezone.utc)


def seconds_to_reset(now: datetime) -> int:
    return max(1, int((next_reset(now) - now).total_seconds() + 0.999))


def quota_view(session: Session, competition: Competition, team: Team, now: datetime) -> QuotaView:
    used = session.scalar(select(QuotaUsage.used).where(
        QuotaUsage.team_id == team.id, QuotaUsage.day == utc_day(now))) or 0
    total = submissions_used(session, team)
    total_remaining = None if competition.total_limit is None else max(0, competition.total_limit - total)
    remaining = max(0, competition.daily_limit - used)
    if total_remaining is not None:
        remaining = min(remaining, total_remaining)
    return QuotaView(used, remaining, next_reset(now), total, total_remaining)


def spent_today(view: QuotaView) -> str | None:
    """Why no file can be scored now, before one is chosen: None while submissions are left,
    "total" when the competition's total is used up, "today" when today's are (until resets_at)."""
    if view.remaining_today > 0:
        return None
    return "total" if view.total_remaining == 0 else "today"


def check_quota(session: Session, competition: Competition, team: Team, now: datetime) -> None:
    """A cheap early refusal, before the work of scoring. take_quota() is the real guard."""
    view = quota_view(session, competition, team, now)
    if view.remaining_today <= 0:
        raise _exceeded(competition, view, now)


def take_quota(session: Session, competition: Competition, team: Team, now: datetime) -> None:
    """Use one slot, inside the caller's transaction; raises QuotaExceeded if none is left."""
    day = utc_day(now)
    session.execute(_insert_missing(session, team.id, day))
    bumped = session.execute(
        update(QuotaUsage)
        .where(QuotaUsage.team_id == team.id, QuotaUsage.day == day, QuotaUsage.used < competition.daily_limit)
        .values(used=QuotaUsage.used + 1)
        .execution_options(synchronize_session=False)
    )
    if bumped.rowcount != 1:
        raise _exceeded(competition, quota_view(session, competition, team, now), now)
    # The day's row is now locked by this transaction, so this count cannot race
    # with another upload of the same team.
    if competition.total_limit is not None and submissions_used(session, team) >= competition.total_limit:
        raise _exceeded(competition, quota_view(session, competition, team, now), now)


def lock_team(session: Session, team_id: int) -> Team | None:
    """Lock a team's row for the rest of the transaction (None if it is gone, merged away).

    Uploads lock before taking quota and merges lock both teams first, so the
    two never interleave. SQLite needs no row lock: its writers are serialised.
    """
    query = select(Team).where(Team.id == team_id).execution_options(populate_existing=True)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return session.scalar(query)


def _insert_missing(session: Session, team_id: int, day: date):
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(QuotaUsage).values(team_id=team_id, day=day, used=0).on_conflict_do_nothing()


def submissions_used(session: Session, team: Team) -> int:
    """Submissions that used quota, ever (the total limit and the team merge rule count these)."""
    # Invalid files and scorer failures ("error") never use a submission; queued ones
    # hold theirs until their job says otherwise (competitions/jobs.py).
    return session.scalar(select(func.count(Submission.id)).where(
        Submission.team_id == team.id, Submission.status.in_(USING_QUOTA))) or 0


# The states that hold a quota slot: a queued file reserved it when it was accepted.
USING_QUOTA = (Status.QUEUED.value, Status.SCORING.value, Status.SCORED.value)


def release_quota(session: Session, team_id: int, day: date) -> None:
    """Give back one slot taken on `day` (a queued file its job found invalid), in the caller's transaction."""
    session.execute(update(QuotaUsage).where(QuotaUsage.team_id == team_id, QuotaUsage.day == day,
                                             QuotaUsage.used > 0)
                    .values(used=QuotaUsage.used - 1).execution_options(synchronize_session=False))


def _exceeded(competition: Competition, view: QuotaView, now: datetime) -> QuotaExceeded:
    if view.total_remaining == 0:
        return QuotaExceeded(
            f"Your team has used all {competition.total_limit} submissions allowed in this competition.",
            retry_after=None)
    return QuotaExceeded(
        f"Your team has used all {competition.daily_limit} submissions for today. "
        f"The count resets at 00:00 UTC ({view.resets_at:%Y-%m-%d %H:%M} UTC).",
        retry_after=seconds_to_reset(now))
