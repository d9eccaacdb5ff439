"""Which queue the app uses: SqliteHuey in the instance folder by default, RedisHuey when Redis is named."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from webapp.config import ConfigError, config_from_env

ROOT = Path(__file__).resolve().parents[2]
BASE = {"DATABASE_URL": "sqlite://", "SECRET_KEY": "k"}


def test_the_default_queue_is_a_file_in_the_instance_folder(monkeypatch, tmp_path):
    from huey import SqliteHuey

    from webapp.jobs import make_huey

    monkeypatch.setenv("HOLDOUT_INSTANCE_DIR", str(tmp_path))
    config = config_from_env(BASE)
    assert config["QUEUE_URL"] == f"sqlite:///{tmp_path / 'jobs.sqlite'}"
    assert (config["ASYNC_SCORING_MB"], config["JOB_LEASE_SECONDS"], config["JOBS_IMMEDIATE"]) == (5, 600, False)
    huey = make_huey(config)
    assert isinstance(huey, SqliteHuey) and huey.storage.filename == str(tmp_path / "jobs.sqlite")


def test_redis_is_used_when_named(monkeypatch):
    from huey import RedisHuey

    from webapp.jobs import make_huey

    monkeypatch.setenv("HOLDOUT_REDIS_URL", "redis://127.0.0.1:6379/3")
    assert config_from_env(BASE)["QUEUE_URL"] == "redis://127.0.0.1:6379/3"
    monkeypatch.setenv("HOLDOUT_QUEUE_URL", "redis://queue.internal:6379/1")
    config = config_from_env(BASE)
    assert config["QUEUE_URL"] == "redis://queue.internal:6379/1"
    assert isinstance(make_huey(config), RedisHuey)  # connects only when used


@pytest.mark.parametrize(("name", "value"), [("HOLDOUT_QUEUE_URL", "amqp://x"), ("HOLDOUT_ASYNC_SCORING_MB", "-1"),
                                             ("HOLDOUT_JOB_LEASE_SECONDS", "0"), ("HOLDOUT_JOBS_IMMEDIATE", "maybe")])
def test_bad_settings_name_their_variable(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        config_from_env(BASE)


def test_importing_webapp_imports_no_queue_library(tmp_path):
    code = "import sys, webapp; webapp.create_app({'DATABASE_URL': 'sqlite://', 'SECRET_KEY': 'k'}); " \
           "print(any(m == 'huey' or m.startswith('huey.') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={"PATH": "/usr/bin:/bin", "HOLDOUT_INSTANCE_DIR": str(tmp_path)})
    assert out.stdout.strip() == "False"


def test_the_worker_command_is_there(tmp_path):
    out = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker", "--help"], cwd=ROOT,
                         capture_output=True, text=True, env={"PATH": "/usr/bin:/bin",
                                                              "HOLDOUT_DATABASE_URL": "sqlite://",
                                                              "HOLDOUT_SECRET_KEY": "k",
                                                              "HOLDOUT_INSTANCE_DIR": str(tmp_path)})
    assert out.returncode == 0, out.stderr
    assert "--workers" in out.stdout and "lease" in out.stdout
