"""Forgotten passwords, by e-mail: the same one-time, expiring reset links admins hand out
(accounts.create_reset_link), sent to the address on the account."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from . import accounts, mail
from .models import PasswordReset, User

RESEND_AFTER = timedelta(minutes=5)


def send_reset_link(session: Session, who: str, link_for: Callable[[str], str], now: datetime) -> bool:
    """Mail a reset link to the account named `who` (username or e-mail), if it has an address.

    Returns whether a message was queued; callers must not tell the visitor, so that the page
    does not reveal which accounts exist or have an address.
    """
    who = (who or "").strip()
    if not who or not mail.mail_enabled(session):
        return False
    users = session.scalars(select(User).where(or_(User.username_key == who.lower(),
                                                   func.lower(User.email) == who.lower()))).all()
    if len(users) != 1 or not users[0].email:
        return False
    user = users[0]
    recent = session.scalar(select(func.max(PasswordReset.created_at)).where(PasswordReset.user_id == user.id))
    if recent is not None and now - recent < RESEND_AFTER:
        return False  # one message per few minutes: the form must not become a way to flood an inbox
    _, token = accounts.create_reset_link(session, user, now=now)
    hours = int(accounts.RESET_LINK_LIFETIME.total_seconds() // 3600)
    body = (f"Hello {user.username},\n\nSomeone (hopefully you) asked to reset your Holdout password. "
            f"Open this link within {hours} hours to choose a new one; it works once:\n\n{link_for(token)}\n\n"
            "If you did not ask, ignore this message: your password stays as it is.\n")
    mail.queue(session, user.email, "[Holdout] Reset your password", body, now)
    return True
