"""Sign-up, sign-in, roles, password reset links and signing out everywhere."""
from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import tokens
from .errors import Conflict, DomainError, NotFound
from .models import PasswordReset, Role, User

USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{2,39}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
MAX_EMAIL = 254
RESET_LINK_LIFETIME = timedelta(hours=24)
ASK_FOR_A_NEW_LINK = "Ask an admin for a new password reset link."
_hasher = PasswordHasher()
# Verified against when the username is unknown, so a miss costs as much as a hit.
_DUMMY_HASH = _hasher.hash("holdout-timing-equaliser")


class ResetLinkGone(DomainError):
    """The link existed but was used, replaced or has expired."""

    status = 410
    code = "gone"


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


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    # The 30,000 most common passwords from leaked sets, as shipped (and kept) with zxcvbn.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(word.lower() for word in FREQUENCY_LISTS["passwords"])


def check_password(password: str, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD:
        raise DomainError(f"Passwords need at least {MIN_PASSWORD} characters.", field=field)
    if len(password) > MAX_PASSWORD:
        raise DomainError(f"Passwords can be at most {MAX_PASSWORD} characters.", field=field)
    if "\x00" in password:
        raise DomainError("Passwords cannot contain a NUL character.", field=field)
    if password.lower() in _common_passwords() or password.strip().lower() in _common_passwords():
        raise DomainError("That password is on a list of common passwords that attackers try first. "
                          "Choose another: a few unrelated words make a strong one.", field=field)


def check_email(email: str | None) -> str | None:
    """None for no address; else the address in normal form, or a DomainError on the email field.

    Only the syntax is checked: Holdout sends no mail and looks up no DNS.
    """
    email = (email or "").strip()
    if not email:
        return None
    try:
        result = validate_email(email, check_deliverability=False)
    except EmailNotValidError as exc:
        raise DomainError(f"That is not a valid email address: {exc}", field="email") from None
    if len(result.normalized) > MAX_EMAIL:
        raise DomainError(f"Email addresses can be at most {MAX_EMAIL} characters.", field="email")
    return result.normalized


def find_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username_key == username.strip().lower()))


def create_user(session: Session, username: str, password: str, *, now: datetime, role: str = "learner",
                email: str | None = None) -> User:
    username = check_username(username)
    check_password(password)
    user = User(username=username, username_key=username.lower(), email=check_email(email),
                password_hash=_hasher.hash(password), role=normalize_role(role), created_at=now,
                session_version=0)
    # A savepoint, so losing the race for a username undoes only this insert, not the caller's work.
    try:
        with session.begin_nested():
            session.add(user)
    except IntegrityError:
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
    """Changes a user's role; the last admin cannot stop being one, so Holdout always has an admin."""
    user = find_user(session, username)
    if user is None:
        raise NotFound(f"No user named {username!r}.")
    role = normalize_role(role)
    if user.role == Role.ADMIN.value and role != Role.ADMIN.value:
        # Locks the admin rows (PostgreSQL; SQLite has one writer anyway): two admins demoting
        # each other at once cannot both pass the count and leave no admin behind.
        admins = session.scalars(select(User.id).where(User.role == Role.ADMIN.value).with_for_update()).all()
        if len(admins) <= 1:
            raise Conflict(f"{user.username} is the last admin. Make another user an admin first, "
                           "so someone can still manage accounts.", field="role")
    user.role = role
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username_key)))


# --- signing out everywhere ------------------------------------------------------------------


def sign_out_everywhere(session: Session, user: User, *, now: datetime) -> int:
    """Ends every browser session of `user` and revokes their API tokens; returns how many tokens.

    Browser sessions carry `user.get_id()`, which includes `session_version`: raising it makes every
    session and remember-me cookie issued before stale. The caller signs its own browser in again.
    """
    user.session_version = (user.session_version or 0) + 1
    revoked = tokens.revoke_all(session, user, now=now)
    session.flush()
    return revoked


def sign_out(session: Session, user: User) -> None:
    """Ends every browser session and remember-me cookie of `user` (API tokens stay).

    Signing out must not leave a copied cookie working: the session version moves on.
    """
    user.session_version = (user.session_version or 0) + 1
    session.flush()


def change_password(session: Session, user: User, current: str, new: str) -> None:
    """Sets a new password when `current` is right; every other session of the user ends.

    The caller signs its own browser in again under the new session version. API tokens stay.
    """
    try:
        _hasher.verify(user.password_hash, current)
    except (VerificationError, InvalidHashError):
        raise DomainError("The current password is wrong.", field="current_password") from None
    check_password(new, field="new_password")
    if new == current:
        raise DomainError("The new password is the same as the current one.", field="new_password")
    user.password_hash = _hasher.hash(new)
    sign_out(session, user)


def user_for_session_id(session: Session, session_id: str) -> User | None:
    """The user a session cookie's id ("<id>:<version>") names, if the version is still current.

    A plain "<id>", as cookies made before versions existed carry, counts as version 0: those
    sessions keep working until the user first signs out everywhere.
    """
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not (version.isdigit() or version == ""):
        return None
    user = session.get(User, int(user_id))
    if user is None or (user.session_version or 0) != int(version or 0):
        return None
    return user


# --- password reset links --------------------------------------------------------------------


def create_reset_link(session: Session, user: User, *, now: datetime,
                      created_by: User | None = None) -> tuple[PasswordReset, str]:
    """A link valid for one use within RESET_LINK_LIFETIME; returns the row and the secret token.

    Only the token's hash is stored. Older unused links for the same user stop working, so only
    the link most recently handed out is live.
    """
    _revoke_open_links(session, user, now)
    plaintext = secrets.token_urlsafe(32)
    row = PasswordReset(user_id=user.id, token_hash=tokens.digest(plaintext),
                        created_by_id=created_by.id if created_by is not None else None,
                        created_at=now, expires_at=now + RESET_LINK_LIFETIME)
    session.add(row)
    session.flush()
    return row, plaintext


def check_reset_link(session: Session, plaintext: str, *, now: datetime) -> PasswordReset:
    """The live link for `plaintext`; NotFound (404) if unknown, ResetLinkGone (410) if spent."""
    row = session.scalar(select(PasswordReset).where(PasswordReset.token_hash == tokens.digest(plaintext)))
    if row is None:
        raise NotFound(f"This password reset link is not valid. {ASK_FOR_A_NEW_LINK}")
    if row.used_at is not None:
        raise ResetLinkGone(f"This password reset link has already been used. {ASK_FOR_A_NEW_LINK}")
    if row.revoked_at is not None:
        raise ResetLinkGone(f"This password reset link was replaced by a newer one. {ASK_FOR_A_NEW_LINK}")
    if now >= row.expires_at:
        raise ResetLinkGone(f"This password reset link has expired. {ASK_FOR_A_NEW_LINK}")
    return row


def reset_password(session: Session, plaintext: str, password: str, *, now: datetime,
                   sign_out_all: bool = False) -> User:
    """Sets a new password through a reset link and spends the link.

    The user's sessions and API tokens stay valid unless `sign_out_all`.
    """
    row = check_reset_link(session, plaintext, now=now)
    check_password(password)
    # Spend the link with a guarded UPDATE: of two requests racing with one link, exactly one wins.
    spent = session.execute(
        update(PasswordReset)
        .where(PasswordReset.id == row.id, PasswordReset.used_at.is_(None), PasswordReset.revoked_at.is_(None))
        .values(used_at=now).execution_options(synchronize_session="fetch"))
    if spent.rowcount != 1:
        raise ResetLinkGone(f"This password reset link has already been used. {ASK_FOR_A_NEW_LINK}")
    user = row.user
    user.password_hash = _hasher.hash(password)
    _revoke_open_links(session, user, now)
    if sign_out_all:
        sign_out_everywhere(session, user, now=now)
    session.flush()
    return user


def _revoke_open_links(session: Session, user: User, now: datetime) -> None:
    session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None),
               PasswordReset.revoked_at.is_(None), PasswordReset.expires_at > now)
        .values(revoked_at=now).execution_options(synchronize_session="fetch"))
