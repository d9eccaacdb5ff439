"""Who may see and do what with a competition: each rule once, for pages, API and CLI alike."""
from __future__ import annotations

import hmac
from datetime import datetime

from .errors import Forbidden
from .models import Competition, State, User, Visibility


def _signed_in(user: User | None) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def is_manager(competition: Competition, user: User | None) -> bool:
    """The owner and admins manage a competition, and only they see its solution."""
    if not _signed_in(user):
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


def sees_private_results(competition: Competition, user: User | None) -> bool:
    """The private leaderboard and private scores: everyone once finalized; before, its managers only."""
    return competition.finalized_at is not None or is_manager(competition, user)


def may_download_data(competition: Competition, user: User | None, *, is_member: bool) -> bool:
    """Data comes after the rules, as on Kaggle: members (who accepted them) and managers,
    or anyone who can see the competition when the organizer opened its data.
    Callers have already checked that the viewer may see the competition."""
    return competition.data_open or is_member or is_manager(competition, user)


def require_manager(competition: Competition, user: User | None) -> None:
    if not is_manager(competition, user):
        raise Forbidden("Only this competition's organizer can do that.")


def require_organizer(user: User) -> None:
    if not user.can_organize:
        raise Forbidden("Only organizers can host competitions. Ask an admin to make you one.")
