"""Reads never wait for writes: reading sessions begin deferred, writing ones BEGIN IMMEDIATE.

On SQLite (a real file in WAL mode) a long read transaction must not keep a writer out, and must
keep its own snapshot; two writers still queue (the control that shows the test can fail). The
writer here waits for no lock at all (busy_timeout 0): if the reader held one, it would fail at
once with "database is locked", so nothing depends on timing. On PostgreSQL the same holds by MVCC.
"""
from __future__ import annotations

import pytest
from sqlalchemy import event, select, update
from sqlalchemy.exc import OperationalError

from competitions import db
from competitions.models import User


@pytest.fixture
def impatient(engine):
    """Sessions on their own engine (same database) that never wait for SQLite's lock: they fail at once."""
    other = db.make_engine(engine.url.render_as_string(hide_password=False))
    if other.dialect.name == "sqlite":
        @event.listens_for(other, "connect")
        def _no_wait(dbapi_connection, _record):
            dbapi_connection.execute("PRAGMA busy_timeout=0")
    yield db.make_session_factory(other)
    other.dispose()


def test_a_long_read_does_not_block_a_writer(engine, make_user, impatient):
    make_user("alice")
    factory = db.make_session_factory(engine)
    if engine.dialect.name == "sqlite":
        assert engine.url.database and ":memory:" not in engine.url.database  # a real file, WAL mode
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    with factory() as reader, impatient() as writer:
        db.set_mode(reader, db.READ)
        before = reader.scalar(select(User.email).where(User.username == "alice"))  # the read transaction is open
        assert reader.in_transaction()

        writer.execute(update(User).where(User.username == "alice").values(email="alice@example.org"))
        writer.commit()  # with busy_timeout 0 this fails at once if the reader held a lock

        seen = reader.scalar(select(User.email).where(User.username == "alice"))
        if engine.dialect.name == "sqlite":
            assert seen == before  # one snapshot for the whole read transaction
        reader.commit()
        assert reader.scalar(select(User.email).where(User.username == "alice")) == "alice@example.org"


def test_two_writers_queue(engine, make_user, impatient):
    """The control: a writing transaction does hold SQLite's write lock from its BEGIN."""
    make_user("alice")
    factory = db.make_session_factory(engine)
    with factory() as first, impatient() as second:
        first.scalar(select(User.id))  # BEGIN IMMEDIATE: the write lock, before any write
        if engine.dialect.name != "sqlite":
            first.rollback()
            return  # PostgreSQL has no database-wide write lock; row locks are tested in test_quota.py
        with pytest.raises(OperationalError, match="locked"):
            second.scalar(select(User.id))
        first.rollback()
        second.rollback()


def test_a_reading_session_refuses_to_write(engine, make_user):
    make_user("alice")
    with db.make_session_factory(engine)() as session:
        db.set_mode(session, db.READ)
        alice = session.scalar(select(User).where(User.username == "alice"))
        alice.email = "x@example.org"
        with pytest.raises(db.ReadOnlyTransaction):
            session.flush()
        session.rollback()
        with pytest.raises(db.ReadOnlyTransaction):
            session.execute(update(User).values(email=None))
        session.rollback()
        with db.write_transaction(session):
            session.scalar(select(User).where(User.username == "alice")).email = "ok@example.org"
        assert db.reading(session)  # back to reading after the block
    with db.make_session_factory(engine)() as check:
        assert check.scalar(select(User.email).where(User.username == "alice")) == "ok@example.org"


def test_requests_read_for_get_and_write_otherwise(app):
    from webapp.db import get_session

    for method, expected in (("GET", db.READ), ("HEAD", db.READ), ("POST", db.WRITE), ("DELETE", db.WRITE),
                             ("PATCH", db.WRITE), ("PUT", db.WRITE)):
        with app.test_request_context("/", method=method):
            assert db.mode(get_session()) == expected, method
    with app.app_context():  # the CLI and workers: no request, so they write
        assert db.mode(get_session()) == db.WRITE


def test_an_api_read_with_a_token_works_while_another_writer_holds_the_lock(app, engine, make_user, bearer):
    """A GET with a token records its use at most once a minute; the other reads take no lock at all."""
    alice = make_user("alice")
    headers = bearer(alice)
    client = app.test_client()
    assert client.get("/api/v1/competitions", headers=headers).status_code == 200  # records the first use
    if engine.dialect.name != "sqlite":
        return
    factory = db.make_session_factory(engine)
    with factory() as holder:
        holder.scalar(select(User.id))  # BEGIN IMMEDIATE: holds the write lock
        with app.app_context():
            app.extensions["holdout.engine"].dispose()
        # Reads, with the token already recorded this minute: served although a writer holds the lock.
        for _ in range(3):
            assert client.get("/api/v1/competitions", headers=headers).status_code == 200
            assert client.get("/api/v1/competitions").status_code == 200
        holder.rollback()
