"""The end of a competition: closing, finalizing, reopening, and what finalizing freezes.

Finalizing freezes the results: the solution, the metric, the deadline, the
limits and every disqualification stay as they were, so the private
leaderboard a study group saw is the one that stands. Only an admin can
reopen, with a reason that the audit log keeps.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from . import audit, awards, notifications, standings, ties
from .access import require_manager
from .errors import Conflict, DomainError, Forbidden, Frozen
from .models import AuditAction, Competition, State, User

MAX_REASON = 1000


def require_unfrozen(competition: Competition, what: str) -> None:
    """Refuse a change to the results of a finalized competition; `what` names it for the message."""
    if competition.finalized_at is not None:
        raise Frozen(f"This competition is finalized, so {what} can no longer change. "
                     "An admin can reopen it, with a reason, if the results must change.")


def finalize_blocker(competition: Competition, now: datetime) -> str | None:
    """Why the competition cannot be finalized now, or None when it can."""
    if competition.finalized_at is not None:
        return "This competition is already finalized."
    if competition.published_at is None:
        return "A draft cannot be finalized: publish it first, or delete it."
    if now < competition.deadline_at:
        return "A competition can be finalized only after its deadline."
    return None


def finalize(session: Session, competition: Competition, user: User, now: datetime) -> Competition:
    require_manager(competition, user)
    blocker = finalize_blocker(competition, now)
    if blocker:
        raise Conflict(blocker)
    competition.finalized_at = now
    # The private board is fixed from here: mark its statistical ties once (ties.py).
    ties.refresh(session, competition, "private")
    # Medals and season points are computed once, here, from the private board (awards.py).
    awards.grant(session, competition, now)
    audit.record(session, competition, user, AuditAction.FINALIZE, now)
    notifications.competition_finalized(session, competition, now)
    return competition


def reopen(session: Session, competition: Competition, user: User, reason: str, now: datetime) -> Competition:
    """Admins only: lift the freeze so the results may change again; the reason is kept."""
    if not (user is not None and user.is_admin):
        raise Forbidden("Only an admin can reopen a finalized competition.")
    if competition.finalized_at is None:
        raise Conflict("This competition is not finalized.")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Say why the competition is reopened; the audit log keeps the reason.", field="reason")
    if len(reason) > MAX_REASON:
        raise DomainError(f"Keep the reason under {MAX_REASON} characters.", field="reason")
    audit.record(session, competition, user, AuditAction.REOPEN, now, reason=reason,
                 details={"finalized_at": competition.finalized_at.isoformat()})
    competition.finalized_at = None
    # Results may change now: medals and points wait for the next finalize.
    awards.withdraw(session, competition)
    return competition


def move_deadline(session: Session, competition: Competition, user: User, deadline: datetime,
                  now: datetime, *, reason: str = "") -> Competition:
    """Set a new deadline; submissions after it become late (unranked), before it count again."""
    require_manager(competition, user)
    require_unfrozen(competition, "the deadline")
    if deadline <= competition.start_at:
        raise DomainError("The deadline must come after the start.", field="deadline_at")
    old = competition.deadline_at
    if deadline == old:
        return competition
    competition.deadline_at = deadline
    competition.updated_at = now
    session.flush()
    # Lateness is derived from the deadline, so every team's standing may change.
    standings.refresh_all(session, competition)
    audit.record(session, competition, user, AuditAction.DEADLINE, now, reason=reason,
                 details={"from": old.isoformat(), "to": deadline.isoformat()})
    return competition


def close_now(session: Session, competition: Competition, user: User, now: datetime) -> Competition:
    """End an open competition at once: the deadline becomes now."""
    require_manager(competition, user)
    require_unfrozen(competition, "the deadline")
    if competition.state_at(now) != State.OPEN:
        raise Conflict("Only an open competition can be closed now.")
    # Up to the next whole second: nothing already sent becomes late, and the time reads cleanly.
    deadline = now if not now.microsecond else now.replace(microsecond=0) + timedelta(seconds=1)
    return move_deadline(session, competition, user, deadline, now, reason="closed now")
