"""`flask --app wsgi jobs ...`: run a background worker, or sweep once.

A worker is Huey's consumer on the app's queue (webapp/jobs.py), with the app's settings:
start as many as you like, on any host that reaches the database, the storage and the queue
(a Redis HOLDOUT_QUEUE_URL or HOLDOUT_REDIS_URL to share one queue across hosts).
"""
from __future__ import annotations

import logging

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from .jobs import get_queue, sweep

jobs_cli = AppGroup("jobs", help="Background jobs: scoring large uploads, re-scoring after a solution change.")


def init_app(app: Flask) -> None:
    app.cli.add_command(jobs_cli)


@jobs_cli.command("worker")
@click.option("--workers", "-w", default=2, show_default=True, type=click.IntRange(1, 64),
              help="Jobs run at once (threads) in this process.")
@click.option("--no-periodic", is_flag=True, help="Do not run the periodic sweep (another worker does).")
def worker(workers: int, no_periodic: bool) -> None:
    """Run a worker until stopped (SIGINT finishes running jobs first; SIGTERM stops at once,
    and what it was scoring is taken again once its lease expires)."""
    app = current_app._get_current_object()
    if app.config["JOBS_IMMEDIATE"]:
        raise click.UsageError("HOLDOUT_JOBS_IMMEDIATE=1 runs jobs in the web process; a worker has nothing to do.")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    queue = get_queue(app)
    click.echo(f"Holdout worker: queue {_shown(app.config['QUEUE_URL'])} ({app.config['QUEUE_NAME']}), "
               f"{workers} thread(s), lease {app.config['JOB_LEASE_SECONDS']} s")
    if app.config["QUEUE_URL"].startswith("sqlite:") and not app.config["DATABASE_URL"].startswith("sqlite"):
        click.echo("Note: the queue is a file on this host, so only web processes and workers here share it; "
                   "set HOLDOUT_QUEUE_URL or HOLDOUT_REDIS_URL to a Redis to spread jobs over several hosts.")
    # Start-up sweep: whatever a killed worker left (its message is gone) is queued again.
    _report(sweep(app))
    queue.huey.create_consumer(workers=workers, periodic=not no_periodic, worker_type="thread").run()


@jobs_cli.command("sweep")
def sweep_once() -> None:
    """Queue again what is due (queued uploads, expired leases, unfinished re-scores), then exit."""
    _report(sweep(current_app._get_current_object()))


def _report(due) -> None:
    click.echo(f"Sweep: {len(due.submissions)} upload(s) and {len(due.rescores)} re-score(s) queued again"
               + (f"; gave up on submission(s) {due.gave_up}" if due.gave_up else "") + ".")


def _shown(url: str) -> str:
    """The queue URL without a password."""
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        rest = "***@" + rest.split("@", 1)[1]
    return scheme + sep + rest
