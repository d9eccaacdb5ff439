"""API tokens: shown once, stored as a hash, revocable."""
from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import NotFound
from .models import ApiToken, User, utcnow

PREFIX = "hdt_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, user: User, label: str = "") -> tuple[ApiToken, str]:
    """Returns the row and the plaintext token, which is never stored."""
    plaintext = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_hash=_digest(plaintext), label=label.strip()[:80])
    session.add(row)
    session.flush()
    return row, plaintext


def user_for_token(session: Session, plaintext: str) -> User | None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(plaintext)))
    if row is None or row.revoked_at is not None:
        return None
    row.last_used_at = utcnow()
    return row.user


def list_tokens(session: Session, user: User) -> list[ApiToken]:
    return list(session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())))


def revoke_token(session: Session, user: User, token_id: int) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise NotFound("No such token.")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    return row
