"""One SQLAlchemy session per request, closed at teardown.

GET and HEAD requests read: their transactions begin deferred, so on SQLite they take
no lock a writer waits for (competitions/db.py). Other methods write: BEGIN IMMEDIATE.
A GET that must write (a token's last use, say) wraps that in db.write_transaction().
"""
from __future__ import annotations

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session

from competitions import db
from competitions.db import make_engine, make_session_factory

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["holdout.engine"] = engine
    app.extensions["holdout.sessions"] = make_session_factory(engine)
    app.teardown_appcontext(_close_session)


def get_session() -> Session:
    if "db" not in g:
        session = current_app.extensions["holdout.sessions"]()
        # Outside a request (the CLI, a worker, a test's app context) a session writes.
        reads = has_request_context() and request.method in SAFE_METHODS
        db.set_mode(session, db.READ if reads else db.WRITE)
        # Use cases that re-rank a board without being handed the storage read files through this
        # (competitions/ties.py); a factory, so nothing is opened unless a tie must be recomputed.
        from competitions import ties

        from .storage import get_storage
        ties.bind_storage(session, get_storage)
        defer_after_commit(session)
        g.db = session
    return g.db


def defer_after_commit(session: Session) -> None:
    """Work this session's use cases leave for after their commit, as jobs: the tie marks of boards
    they re-ranked (competitions/ties.py) and refused files to discard after a grace period
    (competitions/housekeeping.discard_refused)."""
    from competitions import housekeeping, ties

    session.info[ties.DEFERRED] = set()
    session.info[housekeeping.REFUSED] = set()


@event.listens_for(Session, "after_commit")
def _queue_deferred_work(session: Session) -> None:
    from competitions import housekeeping, ties

    boards, refused = session.info.get(ties.DEFERRED), session.info.get(housekeeping.REFUSED)
    if not boards and not refused:
        return
    from .jobs import queue_discard, queue_ties

    for competition_id in sorted(boards or ()):
        queue_ties(competition_id)
    for sha256 in sorted(refused or ()):
        queue_discard(sha256)
    for pending in (boards, refused):
        if pending:
            pending.clear()


@event.listens_for(Session, "after_rollback")
def _forget_tie_marks(session: Session) -> None:
    from competitions import ties

    pending = session.info.get(ties.DEFERRED)
    if pending:
        pending.clear()


def _close_session(exc: BaseException | None) -> None:
    session = g.pop("db", None)
    if session is None:
        return
    if exc is not None:
        session.rollback()
    session.close()
