"""Drafts: a competition hosted from the web form stays a draft, seen only by its organizers and
admins, until one of them publishes it; an unpublished draft can be deleted outright.

Whether a competition is a draft is part of its state (Competition.state_at: unpublished means
State.DRAFT whatever the clock says), so the one visibility rule in competitions/access.py keeps
drafts out of every page, API answer and list, as it keeps competitions that have not started.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from . import audit
from .access import require_manager
from .errors import Conflict
from .models import AuditAction, Competition, State, User


def is_unpublished(competition: Competition) -> bool:
    return competition.published_at is None


def publish_blocker(competition: Competition, now: datetime) -> str | None:
    """Why the draft cannot be published now, or None when it can."""
    if competition.published_at is not None:
        return "This competition is already published."
    if competition.deadline_at <= now:
        return "Its deadline has passed: move the deadline in the settings before publishing."
    return None


def publish(session: Session, competition: Competition, user: User, now: datetime) -> Competition:
    """Make a draft visible: it opens at its start (at once if the start has passed)."""
    require_manager(competition, user)
    blocker = publish_blocker(competition, now)
    if blocker:
        raise Conflict(blocker)
    competition.published_at = now
    competition.updated_at = now
    audit.record(session, competition, user, AuditAction.PUBLISH, now,
                 details={"opens": competition.start_at.isoformat()})
    return competition


def delete_draft(session: Session, competition: Competition, user: User) -> None:
    """Remove an unpublished draft with its files and solution rows (stored files go with storage gc)."""
    require_manager(competition, user)
    if competition.published_at is not None:
        raise Conflict("Only a draft can be deleted; this competition is published. "
                       "Close it or make it unlisted instead.")
    session.delete(competition)
    session.flush()


@dataclass(frozen=True)
class Step:
    state: str          # draft / open / closed / finalized
    label: str          # what happened or will happen, in words
    at: datetime | None  # when (None: not yet known)
    status: str         # done / current / upcoming


def timeline(competition: Competition, now: datetime) -> list[Step]:
    """draft → open → closed → finalized, with the times known so far, for the Manage tab."""
    state = competition.state_at(now)
    order = [State.DRAFT, State.OPEN, State.CLOSED, State.FINALIZED]
    here = order.index(state)

    def status(i: int) -> str:
        return "done" if i < here else "current" if i == here else "upcoming"

    if competition.published_at is None:
        draft = Step("draft", "Draft: only its organizers and admins see it", competition.created_at, status(0))
    else:
        draft = Step("draft", "Published" + (", waiting for its start" if state == State.DRAFT else ""),
                     competition.published_at, status(0))
    opens = "Opens" if competition.start_at > now or competition.published_at is None else "Opened"
    return [
        draft,
        Step("open", f"{opens}: learners join and submit", max(competition.start_at, competition.published_at)
             if competition.published_at else competition.start_at, status(1)),
        Step("closed", "Closes at the deadline: later submissions are not ranked", competition.deadline_at,
             status(2)),
        Step("finalized", "Finalized: the private leaderboard is public and the results frozen",
             competition.finalized_at, status(3)),
    ]
