"""API tokens: shown once, stored as a hash, revocable."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .errors import NotFound
from .models import ApiToken, User

PREFIX = "hdt_"
# last_used_at is kept to the minute: an API read then writes at most once a minute per token,
# so reads do not queue for the database's write lock (competitions/db.py).
LAST_USED_RESOLUTION = timedelta(minutes=1)


def digest(token: str) -> str:
    """sha256 hex of a random secret: enough for 256-bit tokens, and what is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, user: User, label: str = "", *, now: datetime) -> tuple[ApiToken, str]:
    """Returns the row and the plaintext token, which is never stored."""
    plaintext = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_hash=digest(plaintext), label=label.strip()[:80], created_at=now)
    session.add(row)
    session.flush()
    return row, plaintext


def user_for_token(session: Session, plaintext: str, *, now: datetime) -> User | None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(plaintext)))
    if row is None or row.revoked_at is not None:
        return None
    if needs_touch(row, now):
        row.last_used_at = now
    return row.user


def needs_touch(row: ApiToken, now: datetime) -> bool:
    return row.last_used_at is None or abs(now - row.last_used_at) >= LAST_USED_RESOLUTION


def token_needs_touch(session: Session, plaintext: str, *, now: datetime) -> bool:
    """Whether user_for_token() would record a use now (it writes, so a reading request asks first)."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(plaintext)))
    return row is not None and row.revoked_at is None and needs_touch(row, now)


def list_tokens(session: Session, user: User) -> list[ApiToken]:
    return list(session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def revoke_token(session: Session, user: User, token_id: int, *, now: datetime) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise NotFound("No such token.")
    if row.revoked_at is None:
        row.revoked_at = now
    return row


def revoke_all(session: Session, user: User, *, now: datetime) -> int:
    """Revokes every active token of `user`; returns how many were active."""
    result = session.execute(
        update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)).values(revoked_at=now)
        .execution_options(synchronize_session="fetch"))
    return result.rowcount
