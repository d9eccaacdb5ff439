"""Engine and session factories shared by the web app, the CLI and the tests.

Read and write transactions (SQLite). Every transaction of a session begins in the
session's mode: "write" (BEGIN IMMEDIATE: the write lock up front, so two writers
queue instead of one failing with "database is locked" when it upgrades) or "read"
(a deferred BEGIN: in WAL mode a reader takes no lock a writer waits for, and sees one
snapshot). Sessions write by default, so code that forgets to choose is slow at worst,
never wrong; the web app reads for GET and HEAD (webapp/db.py), and a block that
writes inside a reading session says so with write_transaction(). A reading session
refuses to write (ReadOnlyTransaction), on every database, so a GET that writes fails
in the tests instead of failing with "database is locked" under load. PostgreSQL has no
such lock; the modes only keep both databases behaving alike.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

# The session (and connection) execution option that carries the mode.
MODE_OPTION = "holdout_transaction"
READ, WRITE = "read", "write"


class ReadOnlyTransaction(RuntimeError):
    """A reading session tried to write: wrap the write in write_transaction(session)."""


def make_engine(url: str, **kwargs) -> Engine:
    """Create an engine; SQLite gets the settings a multi-threaded server needs."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite opens transactions lazily and lets SELECTs run outside them, which
    # breaks "read then write" atomicity. Take over BEGIN ourselves, as the
    # SQLAlchemy docs recommend, and enforce foreign keys.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # The session's mode reaches the connection as an execution option (Session
        # applies its execution_options before it begins); a plain engine.begin() writes.
        if conn.get_execution_options().get(MODE_OPTION) == READ:
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    # Every session keeps the boards' standings version in step with what they show.
    from . import board_version  # noqa: F401  (registers its session listeners; imports the models)

    return sessionmaker(bind=engine, expire_on_commit=False)


def set_mode(session: Session, mode: str) -> None:
    """The mode of the session's next transactions (the open one, if any, keeps its own)."""
    if mode not in (READ, WRITE):
        raise ValueError(f"mode is {READ!r} or {WRITE!r}")
    session.execution_options = session.execution_options.union({MODE_OPTION: mode})


def mode(session: Session) -> str:
    return session.execution_options.get(MODE_OPTION, WRITE)


def reading(session: Session) -> bool:
    return mode(session) == READ


@contextmanager
def write_transaction(session: Session) -> Iterator[Session]:
    """Run a block that writes in a transaction of its own that takes the write lock up front.

    Ends the session's open read transaction first (it holds no changes: a reading
    session cannot make any), commits the block's work at the end (rolls it back on an
    exception), then returns the session to the mode it had. In a writing session it
    is just "commit at the end".
    """
    if has_pending_changes(session):
        raise RuntimeError("write_transaction() starts a transaction of its own; commit or roll back first")
    previous = mode(session)
    if session.in_transaction():
        session.commit()  # a read snapshot only: there is nothing to write
    set_mode(session, WRITE)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        set_mode(session, previous)


def end_read_transaction(session: Session) -> None:
    """Commit the open transaction, which must hold no changes, so the next one begins afresh."""
    if has_pending_changes(session):
        raise RuntimeError("the open transaction holds changes; commit or roll back first")
    if session.in_transaction():
        session.commit()


@event.listens_for(Session, "before_flush")
def _refuse_writes_when_reading(session: Session, _context, _instances) -> None:
    if reading(session) and _unflushed_changes(session):
        raise ReadOnlyTransaction(
            "This session only reads (a GET or HEAD request): do the write inside "
            "competitions.db.write_transaction(session).")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_writes_when_reading(state) -> None:
    if (state.is_insert or state.is_update or state.is_delete) and reading(state.session):
        raise ReadOnlyTransaction(
            "This session only reads (a GET or HEAD request): do the write inside "
            "competitions.db.write_transaction(session).")


# Which sessions hold flushed but uncommitted writes: a use case that must commit in
# steps (submitting) asks this so it never commits its caller's work by surprise.
@event.listens_for(Session, "after_flush")
def _note_flushed_writes(session: Session, _context) -> None:
    # Still the pre-flush state here; a flush of merely merged, unchanged objects writes nothing.
    if _unflushed_changes(session):
        session.info["flushed_writes"] = True


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_flushed_writes(session: Session) -> None:
    session.info.pop("flushed_writes", None)


def has_pending_changes(session: Session) -> bool:
    """Changes not yet committed: unflushed ones, or flushed ones in the open transaction."""
    return bool(session.info.get("flushed_writes")) or _unflushed_changes(session)


def _unflushed_changes(session: Session) -> bool:
    # session.dirty is optimistic (merge() marks objects it only copied); is_modified() is not.
    return bool(session.new or session.deleted or any(session.is_modified(obj) for obj in session.dirty))
