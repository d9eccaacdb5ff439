"""The job queue: one Huey instance per app, configured from its settings, and the tasks on it.

SqliteHuey, a file in the instance folder, unless QUEUE_URL names Redis (RedisHuey): then
workers on several hosts share the queue. JOBS_IMMEDIATE runs each job in the calling
process as it is queued (Huey's immediate mode, used by the tests). The queue is built on
first use, so `import webapp` and create_app() import no queue library and open nothing.

The rules live in competitions/jobs.py; these wrappers give them an app context, their own
session, the storage and the clock. Run workers with `flask --app wsgi jobs worker`
(webapp/cli_jobs.py, platform/worker.sh).
"""
from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import Flask, current_app

from competitions import jobs

from . import clock

log = logging.getLogger("holdout.jobs")
_build_lock = threading.Lock()


@dataclass(frozen=True)
class Queue:
    huey: object     # the Huey instance (consumers are made from it)
    score: object    # score(submission_id): score a queued upload
    rescore: object  # rescore(competition_id, version, actor_id=None, from_version=None)
    sweep: object    # the periodic recovery task
    ties: object     # ties(competition_id): re-mark the public board's statistical ties
    discard: object  # discard(sha256): remove a refused upload's file if nothing refers to it


def get_queue(app: Flask | None = None) -> Queue:
    app = app or current_app._get_current_object()
    queue = app.extensions.get("holdout.queue")
    if queue is None:
        with _build_lock:
            queue = app.extensions.get("holdout.queue")
            if queue is None:
                queue = app.extensions["holdout.queue"] = _build(app)
    return queue


def make_huey(config: dict):
    from huey import RedisHuey, SqliteHuey

    url, name, immediate = config["QUEUE_URL"], config["QUEUE_NAME"], bool(config["JOBS_IMMEDIATE"])
    # Results are never read (the database says how a job ended), so none are stored.
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(name, filename=str(path), results=False, immediate=immediate)
    return RedisHuey(name, url=url, results=False, immediate=immediate)


def _build(app: Flask) -> Queue:
    from huey import crontab

    huey = make_huey(app.config)

    # No Huey retries: a failed scoring job leaves its lease, and recovery takes it again once
    # the lease expires (a retry before that would find the lease held and do nothing).
    @huey.task(name="holdout.score_submission")
    def score_submission(submission_id: int) -> str:
        with app.app_context(), _session(app) as session:
            from .storage import get_storage, upload_policy

            outcome = jobs.score_queued(session, get_storage(), submission_id, now=lambda: clock.now(),
                                        lease=lease(app), limits=upload_policy().limits,
                                        before_scoring=_test_gate)
        log.info("submission %s: %s", submission_id, outcome)
        return outcome

    @huey.task(name="holdout.rescore", retries=2, retry_delay=30)
    def rescore(competition_id: int, version: int, actor_id: int | None = None,
                from_version: int | None = None) -> int | None:
        with app.app_context(), _session(app) as session:
            from .storage import get_storage

            changed = jobs.rescore(session, get_storage(), competition_id, version, lambda: clock.now(),
                                   actor_id=actor_id, from_version=from_version)
        log.info("re-score of competition %s to solution v%s: %s", competition_id, version,
                 "nothing to do" if changed is None else f"{changed} score(s) changed")
        return changed

    # Every worker runs it; it is idempotent, so several hosts doing so is harmless.
    @huey.periodic_task(crontab(minute="*"), name="holdout.sweep")
    def periodic_sweep() -> None:
        sweep(app, queued_grace=lease(app))

    # Tie marks after a standing changed (competitions/ties.py): scored here, after the change's
    # commit, in a transaction of its own. Lost (a queue outage), the marks stay hidden, never wrong,
    # until the board's next change.
    @huey.task(name="holdout.ties")
    def refresh_ties(competition_id: int) -> int:
        from competitions import ties
        from competitions.models import Competition

        with app.app_context(), _session(app) as session:
            from .storage import get_storage

            competition = session.get(Competition, competition_id)
            compared = 0 if competition is None else ties.refresh_public(session, competition, get_storage())
            session.commit()
        return compared

    # A refused upload's file, after the grace period (competitions/housekeeping.discard_refused).
    # Lost, it is an unreferenced file that `flask storage gc` removes.
    @huey.task(name="holdout.discard")
    def discard(sha256: str) -> bool:
        from competitions import housekeeping

        with app.app_context(), _session(app) as session:
            from .storage import get_storage

            return housekeeping.discard_if_unreferenced(session, get_storage(), sha256)

    return Queue(huey, score_submission, rescore, periodic_sweep, refresh_ties, discard)


def lease(app: Flask) -> timedelta:
    return timedelta(seconds=app.config["JOB_LEASE_SECONDS"])


def _session(app: Flask):
    session = app.extensions["holdout.sessions"]()
    # A worker's re-scores and uploads re-rank boards: their tie marks read files (competitions/ties.py).
    from competitions import ties

    from .storage import get_storage
    ties.bind_storage(session, get_storage)
    from .db import defer_after_commit

    defer_after_commit(session)
    return session


def sweep(app: Flask, queued_grace: timedelta = timedelta(0)) -> jobs.Due:
    """Queue again what is due (competitions/jobs.recover). At a worker's start every queued
    upload is queued again (grace 0); the periodic sweep leaves those younger than the lease,
    whose messages are most likely still waiting, so a long queue is not doubled every minute."""
    with app.app_context(), _session(app) as session:
        due = jobs.recover(session, clock.now(), lease(app), queued_grace=queued_grace)
    queue = get_queue(app)
    for submission_id in due.submissions:
        queue.score(submission_id)
    for competition_id, version in due.rescores:
        queue.rescore(competition_id, version)
    if due.submissions or due.rescores or due.gave_up:
        log.info("sweep: queued %d upload(s) and %d re-score(s) again; gave up on %s", len(due.submissions),
                 len(due.rescores), due.gave_up or "none")
    return due


def queue_scoring(submission_id: int) -> None:
    """Queue a just-committed upload. If the queue is down the row stays 'queued' and a worker's
    sweep finds it later, so the upload is still accepted."""
    try:
        get_queue().score(submission_id)
    except Exception:  # noqa: BLE001 - any queue failure is recovered the same way
        log.exception("could not queue submission %s; a worker's sweep will pick it up", submission_id)


def queue_rescore(competition_id: int, version: int, actor_id: int | None, from_version: int | None) -> None:
    """Queue the re-score of a just-committed solution version (recovered by the sweep if this fails)."""
    try:
        get_queue().rescore(competition_id, version, actor_id=actor_id, from_version=from_version)
    except Exception:  # noqa: BLE001 - as above
        log.exception("could not queue the re-score of competition %s; a worker's sweep will", competition_id)


def queue_ties(competition_id: int) -> None:
    """Queue the re-marking of a board's ties after a commit that re-ranked it."""
    try:
        get_queue().ties(competition_id)
    except Exception:  # noqa: BLE001 - the marks stay hidden until the next change; never a failed request
        log.exception("could not queue the tie marks of competition %s", competition_id)


def queue_discard(sha256: str) -> None:
    """Discard a refused file after REFUSED_FILE_GRACE_SECONDS (0: now, in this process or a worker)."""
    try:
        grace = current_app.config["REFUSED_FILE_GRACE_SECONDS"]
        task = get_queue().discard
        task.schedule((sha256,), delay=grace) if grace else task(sha256)
    except Exception:  # noqa: BLE001 - `flask storage gc` removes it instead
        log.exception("could not queue the discarding of refused file %s", sha256)


def _test_gate() -> None:
    """TESTS ONLY (tests/jobs/test_workers.py): with HOLDOUT_TEST_SCORING_GATE=<path> set, a scoring
    job waits here, after its claim and before its score, until that file exists, so a test can
    kill the worker mid-job. Unset everywhere else."""
    gate = os.environ.get("HOLDOUT_TEST_SCORING_GATE")
    while gate and not os.path.exists(gate):
        time.sleep(0.05)
