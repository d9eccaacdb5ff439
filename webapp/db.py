"""One SQLAlchemy session per request, closed at teardown."""
from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from competitions.db import make_engine, make_session_factory


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["holdout.engine"] = engine
    app.extensions["holdout.sessions"] = make_session_factory(engine)
    app.teardown_appcontext(_close_session)


def get_session() -> Session:
    if "db" not in g:
        g.db = current_app.extensions["holdout.sessions"]()
    return g.db


def _close_session(exc: BaseException | None) -> None:
    session = g.pop("db", None)
    if session is None:
        return
    if exc is not None:
        session.rollback()
    session.close()
