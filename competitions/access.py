"""Who may see and manage a competition."""
from __future__ import annotations

import hmac
from datetime import datetime

from .models import Competition, State, User, Visibility


def is_manager(competition: Competition, user: User | None) -> bool:
    """The owner and admins manage a competition, and only they see its solution."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.is_admin or competition.owner_id == user.id


def can_view(competition: Competition, user: User | None, now: datetime, *, invite: str | None = None,
             is_member: bool = False) -> bool:
    if is_manager(competition, user):
        return True
    if competition.state_at(now) == State.DRAFT:
        return False
    if competition.visibility == Visibility.PUBLIC.value or is_member:
        return True
    return bool(invite) and hmac.compare_digest(invite, competition.invite_token)


def is_listed(competition: Competition, now: datetime) -> bool:
    return competition.visibility == Visibility.PUBLIC.value and competition.state_at(now) != State.DRAFT
