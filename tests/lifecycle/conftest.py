"""Fixtures for the competition lifecycle tests; the data they use is in lifecycle_support.py."""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

import pytest
from lifecycle_support import DURING, TEST_CSV, TRAIN_CSV, metadata, solution_csv

from competitions import catalog, hosting, participation, submitting, tokens
from competitions.db import make_session_factory
from competitions.spec import parse_spec
from competitions.storage import LocalStorage


class FrozenClock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> FrozenClock:
    """webapp.clock.now() frozen at DURING; set clock.now to move it."""
    import webapp.clock

    frozen = FrozenClock(DURING)
    monkeypatch.setattr(webapp.clock, "now", frozen)
    return frozen


@pytest.fixture
def storage(app) -> LocalStorage:
    """The app's own storage, so files made here are served by the views."""
    return LocalStorage(app.config["DATA_DIR"])


@pytest.fixture
def sessions(engine):
    return make_session_factory(engine)


@dataclass
class People:
    org: object
    org2: object
    admin: object
    alice: object
    bob: object
    carol: object


@pytest.fixture
def people(make_user) -> People:
    return People(org=make_user("org", role="organizer"), org2=make_user("org2", role="organizer"),
                  admin=make_user("root", role="admin"), alice=make_user("alice"), bob=make_user("bob"),
                  carol=make_user("carol"))


@pytest.fixture
def bearer(sessions):
    """bearer(user) -> headers with a fresh API token for that user."""
    import webapp.clock

    def _make(user) -> dict:
        with sessions() as s:
            _, plaintext = tokens.create_token(s, s.merge(user), "test", now=webapp.clock.now())
            s.commit()
        return {"Authorization": f"Bearer {plaintext}"}

    return _make


@pytest.fixture
def make_competition(sessions, storage):
    """make_competition(owner, slug=..., solution=bytes, **metadata overrides) -> Competition (committed)."""
    def _make(owner, slug: str = "house-prices", solution: bytes | None = None, files=None, **overrides):
        files = files if files is not None else {"train.csv": TRAIN_CSV, "test.csv": TEST_CSV}
        with sessions() as s:
            spec = parse_spec(metadata(slug, **overrides))
            competition = hosting.create_competition(
                s, storage, s.merge(owner), spec, io.BytesIO(solution or solution_csv()),
                [(name, io.BytesIO(data)) for name, data in files.items()], DURING).competition
            s.commit()
            return competition

    return _make


@pytest.fixture
def join(sessions):
    def _join(competition, user, now: datetime = DURING):
        with sessions() as s:
            c = catalog.get_competition(s, competition.slug)
            team = participation.join(s, c, s.merge(user), now)
            s.commit()
            return team

    return _join


@pytest.fixture
def submit(sessions, storage):
    """submit(competition, user, data, now, description) -> Submission (domain level, committed)."""
    def _submit(competition, user, data: bytes, now: datetime = DURING, description: str = ""):
        with sessions() as s:
            c = catalog.get_competition(s, competition.slug)
            receipt = submitting.submit(s, storage, c, s.merge(user), "sub.csv", io.BytesIO(data), description, now)
            return receipt.submission

    return _submit


