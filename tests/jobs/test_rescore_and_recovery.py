"""Re-scoring as a job, and recovery: expired leases, superseded workers, unfinished re-scores."""
from __future__ import annotations

import io
import threading
from datetime import datetime, timedelta

import pytest
from lifecycle_support import DURING, UTC, predictions, solution_csv
from sqlalchemy import func, select

from competitions import catalog, jobs, leaderboard, rescoring, submitting
from competitions.errors import QuotaExceeded
from competitions.models import AuditEntry, QuotaUsage, Submission, SubmissionScore

API = "/api/v1/competitions/house-prices"
V2 = solution_csv(shift=1)  # alice (off by 0.1 under v1) is off by 0.9 under v2; bob stays 0.5 off
LEASE = timedelta(minutes=10)


@pytest.fixture
def scored(people, make_competition, join, submit, clock):
    competition = make_competition(people.org)
    for user in (people.alice, people.bob):
        join(competition, user)
    a = submit(competition, people.alice, predictions(0.1), datetime(2030, 1, 10, 9, tzinfo=UTC))
    b = submit(competition, people.bob, predictions(0.5), datetime(2030, 1, 10, 10, tzinfo=UTC))
    return competition, a, b


def _board(sessions, competition):
    with sessions() as s:
        return [e.team for e in leaderboard.public_board(s, catalog.get_competition(s, competition.slug))]


def test_a_solution_change_rescores_in_a_job(queued_app, run_jobs, scored, people, bearer, sessions):
    competition, a, b = scored
    app = queued_app()
    client, org = app.test_client(), bearer(people.org)
    done = client.post(f"{API}/solution", headers=org, content_type="multipart/form-data",
                       data={"solution": (io.BytesIO(V2), "v2.csv")})
    assert done.status_code == 200 and done.get_json()["version"] == 2 and done.get_json()["rescoring"] == "queued"
    # Installed, but nothing re-scored yet: scores and board as before.
    with sessions() as s:
        assert [r.solution_version for r in s.scalars(select(Submission).order_by(Submission.id))] == [1, 1]
    assert _board(sessions, competition) == ["alice", "bob"]

    assert run_jobs(app) == [("holdout.rescore", 2), ("holdout.ties", 1)]  # then the new board's tie marks
    with sessions() as s:
        rows = list(s.scalars(select(Submission).order_by(Submission.id)))
        assert [r.solution_version for r in rows] == [2, 2]
        assert rows[0].public_score == pytest.approx(0.9, abs=1e-3)
        assert s.scalar(select(func.count(SubmissionScore.id))) == 4
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "rescore"))
        assert {k: entry.details[k] for k in ("from_version", "to_version", "rescored")} == {
            "from_version": 1, "to_version": 2, "rescored": 2}
        assert set(entry.details) == {"from_version", "to_version", "rescored", "changed"}
        assert entry.actor_id == people.org.id
    assert _board(sessions, competition) == ["bob", "alice"]


def test_a_rescore_of_an_older_version_is_skipped(sessions, storage, scored, people):
    competition, a, _ = scored
    with sessions() as s:
        c = catalog.get_competition(s, competition.slug)
        org = s.merge(people.org)
        for data in (V2, solution_csv(shift=2)):
            token = rescoring.preview_replacement(s, storage, c, org, io.BytesIO(data), secret="k", now=DURING).token
            rescoring.confirm_replacement(s, storage, c, org, token, DURING, secret="k", defer=True)
        s.commit()
        cid = c.id
    with sessions() as s:
        assert jobs.rescore(s, storage, cid, 2, lambda: DURING) is None  # v3 is current
    with sessions() as s:
        assert s.get(Submission, a.id).solution_version == 1
        assert jobs.recover(s, DURING, LEASE).rescores == [(cid, 3)]
    with sessions() as s:  # resumed by recovery: no one to name, and the log says so
        assert jobs.rescore(s, storage, cid, 3, lambda: DURING) == 2
        assert jobs.rescore(s, storage, cid, 3, lambda: DURING) is None  # done: idempotent
    with sessions() as s:
        assert s.get(Submission, a.id).solution_version == 3
        assert s.scalar(select(AuditEntry.details).where(AuditEntry.action == "rescore"))["resumed"] is True
        assert jobs.recover(s, DURING, LEASE).rescores == []


def _queue_one(sessions, storage, competition, user, data: bytes, now=DURING):
    policy = submitting.UploadPolicy(queue_from_bytes=0)
    with sessions() as s:
        c = catalog.get_competition(s, competition.slug)
        receipt = submitting.submit(s, storage, c, s.merge(user), "big.csv", io.BytesIO(data), "", now, policy)
        assert receipt.queued
        return receipt.submission.id


def test_an_expired_lease_is_taken_again_and_only_the_last_claim_counts(sessions, storage, scored, people):
    competition, _, _ = scored
    sid = _queue_one(sessions, storage, competition, people.alice, predictions(0.2))
    later = DURING + LEASE + timedelta(seconds=1)
    inner = []

    def another_worker_takes_over():
        # While the first worker scores, its lease runs out and a second worker claims and finishes it.
        with sessions() as s2:
            inner.append(jobs.score_queued(s2, storage, sid, now=lambda: later, lease=LEASE))

    with sessions() as s:
        outcome = jobs.score_queued(s, storage, sid, now=lambda: DURING, lease=LEASE,
                                    before_scoring=another_worker_takes_over)
    assert (inner, outcome) == (["scored"], "superseded")
    with sessions() as s:
        row = s.get(Submission, sid)
        assert (row.status, row.attempts) == ("scored", 2)
        assert s.scalar(select(func.count(SubmissionScore.id)).where(SubmissionScore.submission_id == sid)) == 1
        assert s.scalar(select(func.sum(QuotaUsage.used))) == 3  # two direct uploads and this one


def test_recovery_finds_queued_rows_and_expired_leases_but_not_live_ones(sessions, storage, scored, people):
    competition, _, _ = scored
    waiting = _queue_one(sessions, storage, competition, people.alice, predictions(0.2))
    taken = _queue_one(sessions, storage, competition, people.bob, predictions(0.3))
    with sessions() as s:
        assert jobs.claim(s, taken, DURING, LEASE) == 1
    with sessions() as s:
        assert jobs.recover(s, DURING + timedelta(minutes=1), LEASE).submissions == [waiting]
        # The periodic sweep leaves fresh queued rows to their own messages.
        assert jobs.recover(s, DURING + timedelta(minutes=1), LEASE, queued_grace=LEASE).submissions == []
        assert jobs.recover(s, DURING + LEASE + timedelta(seconds=1), LEASE).submissions == [waiting, taken]


def test_a_file_that_keeps_killing_its_worker_is_given_up(sessions, storage, scored, people):
    competition, _, _ = scored
    sid = _queue_one(sessions, storage, competition, people.alice, predictions(0.2))
    now = DURING
    for _ in range(jobs.MAX_ATTEMPTS):  # each claim's worker "dies": the lease just runs out
        with sessions() as s:
            assert jobs.claim(s, sid, now, LEASE) is not None
        now += LEASE + timedelta(seconds=1)
    with sessions() as s:
        due = jobs.recover(s, now, LEASE)
    assert due.gave_up == [sid] and sid not in due.submissions
    with sessions() as s:
        row = s.get(Submission, sid)
        assert row.status == "error" and row.problems[0]["code"] == "scoring_interrupted"
        assert s.scalar(select(func.sum(QuotaUsage.used))) == 2  # its slot given back


@pytest.mark.parametrize("limits", [{"daily_limit": 3}, {"daily_limit": 50, "total_limit": 3}],
                         ids=["daily", "total"])
def test_concurrent_queued_uploads_never_exceed_the_limit(sessions, storage, people, make_competition, join,
                                                          limits):
    """As tests/lifecycle/test_quota.py's race, on the queued path: exactly L are queued, then scored."""
    n_threads, limit = 8, 3
    competition = make_competition(people.org, **limits)
    join(competition, people.alice)
    now = datetime(2030, 1, 10, 12, 0, tzinfo=UTC)
    barrier = threading.Barrier(n_threads)
    outcomes, lock = [], threading.Lock()
    policy = submitting.UploadPolicy(queue_from_bytes=0)

    def worker(k: int) -> None:
        with sessions() as s:
            c = catalog.get_competition(s, competition.slug)
            user = s.merge(people.alice)
            s.rollback()
            barrier.wait(timeout=30)
            try:
                receipt = submitting.submit(s, storage, c, user, f"{k}.csv", io.BytesIO(predictions(0.1 + k / 100)),
                                            "", now, policy)
                outcome = receipt.submission.status
            except QuotaExceeded:
                outcome = "quota"
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                outcome = f"{type(exc).__name__}: {exc}"
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(outcomes) == ["queued"] * limit + ["quota"] * (n_threads - limit), outcomes
    with sessions() as s:
        ids = list(s.scalars(select(Submission.id).where(Submission.status == "queued")))
    for sid in ids:
        with sessions() as s:
            assert jobs.score_queued(s, storage, sid, now=lambda: now, lease=LEASE) == "scored"
    with sessions() as s:
        assert s.scalar(select(func.count(Submission.id)).where(Submission.status == "scored")) == limit
        assert s.scalar(select(func.sum(QuotaUsage.used))) == limit
