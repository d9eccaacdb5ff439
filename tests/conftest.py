"""Shared fixtures: one migrated database per run, emptied after every test.

The backend comes from HOLDOUT_TEST_DATABASE_URL:
- unset: a temporary SQLite file;
- a PostgreSQL URL: a schema of our own (``holdout_t_<hex>``) on that server,
  reached through ``?options=-csearch_path=<schema>``, dropped at the end.

``make test`` runs the suite once per backend (see scripts/test.sh).
"""
from __future__ import annotations

import os
import re
import secrets
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
TEST_DATABASE_URL = os.environ.get("HOLDOUT_TEST_DATABASE_URL", "").strip()
ON_POSTGRES = TEST_DATABASE_URL.startswith("postgresql")
# In the PostgreSQL pass every collected test must run: a skip there fails.
STRICT_NO_SKIPS = ON_POSTGRES or os.environ.get("HOLDOUT_TEST_NO_SKIPS") == "1"

# Variables the app reads; tests must never see the developer's own settings.
_APP_ENV_VARS = ("HOLDOUT_ENV", "HOLDOUT_DATABASE_URL", "HOLDOUT_SECRET_KEY", "HOLDOUT_DATA_DIR", "HOLDOUT_STORAGE_URL",
                 "HOLDOUT_MAX_UPLOAD_MB", "HOLDOUT_INSTANCE_DIR", "HOLDOUT_BASE_URL", "HOLDOUT_SMTP_URL",
                 "HOLDOUT_MAIL_FROM", "HOLDOUT_REDIS_URL", "HOLDOUT_RATELIMIT_ENABLED",
                 "HOLDOUT_MAX_INFLATED_MB", "HOLDOUT_MAX_COLUMNS", "HOLDOUT_MAX_LINE_KB",
                 "HOLDOUT_INVALID_RETENTION_DAYS", "HOLDOUT_TEAM_STORAGE_MB", "HOLDOUT_METRIC_TIME_LIMIT",
                 "HOLDOUT_QUEUE_URL", "HOLDOUT_ASYNC_SCORING_MB", "HOLDOUT_JOB_LEASE_SECONDS", "HOLDOUT_JOBS_IMMEDIATE", "HOLDOUT_QUEUE_NAME",
                 "HOLDOUT_TEST_SCORING_GATE",
                 *(f"HOLDOUT_LIMIT_{name}" for name in ("SIGNIN_ACCOUNT", "SIGNIN_IP", "SIGNUP_IP", "TOKENS",
                                                        "UPLOADS", "API_AUTH_IP")))
# Where the Redis-backed rate-limit tests find Redis; in CI (CI=true) it must be there.
TEST_REDIS_URL = os.environ.get("HOLDOUT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def pytest_configure(config: pytest.Config) -> None:
    for name in _APP_ENV_VARS:
        os.environ.pop(name, None)
    # Anything that falls back to instance/ lands in a throwaway folder, not the repo's.
    os.environ["HOLDOUT_INSTANCE_DIR"] = tempfile.mkdtemp(prefix="holdout-test-instance-")


def pytest_report_header(config: pytest.Config) -> str:
    backend = f"PostgreSQL ({_redact(TEST_DATABASE_URL)})" if ON_POSTGRES else "SQLite (temporary file)"
    return f"holdout test database: {backend}; skips are failures: {STRICT_NO_SKIPS}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if ON_POSTGRES:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: runs in the PostgreSQL pass of `make test`")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if STRICT_NO_SKIPS and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = (f"skipped in a pass where nothing may be skipped "
                           f"(HOLDOUT_TEST_DATABASE_URL is PostgreSQL): {reason}")
    return report


def _redact(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True) if url else url


# --- databases -------------------------------------------------------------------------------


def alembic_config(url: str) -> Config:
    """Alembic's config for `url`, as the alembic CLI would build it from alembic.ini."""
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    # set_main_option goes through ConfigParser interpolation: a literal % must be doubled.
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["configure_logger"] = False  # leave pytest's logging alone
    return cfg


@pytest.fixture(name="alembic_config")
def alembic_config_fixture() -> Callable[[str], Config]:
    """alembic_config(url) -> an Alembic Config for that database."""
    return alembic_config


def migrate(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


class _Databases:
    """Creates empty databases for this run and removes them afterwards."""

    def __init__(self, tmp_dir: Path) -> None:
        self.tmp_dir = tmp_dir
        self.schemas: list[str] = []
        self._admin: Engine | None = None

    def new(self, label: str = "db") -> str:
        if not ON_POSTGRES:
            path = self.tmp_dir / f"{label}-{secrets.token_hex(4)}.sqlite"
            return f"sqlite:///{path}"
        schema = f"holdout_t_{secrets.token_hex(6)}"
        with self.admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        self.schemas.append(schema)
        # Every connection made through this URL puts the schema first on its search_path,
        # so tables, the alembic_version table and any enum types all land inside it.
        url = make_url(TEST_DATABASE_URL).update_query_dict({"options": f"-csearch_path={schema}"})
        return url.render_as_string(hide_password=False)

    @property
    def admin(self) -> Engine:
        if self._admin is None:
            self._admin = create_engine(TEST_DATABASE_URL, pool_pre_ping=True)
        return self._admin

    def drop(self, url: str) -> None:
        match = re.search(r"search_path(?:=|%3D)(holdout_t_[0-9a-f]+)", url)
        if ON_POSTGRES and match and match.group(1) in self.schemas:
            schema = match.group(1)
            with self.admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            self.schemas.remove(schema)

    def close(self) -> None:
        for schema in list(self.schemas):
            with self.admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        self.schemas.clear()
        if self._admin is not None:
            self._admin.dispose()


@pytest.fixture(scope="session")
def _databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Databases]:
    dbs = _Databases(tmp_path_factory.mktemp("databases"))
    try:
        yield dbs
    finally:
        dbs.close()


@pytest.fixture(scope="session")
def db_url(_databases: _Databases) -> str:
    """The run's shared database, migrated to head once."""
    url = _databases.new("shared")
    migrate(url)
    return url


@pytest.fixture
def fresh_db_url(_databases: _Databases) -> Iterator[str]:
    """A brand-new, empty (unmigrated) database of the current backend, for this test alone."""
    url = _databases.new("fresh")
    yield url
    _databases.drop(url)


@pytest.fixture(scope="session")
def _engine(db_url: str) -> Iterator[Engine]:
    from competitions.db import make_engine

    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def delete_all_rows(engine: Engine) -> None:
    from competitions.models import Base

    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def engine(_engine: Engine) -> Iterator[Engine]:
    """The shared database's engine; every row is deleted after the test."""
    yield _engine
    delete_all_rows(_engine)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A plain SQLAlchemy session for domain tests (commit it yourself)."""
    from competitions.db import make_session_factory

    with make_session_factory(engine)() as s:
        yield s


# --- the web app ------------------------------------------------------------------------------


def _make_app(db_url: str, data_dir: Path, **extra):
    from webapp import create_app

    # Rate limits off: tests sign in and upload far faster than people do. The tests of the
    # limits themselves turn them on (RATELIMIT_ENABLED=True, see limited_app).
    config = {"DATABASE_URL": db_url, "SECRET_KEY": "test-secret", "DATA_DIR": str(data_dir),
              "TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "REDIS_URL": None,
              # Background jobs run in-process as they are queued (tests/jobs start real workers).
              "JOBS_IMMEDIATE": True,
              # Refused files go at once here; tests/cluster runs with the default grace.
              "REFUSED_FILE_GRACE_SECONDS": 0}
    config.update(extra)
    return create_app(config)


@pytest.fixture
def app(db_url: str, engine: Engine, tmp_path: Path):
    app = _make_app(db_url, tmp_path / "data")
    yield app
    app.extensions["holdout.engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def limited_app(db_url: str, engine: Engine, tmp_path: Path):
    """limited_app(**config) -> an app with rate limits on (in memory unless RATELIMIT_STORAGE_URI says)."""
    made = []

    def _make(**extra):
        app = _make_app(db_url, tmp_path / "data", **{"RATELIMIT_ENABLED": True, **extra})
        made.append(app)
        return app

    yield _make
    for app in made:
        app.extensions["holdout.engine"].dispose()


@pytest.fixture
def redis_url() -> str:
    """A reachable Redis for the tests that need one (HOLDOUT_TEST_REDIS_URL, default db 15 on 127.0.0.1).

    Without Redis the test is skipped with the reason, loudly; with CI=true it fails instead,
    as the PostgreSQL pass does (scripts/test.sh starts or demands both in CI).
    """
    import redis

    try:
        client = redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=2)
        client.ping()
        client.close()
    except Exception as exc:  # noqa: BLE001 - any failure to reach it means the same thing
        reason = (f"needs Redis at {TEST_REDIS_URL} (set HOLDOUT_TEST_REDIS_URL, or start redis-server): {exc}")
        if IN_CI:
            pytest.fail(f"CI=true: Redis is mandatory in CI. {reason}", pytrace=False)
        pytest.skip(f"REDIS TEST SKIPPED: {reason}")
    return TEST_REDIS_URL


@pytest.fixture
def csrf_app(db_url: str, engine: Engine, tmp_path: Path):
    app = _make_app(db_url, tmp_path / "data", WTF_CSRF_ENABLED=True)
    yield app
    app.extensions["holdout.engine"].dispose()


@pytest.fixture
def csrf_client(csrf_app):
    return csrf_app.test_client()


# --- users ------------------------------------------------------------------------------------

DEFAULT_PASSWORD = "correct horse battery"


@pytest.fixture
def make_user(engine: Engine) -> Callable:
    """make_user(username, password=DEFAULT_PASSWORD, role="learner", email=None, now=None) -> User (committed).

    `now` defaults to webapp.clock.now(), so a frozen clock dates the account too.
    """
    from competitions import accounts
    from competitions.db import make_session_factory

    factory = make_session_factory(engine)

    import webapp.clock

    def _make(username: str = "alice", password: str = DEFAULT_PASSWORD, role: str = "learner",
              email: str | None = None, now=None):
        with factory() as s:
            user = accounts.create_user(s, username, password, role=role, email=email,
                                        now=now or webapp.clock.now())
            s.commit()
            return user

    return _make


_CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_token_from(html: str) -> str | None:
    match = _CSRF_RE.search(html)
    return (match.group(1) or match.group(2)) if match else None


def login(client, username: str, password: str = DEFAULT_PASSWORD, *, follow_redirects: bool = False):
    """Sign in through POST /signin; works with and without CSRF protection."""
    data = {"username": username, "password": password}
    if client.application.config.get("WTF_CSRF_ENABLED", True):
        token = csrf_token_from(client.get("/signin").get_data(as_text=True))
        if token:
            data["csrf_token"] = token
    return client.post("/signin", data=data, follow_redirects=follow_redirects)


@pytest.fixture(name="login")
def login_fixture() -> Callable:
    """The login(client, username, password) helper, as a fixture."""
    return login


@pytest.fixture(autouse=True)
def _cheap_password_hashes(monkeypatch):
    """argon2 at its smallest cost: still argon2id, but sign-ups take 1 ms instead of 100."""
    from argon2 import PasswordHasher

    from competitions import accounts

    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@dataclass
class LiveServer:
    url: str
    app: object
    data_dir: Path

    def __call__(self, path: str = "/") -> str:
        return self.url + path


@pytest.fixture
def live_server(db_url: str, engine: Engine, tmp_path: Path) -> Iterator[LiveServer]:
    """The app, CSRF on, served by werkzeug on 127.0.0.1:<free port> in a background thread."""
    import logging
    import threading

    from werkzeug.serving import WSGIRequestHandler, make_server

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, *args, **kwargs) -> None:
            pass

    # Without a handler of its own, werkzeug binds a StreamHandler to whatever sys.stderr
    # is at its first message: a test's capture stream, closed by the next test.
    logging.getLogger("werkzeug").addHandler(logging.NullHandler())
    data_dir = tmp_path / "data"
    app = _make_app(db_url, data_dir, WTF_CSRF_ENABLED=True, TESTING=False)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app, data_dir=data_dir)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        app.extensions["holdout.engine"].dispose()
