"""Outgoing mail: queued as rows inside the caller's transaction, delivered only after it commits.

Why a table and not a direct SMTP call: a use case runs inside the request's
transaction, which may still roll back, and an SMTP server may be slow or down.
So use cases only add an OutgoingMail row (`queue`). After the commit, the web
app hands `deliver_pending` to a background thread (webapp/mailer.py): each
message is tried a few times with a pause between tries; a failure is logged
and recorded on the row, and never reaches the request. `flask mail flush`
retries whatever is still unsent.

Mail is queued only when the session says the server can send (`mail_enabled`),
so a server without SMTP never builds up a backlog.
"""
from __future__ import annotations

import logging
import smtplib
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from .models import OutgoingMail

log = logging.getLogger("holdout.mail")

SESSION_FLAG = "holdout.mail_enabled"
QUEUED_FLAG = "holdout.mail_queued"
BASE_URL_FLAG = "holdout.base_url"
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    ssl: bool = False
    timeout: float = 10.0


def parse_smtp_url(url: str) -> SmtpSettings:
    """smtp://user:pass@host:587?starttls=1, or smtps://host:465; ValueError says what is wrong."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError(f"must look like smtp://user:pass@host:587?starttls=1 or smtps://host:465, got {url!r}")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    secure = parts.scheme == "smtps"
    try:
        port = parts.port or (465 if secure else 25)
    except ValueError:
        raise ValueError(f"has an invalid port: {url!r}") from None
    return SmtpSettings(host=parts.hostname, port=port,
                        username=unquote(parts.username) if parts.username else None,
                        password=unquote(parts.password) if parts.password else None,
                        starttls=query.get("starttls", "0").lower() in ("1", "true", "yes"), ssl=secure,
                        timeout=float(query.get("timeout", 10)))


def mail_enabled(session: Session) -> bool:
    return bool(session.info.get(SESSION_FLAG))


def absolute(session: Session, path: str) -> str:
    """A site path as a link for an e-mail, on the base URL the web app put in the session."""
    return session.info.get(BASE_URL_FLAG, "").rstrip("/") + path


def queue(session: Session, to_addr: str | None, subject: str, body: str, now: datetime) -> OutgoingMail | None:
    """Queue a message to go after the commit; None when the server sends no mail or there is no address."""
    if not to_addr or not mail_enabled(session):
        return None
    row = OutgoingMail(to_addr=to_addr, subject=subject[:200], body=body, created_at=now, attempts=0)
    session.add(row)
    session.info[QUEUED_FLAG] = True
    return row


def send_one(settings: SmtpSettings, sender: str, row: OutgoingMail) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, row.to_addr, row.subject
    message.set_content(row.body)
    factory = smtplib.SMTP_SSL if settings.ssl else smtplib.SMTP
    with factory(settings.host, settings.port, timeout=settings.timeout) as smtp:
        if settings.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.username:
            smtp.login(settings.username, settings.password or "")
        smtp.send_message(message)


def deliver_pending(sessions: sessionmaker, settings: SmtpSettings, sender: str, now: Callable[[], datetime],
                    delays: Sequence[float] = (1, 5, 30)) -> int:
    """Send every unsent message, with up to len(delays) retries per round; returns how many were sent.

    Runs outside any request, with its own session. Never raises for SMTP trouble: it logs it and
    records it on the row, which a later round (or `flask mail flush`) tries again, up to MAX_ATTEMPTS.
    """
    sent = 0
    for pause in [0, *delays]:
        if pause:
            time.sleep(pause)
        with sessions() as session:
            rows = list(session.scalars(select(OutgoingMail).where(
                OutgoingMail.sent_at.is_(None), OutgoingMail.attempts < MAX_ATTEMPTS).order_by(OutgoingMail.id)))
            if not rows:
                return sent
            for row in rows:
                row.attempts += 1
                try:
                    send_one(settings, sender, row)
                except (OSError, smtplib.SMTPException) as exc:
                    row.last_error = f"{type(exc).__name__}: {exc}"[:500]
                    log.warning("mail %s to %s failed (attempt %s): %s", row.id, row.to_addr, row.attempts,
                                row.last_error)
                else:
                    row.sent_at, row.last_error = now(), None
                    sent += 1
                session.commit()
    return sent
