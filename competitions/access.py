"""Who may see and do what with a competition: each rule once, for pages, API and CLI alike."""
from __future__ import annotations

import hmac
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import object_session

from .errors import Forbidden
from .models import Competition, Group, GroupMember, GroupRole, GroupVisibility, State, TeamMember, User, Visibility

HOSTS = (GroupRole.OWNER.value, GroupRole.ORGANIZER.value)


def _signed_in(user: User | None) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def group_role(group: Group | int | None, user: User | None, session=None) -> str | None:
    """The user's role in a group (owner / organizer / member), or None."""
    if group is None or not _signed_in(user):
        return None
    group_id = group if isinstance(group, int) else group.id
    session = session or (object_session(group) if not isinstance(group, int) else None)
    return session.scalar(select(GroupMember.role).where(GroupMember.group_id == group_id,
                                                         GroupMember.user_id == user.id))


def competition_group_role(competition: Competition, user: User | None) -> str | None:
    if competition.group_id is None:
        return None
    return group_role(competition.group_id, user, object_session(competition))


def can_see_group(group: Group, user: User | None, role: str | None = None) -> bool:
    """Public groups: anyone; private ones: their members and admins."""
    if group.visibility == GroupVisibility.PUBLIC.value or (_signed_in(user) and user.is_admin):
        return True
    return (role or group_role(group, user)) is not None


def manages_group(group: Group, user: User | None, role: str | None = None) -> bool:
    """Owners and admins manage a group: its members, invite link, settings and seasons."""
    if not _signed_in(user):
        return False
    return user.is_admin or (role or group_role(group, user)) == GroupRole.OWNER.value


def hosts_in_group(group: Group, user: User | None, role: str | None = None) -> bool:
    """Owners, organizers and admins host competitions for a group, site role or not."""
    if not _signed_in(user):
        return False
    return user.is_admin or (role or group_role(group, user)) in HOSTS


def is_manager(competition: Competition, user: User | None) -> bool:
    """The owner, admins and the organizers of its group manage a competition; only they see its solution."""
    if not _signed_in(user):
        return False
    if user.is_admin or competition.owner_id == user.id:
        return True
    if competition_group_role(competition, user) not in HOSTS:
        return False
    # A group host who competes here (joined before becoming a host) gets no manager rights in
    # this competition: they would see the answer key and the private board while ranking.
    return not _has_team(competition, user)


def _has_team(competition: Competition, user: User) -> bool:
    session = object_session(competition)
    return session is not None and session.scalar(select(TeamMember.id).where(
        TeamMember.competition_id == competition.id, TeamMember.user_id == user.id).limit(1)) is not None


def shown_group(competition: Competition, user: User | None) -> str | None:
    """The group's slug as others may see it: a private group's name only for those who see the group."""
    if competition.group_id is None or competition.group is None:
        return None
    return competition.group.slug if can_see_group(competition.group, user) else None


def can_view(competition: Competition, user: User | None, now: datetime, *, invite: str | None = None,
             is_member: bool = False) -> bool:
    if is_manager(competition, user):
        return True
    if competition.state_at(now) == State.DRAFT:
        return False
    if competition.visibility == Visibility.GROUP.value:
        # Only the group's current members: an invite link does not open a group competition,
        # and a team left behind by someone removed from the group does not either.
        return competition_group_role(competition, user) is not None
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


def may_compete(competition: Competition, user: User | None) -> bool:
    """Its organizers hold the answer key, so they cannot rank as learners; admins may, to test,
    and are shown as staff on the board (is_staff)."""
    return _signed_in(user) and (user.is_admin or not is_manager(competition, user))


def require_may_compete(competition: Competition, user: User) -> None:
    if not may_compete(competition, user):
        raise Forbidden("You organize this competition, so you cannot join it as a learner: your submissions "
                        "would rank with the answer key in hand. Try it out from the organizer pages "
                        "(preview and validate) instead.")


def is_staff(competition: Competition, user: User) -> bool:
    """A board entry by someone who can see the answer key: marked as staff, not a learner."""
    return user.is_admin or competition.owner_id == user.id


def require_organizer(user: User) -> None:
    if not user.can_organize:
        raise Forbidden("Only organizers can host competitions. Ask an admin to make you one.")
