"""`flask backup` and `flask restore`: a seeded SQLite instance comes back whole in a fresh one."""
from __future__ import annotations

import io
import json
import shlex
import subprocess
import tarfile
from pathlib import Path

import lifecycle_support as data
import pytest
from alembic import command
from sqlalchemy import select, text

from competitions import accounts, hosting, participation, submitting
from competitions.db import make_session_factory
from competitions.models import Competition, CompetitionFile, Submission
from competitions.spec import parse_spec
from competitions.storage import LocalStorage, open_storage

PASSWORD = "correct horse battery"


@pytest.fixture
def frozen_clock(monkeypatch):
    import webapp.clock

    monkeypatch.setattr(webapp.clock, "now", lambda: data.DURING)


@pytest.fixture
def instance(tmp_path, alembic_config):
    """instance(name, migrated=True) -> an app on its own SQLite file and data folder (SQLite whatever
    the test database: a SQLite instance is what `backup` copies whole)."""
    from webapp import create_app

    made = []

    def _make(name: str, migrated: bool = True):
        folder = tmp_path / name
        folder.mkdir()
        url = f"sqlite:///{folder / 'holdout.db'}"
        if migrated:
            command.upgrade(alembic_config(url), "head")
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "s", "DATA_DIR": str(folder / "data"),
                          "TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "REDIS_URL": None})
        made.append(app)
        return app

    yield _make
    for app in made:
        app.extensions["holdout.engine"].dispose()


def seed(app) -> dict:
    """Two competitions, a learner who submitted twice (one scored, one invalid)."""
    storage = LocalStorage(app.config["DATA_DIR"])
    with make_session_factory(app.extensions["holdout.engine"])() as s:
        org = accounts.create_user(s, "org", PASSWORD, role="organizer", now=data.DURING)
        alice = accounts.create_user(s, "alice", PASSWORD, now=data.DURING)
        for slug in ("first", "second"):
            hosting.create_competition(s, storage, org, parse_spec(data.metadata(slug)),
                                       io.BytesIO(data.solution_csv()),
                                       [("train.csv", io.BytesIO(data.TRAIN_CSV)),
                                        ("test.csv", io.BytesIO(data.TEST_CSV))], data.DURING)
        competition = s.scalar(select(Competition).where(Competition.slug == "first"))
        participation.join(s, competition, alice, data.DURING)
        s.commit()
        submitting.submit(s, storage, competition, alice, "good.csv", io.BytesIO(data.predictions(0.5)), "good",
                          data.DURING)
        with pytest.raises(submitting.InvalidSubmission):
            submitting.submit(s, storage, competition, alice, "bad.csv", io.BytesIO(data.invalid_predictions()),
                              "bad", data.DURING)
        s.commit()
    return snapshot(app)


def snapshot(app) -> dict:
    with make_session_factory(app.extensions["holdout.engine"])() as s:
        return {
            "competitions": sorted(s.scalars(select(Competition.slug))),
            "files": sorted((f.name, f.sha256) for f in s.scalars(select(CompetitionFile))),
            "submissions": sorted((x.file_name, x.status, x.public_score, x.file_sha256)
                                  for x in s.scalars(select(Submission))),
        }


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_backup_then_restore_into_a_fresh_instance(instance, tmp_path, frozen_clock, login):
    old = instance("old")
    before = seed(old)
    assert len(before["submissions"]) == 2
    archive = tmp_path / "backups" / "holdout.tar.gz"
    done = run(old, "backup", str(archive))
    assert done.exit_code == 0, done.output
    assert "database: SQLite" in done.output and "pg_dump" not in done.output

    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())
    assert names[:2] == ["manifest.json", "database.sqlite"]
    stored = {p.relative_to(old.config["DATA_DIR"]).as_posix() for p in Path(old.config["DATA_DIR"]).rglob("*")
              if p.is_file()}
    assert {n.removeprefix("data/") for n in names[2:]} == stored and len(stored) == 5  # 3 shared, 2 uploads
    assert manifest["database"] == "sqlite" and manifest["files"] == 5 and manifest["alembic_revision"]

    new = instance("new", migrated=False)  # a brand-new instance: no database file yet
    restored = run(new, "restore", str(archive))
    assert restored.exit_code == 0, restored.output
    assert "5 restored" in restored.output
    assert snapshot(new) == before

    client = new.test_client()
    login(client, "alice", PASSWORD)
    assert client.get("/c/first/files/train.csv").get_data() == data.TRAIN_CSV
    assert client.get("/c/first/files/test.csv").get_data() == data.TEST_CSV
    organizer = new.test_client()
    login(organizer, "org", PASSWORD)
    assert organizer.get("/c/second/files/test.csv").get_data() == data.TEST_CSV
    assert organizer.get("/organize/second/solution").get_data() == data.solution_csv()
    history = client.get("/c/first/submissions").get_data(as_text=True)
    assert "good.csv" in history and "bad.csv" in history
    assert "Scored: public score" in client.post(
        "/c/first/submit", data={"file": (io.BytesIO(data.predictions(0.2)), "again.csv")},
        follow_redirects=True).get_data(as_text=True)


def test_restore_refuses_a_database_with_rows_unless_forced(instance, tmp_path, frozen_clock):
    old = instance("old")
    before = seed(old)
    archive = tmp_path / "b.tar.gz"
    assert run(old, "backup", str(archive)).exit_code == 0
    assert run(old, "backup", str(archive)).exit_code == 1  # never overwrites a backup

    target = instance("target")  # migrated and empty: what `make run` leaves; no --force needed
    assert run(target, "restore", str(archive)).exit_code == 0
    with make_session_factory(target.extensions["holdout.engine"])() as s:
        accounts.create_user(s, "newcomer", PASSWORD, now=data.DURING)
        s.commit()
    refused = run(target, "restore", str(archive))
    assert refused.exit_code == 1 and "already has data" in refused.output and "--force" in refused.output
    forced = run(target, "restore", "--force", str(archive))
    assert forced.exit_code == 0, forced.output
    assert snapshot(target) == before
    with make_session_factory(target.extensions["holdout.engine"])() as s:
        assert s.scalar(text("SELECT count(*) FROM users WHERE username = 'newcomer'")) == 0

    not_a_backup = tmp_path / "x.tar.gz"
    not_a_backup.write_bytes(b"not gzip")
    assert run(target, "restore", str(not_a_backup)).exit_code == 1


def test_backup_is_consistent_while_a_writer_holds_a_transaction(instance, tmp_path, frozen_clock):
    """The online backup API copies the last committed state, without waiting for the writer."""
    app = instance("live")
    seed(app)
    engine = app.extensions["holdout.engine"]
    with engine.connect() as writer:
        transaction = writer.begin()  # BEGIN IMMEDIATE (competitions/db.py): the write lock, held
        writer.execute(text("UPDATE competitions SET title = 'uncommitted'"))
        archive = tmp_path / "live.tar.gz"
        done = run(app, "backup", str(archive))
        transaction.rollback()
    assert done.exit_code == 0, done.output
    fresh = instance("fresh", migrated=False)
    assert run(fresh, "restore", str(archive)).exit_code == 0
    with make_session_factory(fresh.extensions["holdout.engine"])() as s:
        assert set(s.scalars(select(Competition.title))) == {"House prices"}


def test_a_local_backup_restores_onto_s3(instance, tmp_path, frozen_clock, s3_bucket, monkeypatch, login):
    """Restore puts files back through the configured storage: the way from a folder to a bucket."""
    old = instance("old")
    before = seed(old)
    archive = tmp_path / "to-s3.tar.gz"
    assert run(old, "backup", str(archive)).exit_code == 0
    monkeypatch.setenv("HOLDOUT_STORAGE_URL", f"s3://{s3_bucket}/restored")
    new = instance("new", migrated=False)
    restored = run(new, "restore", str(archive))
    assert restored.exit_code == 0 and "5 restored" in restored.output, restored.output
    assert snapshot(new) == before
    assert len(list(open_storage(f"s3://{s3_bucket}/restored").blobs())) == 5
    client = new.test_client()
    login(client, "alice", PASSWORD)
    assert client.get("/c/first/files/train.csv").get_data() == data.TRAIN_CSV

    s3_backup = run(new, "backup", str(tmp_path / "from-s3.tar.gz"))
    assert s3_backup.exit_code == 0 and f"they are in s3://{s3_bucket}/restored" in s3_backup.output
    # SQLite on S3: the archive holds the database; the files stay in the bucket.
    third = instance("third", migrated=False)
    back = run(third, "restore", str(tmp_path / "from-s3.tar.gz"))
    assert back.exit_code == 0 and f"they were in s3://{s3_bucket}/restored" in back.output, back.output
    assert snapshot(third) == before
    client = third.test_client()
    login(client, "alice", PASSWORD)
    assert client.get("/c/first/files/test.csv").get_data() == data.TEST_CSV


@pytest.mark.postgres_only
def test_on_postgresql_backup_prints_a_pg_dump_command_that_works(app, tmp_path, db_url, make_user):
    """The data folder is archived; the database is pg_dump's, and the printed command runs."""
    storage = LocalStorage(app.config["DATA_DIR"])
    storage.put(io.BytesIO(b"a stored file"))
    make_user("someone")
    archive = tmp_path / "pg.tar.gz"
    done = run(app, "backup", str(archive))
    assert done.exit_code == 0, done.output
    assert "NOT in this archive" in done.output
    command = next(line.strip() for line in done.output.splitlines() if line.strip().startswith("pg_dump "))
    with tarfile.open(archive) as tar:
        assert [n for n in tar.getnames() if n != "manifest.json"] == [
            f"data/{sha[:2]}/{sha}" for sha, _, _ in storage.blobs()]
        assert json.loads(tar.extractfile("manifest.json").read())["database"] == "postgresql"
    dumped = subprocess.run(shlex.split(command), capture_output=True, text=True, timeout=120)
    assert dumped.returncode == 0, dumped.stderr
    listing = subprocess.run(["pg_restore", "--list", str(tmp_path / "pg.pgdump")], capture_output=True, text=True,
                             timeout=60)
    assert listing.returncode == 0 and "TABLE DATA" in listing.stdout and " users " in listing.stdout
    restore = run(app, "restore", str(archive))  # files only; the database is pg_restore's
    assert restore.exit_code == 0 and "pg_restore --clean --if-exists" in restore.output


def test_the_pg_commands_name_the_schema_and_never_the_password(tmp_path):
    from sqlalchemy.engine import make_url

    from webapp.cli_backup import pg_commands

    url = make_url("postgresql+psycopg://holdout:s3cret@db.internal:5432/holdout?options=-csearch_path%3Dsite")
    dump, restore = pg_commands(url, tmp_path / "x.pgdump")
    assert "s3cret" not in dump + restore
    assert dump == (f"pg_dump --format=custom --no-owner --schema=site --file={tmp_path}/x.pgdump "
                    "--dbname='postgresql://holdout@db.internal:5432/holdout?options=-csearch_path%3Dsite'")
    assert restore.startswith("pg_restore --clean --if-exists --no-owner --dbname='postgresql://holdout@db")
