"""Client fixtures: the real app on a real port, competitions open in real time, and a way to run `holdout`.

The live server uses the real clock, so every competition here started yesterday and closes next month.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest
from client_support import SOLUTION_CSV, TEST_CSV, TRAIN_CSV

from competitions import hosting, tokens
from competitions.db import make_session_factory
from competitions.spec import parse_spec
from competitions.storage import LocalStorage


@pytest.fixture(autouse=True)
def _client_env(monkeypatch, tmp_path):
    """No developer settings leak in; the config file lives in tmp_path."""
    monkeypatch.delenv("HOLDOUT_SERVER", raising=False)
    monkeypatch.delenv("HOLDOUT_TOKEN", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))


@pytest.fixture
def sessions(engine):
    return make_session_factory(engine)


@pytest.fixture
def make_competition(sessions, live_server):
    """make_competition(owner, slug, **metadata overrides) -> slug; open now, files in the server's storage."""
    storage = LocalStorage(str(live_server.data_dir))

    def _make(owner, slug: str = "house-prices", **overrides) -> str:
        now = datetime.now(timezone.utc)
        meta = {"title": "House prices", "slug": slug, "subtitle": "Predict the price", "metric": "rmse",
                "metric_params": {}, "id_column": "id", "start": (now - timedelta(days=1)).isoformat(),
                "deadline": (now + timedelta(days=30)).isoformat(), "daily_limit": 5, "final_selections": 2,
                "description": "Predict well.", "rules": "Be nice.", "visibility": "public"}
        meta.update(overrides)
        with sessions() as s:
            hosting.create_competition(s, storage, s.merge(owner), parse_spec(meta), io.BytesIO(SOLUTION_CSV),
                                       [("train.csv", io.BytesIO(TRAIN_CSV)), ("test.csv", io.BytesIO(TEST_CSV))], now)
            s.commit()
        return slug

    return _make


@pytest.fixture
def make_token(sessions):
    def _make(user) -> str:
        with sessions() as s:
            _, plaintext = tokens.create_token(s, s.merge(user), "client test", now=datetime.now(timezone.utc))
            s.commit()
        return plaintext

    return _make


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def holdout(capsys):
    """holdout(*argv) -> Result: runs the client in-process, as the console script would."""
    from holdout_client.cli import main

    def _run(*argv) -> Result:
        capsys.readouterr()
        code = main([str(a) for a in argv])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return _run


@dataclass
class World:
    server: str
    token: str
    slug: str


@pytest.fixture
def world(make_user, make_competition, make_token, live_server) -> World:
    """An organizer's open competition and a learner's token, on the live server."""
    org = make_user("org", role="organizer")
    alice = make_user("alice")
    return World(server=live_server.url, token=make_token(alice), slug=make_competition(org))
