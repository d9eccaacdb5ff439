"""Configuration from HOLDOUT_* variables: secrets, cookies and limits."""
from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from webapp import create_app
from webapp.config import ConfigError

ROOT_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture
def env(monkeypatch, tmp_path):
    """A clean environment whose instance folder is a temporary directory."""
    for name in ("HOLDOUT_ENV", "HOLDOUT_SECRET_KEY", "HOLDOUT_DATABASE_URL", "HOLDOUT_DATA_DIR",
                 "HOLDOUT_MAX_UPLOAD_MB", "HOLDOUT_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOLDOUT_INSTANCE_DIR", str(tmp_path / "instance"))
    return monkeypatch


@pytest.fixture
def build(db_url, engine):
    """build(overrides) -> app on the test database; engines are disposed afterwards."""
    apps = []

    def _build(overrides: dict | None = None):
        app = create_app({"DATABASE_URL": db_url, **(overrides or {})})
        apps.append(app)
        return app

    yield _build
    for app in apps:
        app.extensions["holdout.engine"].dispose()


def test_production_without_a_secret_key_refuses_to_start(env, build):
    env.setenv("HOLDOUT_ENV", "production")
    with pytest.raises(ConfigError, match="HOLDOUT_SECRET_KEY"):
        build()


def test_production_uses_the_given_secret_key(env, build):
    env.setenv("HOLDOUT_ENV", "production")
    env.setenv("HOLDOUT_SECRET_KEY", "s3cret-from-the-environment")
    app = build()
    assert app.secret_key == "s3cret-from-the-environment"
    assert app.config["HOLDOUT_ENV"] == "production"


def test_local_runs_generate_a_secret_key_once_and_keep_it(env, build, tmp_path):
    key_file = tmp_path / "instance" / "secret_key"
    assert not key_file.exists()

    first = build()
    assert key_file.exists()
    assert len(first.secret_key) >= 32
    assert first.secret_key == key_file.read_text().strip()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600

    second = build()
    assert second.secret_key == first.secret_key


def _cookie_header(app) -> str:
    @app.route("/__set_cookie_for_test")
    def _set_cookie():
        from flask import session

        session["probe"] = 1
        return "ok"

    response = app.test_client().get("/__set_cookie_for_test", base_url="https://localhost")
    cookies = [value for value in response.headers.getlist("Set-Cookie") if value.startswith("session=")]
    assert cookies, response.headers
    return cookies[0]


def test_session_cookie_flags_in_development(env, build):
    app = build()
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["SESSION_COOKIE_SECURE"] is False
    header = _cookie_header(app)
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
    assert "Secure" not in header


def test_session_cookie_flags_in_production(env, build):
    env.setenv("HOLDOUT_ENV", "production")
    env.setenv("HOLDOUT_SECRET_KEY", "s3cret-from-the-environment")
    app = build()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    header = _cookie_header(app)
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
    assert "Secure" in header


def test_upload_limit_comes_from_the_environment(env, build):
    env.setenv("HOLDOUT_MAX_UPLOAD_MB", "7")
    app = build()
    assert app.config["MAX_UPLOAD_MB"] == 7
    assert app.config["MAX_CONTENT_LENGTH"] == 7 * 1024 * 1024


def test_a_non_numeric_upload_limit_names_the_variable(env, build):
    env.setenv("HOLDOUT_MAX_UPLOAD_MB", "lots")
    with pytest.raises(ConfigError, match="HOLDOUT_MAX_UPLOAD_MB"):
        build()


def test_data_dir_comes_from_the_environment(env, build, tmp_path):
    env.setenv("HOLDOUT_DATA_DIR", str(tmp_path / "elsewhere"))
    app = build()
    assert app.config["DATA_DIR"] == str(tmp_path / "elsewhere")


def test_the_database_url_defaults_to_sqlite_in_the_instance_folder(env, tmp_path):
    from webapp.config import database_url_from_env

    assert database_url_from_env() == f"sqlite:///{tmp_path / 'instance' / 'holdout.db'}"
    env.setenv("HOLDOUT_DATABASE_URL", "postgresql+psycopg://u@h/db")
    assert database_url_from_env() == "postgresql+psycopg://u@h/db"


def test_wsgi_refuses_to_start_in_production_without_a_secret_key(tmp_path):
    import subprocess
    import sys

    env = {"PATH": os.environ.get("PATH", ""), "HOLDOUT_ENV": "production",
           "HOLDOUT_INSTANCE_DIR": str(tmp_path), "HOLDOUT_DATABASE_URL": f"sqlite:///{tmp_path}/h.db"}
    done = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT_DIR, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.strip() == "Holdout cannot start: HOLDOUT_SECRET_KEY must be set when HOLDOUT_ENV=production"


def test_base_url_is_unset_by_default(env, build):
    assert build().config["BASE_URL"] is None


def test_base_url_comes_from_the_environment_and_reset_links_use_it(env, build, make_user):
    env.setenv("HOLDOUT_BASE_URL", "https://holdout.example.org/")
    app = build()
    assert app.config["BASE_URL"] == "https://holdout.example.org"
    make_user("alice")
    result = app.test_cli_runner().invoke(args=["users", "reset-link", "alice"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1].startswith("https://holdout.example.org/reset/")


@pytest.mark.parametrize("value", ["holdout.example.org", "ftp://holdout.example.org", "https://"])
def test_a_base_url_without_scheme_or_host_is_refused(env, build, value):
    env.setenv("HOLDOUT_BASE_URL", value)
    with pytest.raises(ConfigError, match="HOLDOUT_BASE_URL"):
        build()


_LIMIT_VARS = ("HOLDOUT_MAX_INFLATED_MB", "HOLDOUT_MAX_COLUMNS", "HOLDOUT_MAX_LINE_KB",
               "HOLDOUT_INVALID_RETENTION_DAYS", "HOLDOUT_TEAM_STORAGE_MB")


def test_upload_limit_defaults(env, build):
    for name in _LIMIT_VARS:
        env.delenv(name, raising=False)
    config = build().config
    assert (config["MAX_UPLOAD_MB"], config["MAX_INFLATED_MB"], config["MAX_COLUMNS"], config["MAX_LINE_KB"],
            config["INVALID_RETENTION_DAYS"], config["TEAM_STORAGE_MB"]) == (100, 1000, 10_000, 1024, 7, 1000)


def test_the_inflated_limit_follows_the_upload_limit_unless_set(env, build):
    for name in _LIMIT_VARS:
        env.delenv(name, raising=False)
    env.setenv("HOLDOUT_MAX_UPLOAD_MB", "20")
    assert build().config["MAX_INFLATED_MB"] == 200
    env.setenv("HOLDOUT_MAX_INFLATED_MB", "50")
    env.setenv("HOLDOUT_INVALID_RETENTION_DAYS", "3")
    env.setenv("HOLDOUT_TEAM_STORAGE_MB", "250")
    app = build()
    assert (app.config["MAX_INFLATED_MB"], app.config["INVALID_RETENTION_DAYS"], app.config["TEAM_STORAGE_MB"]) == (
        50, 3, 250)
    with app.app_context():
        from webapp.storage import upload_policy

        policy = upload_policy()
    assert policy.limits.max_inflated_bytes == 50 << 20 and policy.team_storage_bytes == 250 << 20
    assert policy.invalid_retention_days == 3


@pytest.mark.parametrize("name,value,match", [
    ("HOLDOUT_MAX_INFLATED_MB", "lots", "must be an integer"),
    ("HOLDOUT_MAX_INFLATED_MB", "0", "positive"),
    ("HOLDOUT_MAX_INFLATED_MB", "50", "at least HOLDOUT_MAX_UPLOAD_MB"),
    ("HOLDOUT_INVALID_RETENTION_DAYS", "-1", "positive"),
    ("HOLDOUT_TEAM_STORAGE_MB", "1.5", "must be an integer"),
    ("HOLDOUT_MAX_COLUMNS", "0", "positive"),
])
def test_bad_upload_limits_refuse_to_start(env, build, name, value, match):
    for other in _LIMIT_VARS:
        env.delenv(other, raising=False)
    env.setenv(name, value)
    with pytest.raises(ConfigError, match=f"{name}.*{match}|{match}"):
        build()
