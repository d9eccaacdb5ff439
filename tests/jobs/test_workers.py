"""Real worker processes: one killed (SIGKILL) in the middle of scoring, a new one started; the
upload ends scored exactly once, with its quota counted once. On the default SqliteHuey queue and
on Redis (the redis_url fixture: skipped loudly without Redis, a failure in CI)."""
from __future__ import annotations

import io
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from lifecycle_support import predictions
from sqlalchemy import func, select

from competitions.models import QuotaUsage, Submission, SubmissionScore

ROOT = Path(__file__).resolve().parents[2]
API = "/api/v1/competitions/house-prices"
LEASE_SECONDS = 2


def wait_for(what: str, check, log: Path, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}; worker log:\n{log.read_text() if log.exists() else '(none)'}")


class Workers:
    """Starts `flask --app wsgi jobs worker` processes with the test app's settings; stops what it started."""

    def __init__(self, env: dict, logs: Path):
        self.env, self.logs, self.started = env, logs, []

    def start(self, **extra_env) -> subprocess.Popen:
        log = self.logs / f"worker-{len(self.started)}.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker", "--workers", "1"],
                                    cwd=ROOT, env={**self.env, **extra_env}, stdout=out, stderr=subprocess.STDOUT)
        proc.log = log
        self.started.append(proc)
        return proc

    def stop_all(self) -> None:
        for proc in self.started:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)  # graceful: Huey's consumer finishes its jobs
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


@pytest.fixture(params=["sqlite", "redis"])
def queue_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'jobs.sqlite'}"
        return
    url = request.getfixturevalue("redis_url")
    yield url
    import redis

    client = redis.Redis.from_url(url)
    name = request.node.funcargs.get("queue_name") or ""
    for key in client.scan_iter(match=f"*{name}*") if name else ():
        client.delete(key)
    client.close()


@pytest.fixture
def queue_name() -> str:
    return f"test-workers-{secrets.token_hex(4)}"


def test_a_worker_killed_mid_scoring_is_replaced_and_the_file_is_scored_once(
        queued_app, queue_url, queue_name, db_url, people, make_competition, join, bearer, sessions, tmp_path,
        clock):
    competition = make_competition(people.org, daily_limit=2)
    join(competition, people.alice)
    app = queued_app(QUEUE_URL=queue_url, QUEUE_NAME=queue_name)
    sent = app.test_client().post(f"{API}/submissions", headers=bearer(people.alice),
                                  data={"file": (io.BytesIO(predictions(0.2)), "big.csv")})
    assert sent.status_code == 202
    sid = sent.get_json()["id"]

    def status():
        with sessions() as s:
            return s.scalar(select(Submission.status).where(Submission.id == sid))

    gate = tmp_path / "gate"
    env = {**os.environ, "HOLDOUT_DATABASE_URL": db_url, "HOLDOUT_SECRET_KEY": "test-secret",
           "HOLDOUT_DATA_DIR": app.config["DATA_DIR"], "HOLDOUT_QUEUE_URL": queue_url,
           "HOLDOUT_QUEUE_NAME": queue_name, "HOLDOUT_JOB_LEASE_SECONDS": str(LEASE_SECONDS),
           "HOLDOUT_RATELIMIT_ENABLED": "0"}
    workers = Workers(env, tmp_path)
    try:
        # The first worker takes the job and blocks between its claim and its score (the test gate).
        first = workers.start(HOLDOUT_TEST_SCORING_GATE=str(gate))
        wait_for("the first worker to start scoring", lambda: status() == "scoring", first.log)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        assert status() == "scoring"  # its message is gone with it; only the lease is left

        gate.touch()  # nothing blocks from now on
        time.sleep(LEASE_SECONDS + 0.5)  # let the dead worker's lease run out
        second = workers.start()
        wait_for("the second worker to score it", lambda: status() == "scored", second.log)
    finally:
        workers.stop_all()
    assert workers.started[1].returncode == 0, workers.started[1].log.read_text()

    with sessions() as s:
        row = s.get(Submission, sid)
        assert (row.status, row.attempts) == ("scored", 2)
        assert row.public_score == pytest.approx(0.2, abs=1e-3)
        assert s.scalar(select(func.count(SubmissionScore.id)).where(SubmissionScore.submission_id == sid)) == 1
        assert s.scalar(select(func.sum(QuotaUsage.used))) == 1
    assert "Sweep: 1 upload(s)" in workers.started[1].log.read_text()
