"""Sends queued mail after the request's transaction commits, in one background thread.

Use cases only add OutgoingMail rows (competitions.mail.queue), which commit or
roll back with everything else. An `after_commit` hook on the app's sessions then
hands delivery to a single worker thread, so the request never waits on SMTP and
never fails because of it: the worker retries a failed message a few times
(MAIL_RETRY_DELAYS), logs each failure and records it on the row; `flask mail
flush` retries later. With no HOLDOUT_SMTP_URL nothing is queued at all.

Tests call `Mailer.wait()` to block until the worker is idle, instead of sleeping.
"""
from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait

import click
from flask import Flask, current_app, has_request_context, request
from flask.cli import AppGroup
from sqlalchemy import event

from competitions import mail

from . import clock
from .db import get_session

log = logging.getLogger("holdout.mail")


class Mailer:
    def __init__(self, app: Flask):
        self.settings = mail.parse_smtp_url(app.config["SMTP_URL"])
        self.sender = app.config["MAIL_FROM"]
        self.delays = tuple(app.config.get("MAIL_RETRY_DELAYS", ()))
        self.sessions = app.extensions["holdout.sessions"]
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="holdout-mail")
        self._futures: list[Future] = []
        self._lock = threading.Lock()

    def kick(self) -> None:
        """Deliver whatever is queued, in the background."""
        with self._lock:
            self._futures = [f for f in self._futures if not f.done()]
            self._futures.append(self._executor.submit(self._run))

    def _run(self) -> int:
        try:
            return mail.deliver_pending(self.sessions, self.settings, self.sender, clock.now, self.delays)
        except Exception:  # noqa: BLE001 - a broken worker must be logged, never lost silently
            log.exception("mail delivery failed")
            return 0

    def flush(self) -> int:
        """Deliver now, in this thread (the CLI)."""
        return mail.deliver_pending(self.sessions, self.settings, self.sender, clock.now, self.delays)

    def wait(self, timeout: float = 30) -> None:
        with self._lock:
            pending = list(self._futures)
        wait(pending, timeout=timeout)


mail_cli = AppGroup("mail", help="Outgoing e-mail.")


@mail_cli.command("flush")
def flush_command() -> None:
    """Send queued e-mail now (retrying failed messages), e.g. after the SMTP server was down."""
    mailer = current_app.extensions.get("holdout.mailer")
    if mailer is None:
        raise click.ClickException("No SMTP server is configured: set HOLDOUT_SMTP_URL and HOLDOUT_MAIL_FROM.")
    click.echo(f"Sent {mailer.flush()} message(s).")


def init_app(app: Flask) -> None:
    app.cli.add_command(mail_cli)
    if not app.config.get("SMTP_URL"):
        return
    mailer = Mailer(app)
    app.extensions["holdout.mailer"] = mailer
    factory = app.extensions["holdout.sessions"]
    factory.configure(info={mail.SESSION_FLAG: True, mail.BASE_URL_FLAG: app.config.get("BASE_URL") or ""})

    @event.listens_for(factory, "after_commit")
    def _after_commit(session) -> None:
        # Only now is the mail's row durable; the worker reads it with its own session.
        if session.info.pop(mail.QUEUED_FLAG, False):
            mailer.kick()

    @event.listens_for(factory, "after_rollback")
    def _after_rollback(session) -> None:
        session.info.pop(mail.QUEUED_FLAG, None)

    @app.before_request
    def _base_url() -> None:
        # Links in e-mails point where the user came from, unless HOLDOUT_BASE_URL says otherwise.
        if not app.config.get("BASE_URL") and has_request_context():
            get_session().info[mail.BASE_URL_FLAG] = request.host_url.rstrip("/")


def mail_enabled() -> bool:
    return "holdout.mailer" in current_app.extensions
