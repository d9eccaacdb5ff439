"""The web app on S3 (HOLDOUT_STORAGE_URL=s3://...): downloads, scoring, outages, configuration."""
from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
from pathlib import Path

import lifecycle_support as data
import pytest

from competitions import hosting, participation, tokens
from competitions.db import make_session_factory
from competitions.spec import parse_spec
from competitions.storage import LocalStorage, StorageUnavailable, open_storage

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def frozen_clock(monkeypatch):
    import webapp.clock

    monkeypatch.setattr(webapp.clock, "now", lambda: data.DURING)


@pytest.fixture
def make_app(db_url, engine, tmp_path, monkeypatch):
    """make_app(storage_url) -> the app with HOLDOUT_STORAGE_URL set, as a deployment sets it."""
    from webapp import create_app

    made = []

    def _make(storage_url: str):
        monkeypatch.setenv("HOLDOUT_STORAGE_URL", storage_url)
        app = create_app({"DATABASE_URL": db_url, "SECRET_KEY": "test-secret", "DATA_DIR": str(tmp_path / "data"),
                          "TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                          "REDIS_URL": None})
        made.append(app)
        return app

    yield _make
    for app in made:
        app.extensions["holdout.engine"].dispose()


def seed(engine, storage, make_user):
    """An organizer's competition on `storage`, alice joined and holding an API token."""
    org, alice = make_user("org", role="organizer"), make_user("alice")
    with make_session_factory(engine)() as s:
        competition = hosting.create_competition(
            s, storage, s.merge(org), parse_spec(data.metadata("on-s3")), io.BytesIO(data.solution_csv()),
            [("train.csv", io.BytesIO(data.TRAIN_CSV)), ("test.csv", io.BytesIO(data.TEST_CSV))],
            data.DURING).competition
        participation.join(s, competition, s.merge(alice), data.DURING)
        _, token = tokens.create_token(s, s.merge(alice), "t", now=data.DURING)
        s.commit()
    return {"Authorization": f"Bearer {token}"}


def test_the_app_on_s3_serves_downloads_and_scores_uploads(make_app, s3_bucket, make_user, login, engine,
                                                            frozen_clock, tmp_path):
    from webapp.storage import get_storage, storage_from_config

    app = make_app(f"s3://{s3_bucket}/holdout")
    storage = storage_from_config(app.config)
    assert storage.describe() == f"s3://{s3_bucket}/holdout"
    bearer = seed(engine, storage, make_user)
    client = app.test_client()
    login(client, "alice")

    page = client.get("/c/on-s3/files/train.csv")
    assert page.status_code == 200 and page.get_data() == data.TRAIN_CSV
    api = client.get("/api/v1/competitions/on-s3/files/test.csv", headers=bearer)
    assert api.status_code == 200 and api.get_data() == data.TEST_CSV

    upload = data.predictions(0.5, 0.1)
    scored = client.post("/c/on-s3/submit", data={"file": (io.BytesIO(upload), "predictions.csv"),
                                                  "description": "from s3"}, follow_redirects=True)
    assert scored.status_code == 200 and "Scored: public score 0.50" in scored.get_data(as_text=True)
    assert data.sha256(upload) in {sha for sha, _, _ in storage.blobs()}
    with app.app_context():
        assert get_storage().exists(data.sha256(upload))
    # Nothing went to the local data folder.
    assert not (tmp_path / "data").exists() or not any((tmp_path / "data").rglob("*"))


def test_a_storage_outage_is_a_503_not_a_traceback(make_app, s3_bucket, make_user, login, engine, frozen_clock,
                                                    monkeypatch):
    app = make_app(f"s3://{s3_bucket}/holdout")
    from webapp.storage import storage_from_config

    bearer = seed(engine, storage_from_config(app.config), make_user)
    client = app.test_client()
    login(client, "alice")
    assert client.get("/c/on-s3/files/train.csv").status_code == 200

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{dead}")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    page = client.get("/c/on-s3/files/train.csv")
    assert page.status_code == 503 and page.headers["Retry-After"] == "60"
    assert "File storage is unavailable right now" in page.get_data(as_text=True)
    api = client.get("/api/v1/competitions/on-s3/files/train.csv", headers=bearer)
    assert api.status_code == 503 and api.get_json()["error"] == "storage_unavailable"
    upload = client.post("/c/on-s3/submit", data={"file": (io.BytesIO(data.predictions(0.5)), "p.csv")})
    assert upload.status_code == 503


def test_a_missing_bucket_is_a_503_and_a_clear_start_up_error(make_app, s3_env, make_user, login, engine,
                                                                frozen_clock, tmp_path):
    seed(engine, LocalStorage(tmp_path / "elsewhere"), make_user)
    app = make_app("s3://no-such-bucket/holdout")
    client = app.test_client()
    login(client, "alice")
    page = client.get("/c/on-s3/files/train.csv")
    assert page.status_code == 503 and "File storage is unavailable" in page.get_data(as_text=True)

    checked = app.test_cli_runner().invoke(args=["storage", "check"])
    assert checked.exit_code == 1
    assert "The S3 bucket 'no-such-bucket' does not exist" in checked.output
    started = app.test_cli_runner().invoke(args=["storage", "clean-temp"])  # what scripts/run.sh runs first
    assert started.exit_code == 1 and "no-such-bucket" in started.output and "Traceback" not in started.output


def test_storage_check_and_gc_commands_on_s3(make_app, s3_bucket):
    app = make_app(f"s3://{s3_bucket}")
    checked = app.test_cli_runner().invoke(args=["storage", "check"])
    assert checked.exit_code == 0 and f"Storage OK: s3://{s3_bucket}" in checked.output
    open_storage(f"s3://{s3_bucket}").put(io.BytesIO(b"an orphan"))
    gc = app.test_cli_runner().invoke(args=["storage", "gc"])
    assert gc.exit_code == 0 and "0 unreferenced" in gc.output  # younger than a day: kept


def test_every_s3_error_names_the_bucket_and_what_to_fix(s3_env, monkeypatch):
    missing = open_storage("s3://absent-bucket/p")
    for call in (missing.check, lambda: missing.exists("a" * 64), lambda: missing.open("a" * 64),
                 lambda: missing.put(io.BytesIO(b"x")), lambda: list(missing.blobs())):
        with pytest.raises(StorageUnavailable, match="'absent-bucket' does not exist"):
            call()
    dead = open_storage("s3://any/p")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens on the discard port
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    with pytest.raises(StorageUnavailable, match="cannot be reached"):
        dead.check()
    # No keys anywhere (and no instance metadata service asked: it is not there).
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)
    with pytest.raises(StorageUnavailable, match="No AWS credentials.*AWS_ACCESS_KEY_ID"):
        dead.check()


def test_one_client_per_process_shared_by_every_storage(s3_env):
    from competitions.storage_s3 import S3Storage, parse_url
    from webapp.storage import storage_from_config

    a = storage_from_config({"STORAGE_URL": "s3://one/a", "DATA_DIR": "/unused"})
    b = storage_from_config({"STORAGE_URL": "s3://two", "DATA_DIR": "/unused"})  # a plain dict: no app needed
    assert isinstance(a, S3Storage) and (a.bucket, a.prefix, b.bucket, b.prefix) == ("one", "a", "two", "")
    assert a.client is b.client
    assert isinstance(storage_from_config({"DATA_DIR": "/srv/data"}), LocalStorage)
    assert parse_url("s3://bucket/deep/prefix/") == ("bucket", "deep/prefix")
    with pytest.raises(ValueError, match="names a bucket"):
        open_storage("s3:///prefix")


def test_storage_url_configuration(monkeypatch, tmp_path):
    from webapp.config import ConfigError, config_from_env

    base = {"DATABASE_URL": "sqlite://", "SECRET_KEY": "x", "DATA_DIR": str(tmp_path / "d")}
    assert config_from_env(base)["STORAGE_URL"] == str(tmp_path / "d")
    monkeypatch.setenv("HOLDOUT_STORAGE_URL", "s3://bucket/holdout")
    assert config_from_env(base)["STORAGE_URL"] == "s3://bucket/holdout"
    for bad in ("s3://", "s3:///prefix", "ftp://host/x"):
        monkeypatch.setenv("HOLDOUT_STORAGE_URL", bad)
        with pytest.raises(ConfigError, match="HOLDOUT_STORAGE_URL"):
            config_from_env(base)


def test_importing_the_app_on_local_storage_loads_no_boto3(tmp_path):
    code = ("import sys; from webapp import create_app; "
            "app = create_app({'DATABASE_URL': 'sqlite://', 'SECRET_KEY': 'x', 'DATA_DIR': sys.argv[1]}); "
            "from webapp.storage import storage_from_config; storage_from_config(app.config).check(); "
            "loaded = sorted(m for m in ('boto3', 'botocore', 's3transfer') if m in sys.modules); "
            "print(loaded); sys.exit(1 if loaded else 0)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOLDOUT_STORAGE")}
    env["HOLDOUT_INSTANCE_DIR"] = str(tmp_path / "instance")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "data")], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
