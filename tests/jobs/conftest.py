"""Fixtures for the background-job tests: the lifecycle tests' people and competitions, and an
app whose queue really holds the jobs (not Huey's immediate mode), so a test decides when they run."""
from __future__ import annotations

import importlib.util
import secrets
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
# The lifecycle tests' competition data (lifecycle_support.py) and fixtures, reused as they are.
if str(HERE.parent / "lifecycle") not in sys.path:
    sys.path.insert(0, str(HERE.parent / "lifecycle"))
_spec = importlib.util.spec_from_file_location("lifecycle_fixtures", HERE.parent / "lifecycle" / "conftest.py")
_lifecycle = sys.modules["lifecycle_fixtures"] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_lifecycle)
clock, storage, sessions, people, bearer = (_lifecycle.clock, _lifecycle.storage, _lifecycle.sessions,
                                            _lifecycle.people, _lifecycle.bearer)
make_competition, join, submit = _lifecycle.make_competition, _lifecycle.join, _lifecycle.submit


@pytest.fixture
def queued_app(db_url, engine, tmp_path):
    """queued_app(**config) -> an app whose jobs wait in a real SqliteHuey file (tmp) until run_jobs()
    or a worker takes them; every upload is queued (ASYNC_SCORING_MB 0) unless config says otherwise."""
    from webapp import create_app

    made = []

    def _make(**extra):
        # As tests/conftest.py makes its apps, but with a queue that keeps its jobs.
        config = {"DATABASE_URL": db_url, "SECRET_KEY": "test-secret", "DATA_DIR": str(tmp_path / "data"),
                  "TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "REDIS_URL": None,
                  "JOBS_IMMEDIATE": False, "QUEUE_URL": f"sqlite:///{tmp_path / 'jobs.sqlite'}",
                  "QUEUE_NAME": f"test-{secrets.token_hex(4)}", "ASYNC_SCORING_MB": 0, **extra}
        app = create_app(config)
        made.append(app)
        return app

    yield _make
    for app in made:
        app.extensions["holdout.engine"].dispose()


def run_jobs(app) -> list:
    """Run every job waiting in the app's queue, here, as a worker would; what each returned."""
    from webapp.jobs import get_queue

    huey = get_queue(app).huey
    done = []
    while (task := huey.dequeue()) is not None:
        done.append((task.name, huey.execute(task)))
    return done


@pytest.fixture(name="run_jobs")
def run_jobs_fixture():
    return run_jobs
