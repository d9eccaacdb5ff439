"""Sign-up, sign-in and roles."""
from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .errors import Conflict, DomainError, NotFound
from .models import Role, User

USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{2,39}$")
MIN_PASSWORD = 8
_hasher = PasswordHasher()
# Verified against when the username is unknown, so a miss costs as much as a hit.
_DUMMY_HASH = _hasher.hash("holdout-timing-equaliser")


def normalize_role(role: str) -> str:
    try:
        return Role(role.lower()).value
    except ValueError:
        valid = ", ".join(r.value for r in Role)
        raise DomainError(f"Unknown role {role!r}; choose one of {valid}.", field="role") from None


def check_username(username: str) -> str:
    username = username.strip()
    if not USERNAME_RE.match(username):
        raise DomainError(
            "Usernames are 3 to 40 characters: letters, digits, '.', '_' or '-', starting with a letter or digit.",
            field="username",
        )
    return username


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise DomainError(f"Passwords need at least {MIN_PASSWORD} characters.", field="password")


def find_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username_key == username.strip().lower()))


def create_user(session: Session, username: str, password: str, *, role: str = "learner",
                email: str | None = None) -> User:
    username = check_username(username)
    check_password(password)
    user = User(username=username, username_key=username.lower(), email=(email or None),
                password_hash=_hasher.hash(password), role=normalize_role(role))
    session.add(user)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict(f"The username {username!r} is taken.", field="username") from None
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The user if the password matches, else None (callers show one generic message)."""
    user = find_user(session, username)
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def set_role(session: Session, username: str, role: str) -> User:
    user = find_user(session, username)
    if user is None:
        raise NotFound(f"No user named {username!r}.")
    user.role = normalize_role(role)
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username_key)))
