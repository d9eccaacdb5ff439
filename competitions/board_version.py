"""The standings version: changed in the same transaction as anything a leaderboard shows.

Cached boards (webapp/board_cache.py) are keyed by Competition.standings_version, so a
cached board is never stale and needs no expiry. The new version is written as the
transaction commits (before_commit), so the competition's row is locked last and briefly. Rather than trust every use case to
remember a bump, the session notices the changes itself, at flush, from the rows a board
is made of: teams (standing, name, disqualification, merges), team members, submissions
(scores, intervals, selections, disqualifications, re-scores), the competition (deadline,
finalize/reopen, metric, owner) and users who are on a team (username, role: the staff mark).
Bulk UPDATE/DELETE statements on those tables are noticed too (their rows' competitions are
looked up first). bump() is there for anything else.

The version is a fresh random number, not a counter: no lost update to guard against, and a
restored backup never meets a cache entry made from another state under the same number.
"""
from __future__ import annotations

import secrets

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from .models import Competition, Submission, Team, TeamMember, User

_PENDING = "holdout.board_changed"  # session.info: competition ids whose boards changed
# Attributes of a competition or a user that no board shows.
_COMPETITION_IGNORED = frozenset({"standings_version", "updated_at", "description_md", "rules_md", "subtitle",
                                  "invite_token", "data_open"})
_USER_SHOWN = frozenset({"username", "role"})
_ROWS_WITH_COMPETITION = (Team, TeamMember, Submission)


def new_version() -> int:
    return secrets.randbits(62) + 1  # never the column's default, 0


def bump(session: Session, competition_id: int) -> None:
    """Mark the competition's boards changed; the new version is written with the next flush."""
    session.info.setdefault(_PENDING, set()).add(competition_id)


def current(session: Session, competition_id: int) -> int:
    """The committed (or this transaction's) version, read from the database, not the identity map."""
    return session.scalar(select(Competition.standings_version).where(Competition.id == competition_id)) or 0


@event.listens_for(Session, "before_flush")
def _notice_changes(session: Session, _context, _instances) -> None:
    pending = session.info.setdefault(_PENDING, set())
    for obj in [*session.new, *session.deleted, *(o for o in session.dirty if session.is_modified(o))]:
        if isinstance(obj, _ROWS_WITH_COMPETITION):
            if obj.competition_id is not None:
                pending.add(obj.competition_id)
            previous = _previous(obj, "competition_id")
            if previous is not None:
                pending.add(previous)
        elif isinstance(obj, Competition) and obj.id is not None and obj not in session.new:
            if _changed(obj) - _COMPETITION_IGNORED:
                pending.add(obj.id)
        elif isinstance(obj, User) and obj.id is not None and _changed(obj) & _USER_SHOWN:
            with session.no_autoflush:
                pending.update(session.scalars(select(TeamMember.competition_id)
                                               .where(TeamMember.user_id == obj.id)))
    # Written at commit, not here: the competition's row is then the last lock a transaction takes,
    # so two transactions that each hold a team (two uploads, an upload and a disqualification)
    # can never wait on each other through it (PostgreSQL would abort one as a deadlock).


@event.listens_for(Session, "before_commit")
def _apply_before_commit(session: Session) -> None:
    session.flush()  # notice what the commit's own flush would write, then bump once, last
    if session.info.get(_PENDING):
        _apply(session)
        session.flush()


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)


@event.listens_for(Session, "do_orm_execute")
def _notice_bulk(state) -> None:
    if not (state.is_update or state.is_delete):
        return
    mapper = state.bind_mapper
    cls = mapper.class_ if mapper is not None else None
    where = state.statement.whereclause
    if cls in _ROWS_WITH_COMPETITION:
        query = select(cls.competition_id).distinct()
        ids = state.session.scalars(query.where(where) if where is not None else query)
        state.session.info.setdefault(_PENDING, set()).update(ids)
        if state.is_update and "competition_id" in _set_columns(state.statement):
            state.session.info[_PENDING].update(_new_competition_ids(state.statement))
    elif cls is Competition and state.is_update and _set_columns(state.statement) - _COMPETITION_IGNORED:
        query = select(Competition.id)
        state.session.info.setdefault(_PENDING, set()).update(
            state.session.scalars(query.where(where) if where is not None else query))


def _apply(session: Session) -> None:
    pending = session.info.get(_PENDING)
    if not pending:
        return
    with session.no_autoflush:
        for competition_id in sorted(pending):
            competition = session.get(Competition, competition_id)
            if competition is not None and competition not in session.deleted:
                competition.standings_version = new_version()
    pending.clear()


def _changed(obj) -> set[str]:
    state = inspect(obj)
    return {attr.key for attr in state.attrs if attr.history.has_changes()}


def _previous(obj, key: str):
    history = inspect(obj).attrs[key].history
    return history.deleted[0] if history.deleted else None


def _set_columns(statement) -> set[str]:
    values = getattr(statement, "_values", None) or {}
    return {getattr(k, "key", str(k)) for k in values}


def _new_competition_ids(statement) -> set[int]:
    values = getattr(statement, "_values", None) or {}
    for key, value in values.items():
        if getattr(key, "key", str(key)) == "competition_id":
            literal = getattr(value, "value", None)
            return {literal} if isinstance(literal, int) else set()
    return set()
