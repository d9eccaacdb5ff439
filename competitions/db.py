"""Engine and session factories shared by the web app, the CLI and the tests."""
from __future__ import annotations

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


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
        # IMMEDIATE takes the write lock up front, so two concurrent writers
        # queue instead of failing with "database is locked" on upgrade.
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


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
