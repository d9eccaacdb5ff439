"""Study groups: creating them, who belongs (invite link, requests, roles) and what they run.

Who may see or manage a group is decided in access.py (can_see_group, manages_group,
hosts_in_group), so the pages, the API and the competitions' own checks agree.
"""
from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import access, leaderboard
from .errors import Conflict, DomainError, Forbidden, NotFound
from .models import (
    Competition,
    Group,
    GroupJoinRequest,
    GroupMember,
    GroupRole,
    GroupVisibility,
    State,
    User,
    Visibility,
)
from .spec import SLUG_RE

ROLES = tuple(r.value for r in GroupRole)
MAX_DESCRIPTION = 20000


@dataclass(frozen=True)
class GroupView:
    """A group as one viewer sees it: their role and what they may do."""

    group: Group
    role: str | None
    manages: bool
    hosts: bool


def _check_fields(slug: str | None, name: str, description: str, visibility: str) -> None:
    if slug is not None and not SLUG_RE.match(slug):
        raise DomainError("The slug is 3 to 64 characters of lowercase letters, digits and '-', "
                          "starting and ending with a letter or digit.", field="slug")
    if not name.strip():
        raise DomainError("Name the group.", field="name")
    if len(name) > 120:
        raise DomainError("Keep the name under 120 characters.", field="name")
    if len(description) > MAX_DESCRIPTION:
        raise DomainError(f"Keep the description under {MAX_DESCRIPTION} characters.", field="description")
    if visibility not in (v.value for v in GroupVisibility):
        raise DomainError("Visibility is 'public' or 'private'.", field="visibility")


def create_group(session: Session, user: User, slug: str, name: str, description: str, visibility: str,
                 now: datetime) -> Group:
    """Any signed-in user may create a group, and becomes its owner."""
    slug = (slug or "").strip().lower()
    name, description, visibility = (name or "").strip(), description or "", (visibility or "public").lower()
    _check_fields(slug, name, description, visibility)
    if session.scalar(select(Group.id).where(Group.slug == slug)) is not None:
        raise Conflict(f"The slug {slug!r} is taken; choose another.", field="slug")
    group = Group(slug=slug, name=name, description_md=description, visibility=visibility,
                  invite_code=secrets.token_urlsafe(16), created_at=now)
    try:
        with session.begin_nested():
            session.add(group)
            session.flush()
    except IntegrityError:
        raise Conflict(f"The slug {slug!r} is taken; choose another.", field="slug") from None
    session.add(GroupMember(group_id=group.id, user_id=user.id, role=GroupRole.OWNER.value, joined_at=now))
    session.flush()
    return group


def update_group(session: Session, group: Group, user: User, *, name: str | None = None,
                 description: str | None = None, visibility: str | None = None) -> Group:
    require_manages(group, user)
    name = group.name if name is None else name.strip()
    description = group.description_md if description is None else description
    visibility = group.visibility if visibility is None else visibility.lower()
    _check_fields(None, name, description, visibility)
    group.name, group.description_md, group.visibility = name, description, visibility
    session.flush()
    return group


def get_group(session: Session, slug: str) -> Group:
    group = session.scalar(select(Group).where(Group.slug == (slug or "").lower()))
    if group is None:
        raise NotFound(f"No group called {slug!r}.")
    return group


def visible_group(session: Session, slug: str, viewer: User | None) -> GroupView:
    """The group if the viewer may see it; a private group is a NotFound to outsiders."""
    group = get_group(session, slug)
    role = access.group_role(group, viewer)
    if not access.can_see_group(group, viewer, role):
        raise NotFound(f"No group called {slug!r}.")
    return GroupView(group, role, access.manages_group(group, viewer, role), access.hosts_in_group(group, viewer, role))


def require_manages(group: Group, user: User | None) -> None:
    if not access.manages_group(group, user):
        raise Forbidden("Only the group's owners can do that.")


def listed_groups(session: Session, viewer: User | None) -> list[Group]:
    """Public groups and the viewer's own; admins see every group."""
    rows = session.scalars(select(Group).order_by(Group.name)).all()
    if viewer is not None and getattr(viewer, "is_authenticated", False) and viewer.is_admin:
        return list(rows)
    mine = set(my_group_ids(session, viewer))
    return [g for g in rows if g.visibility == GroupVisibility.PUBLIC.value or g.id in mine]


def my_group_ids(session: Session, viewer: User | None) -> list[int]:
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return []
    return list(session.scalars(select(GroupMember.group_id).where(GroupMember.user_id == viewer.id)))


def groups_of(session: Session, user: User) -> list[tuple[Group, str]]:
    return list(session.execute(select(Group, GroupMember.role).join(GroupMember, GroupMember.group_id == Group.id)
                                .where(GroupMember.user_id == user.id).order_by(Group.name)).all())


def hosted_groups(session: Session, user: User | None) -> list[Group]:
    """Groups the user may host competitions for (all of them for an admin)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    if user.is_admin:
        return list(session.scalars(select(Group).order_by(Group.name)))
    return [g for g, role in groups_of(session, user) if role in access.HOSTS]


def members(session: Session, group: Group) -> list[GroupMember]:
    order = case({"owner": 0, "organizer": 1}, value=GroupMember.role, else_=2)
    return list(session.scalars(select(GroupMember).join(User, User.id == GroupMember.user_id)
                                .where(GroupMember.group_id == group.id).order_by(order, User.username_key)))


def pending_requests(session: Session, group: Group, viewer: User | None) -> list[GroupJoinRequest]:
    if not access.manages_group(group, viewer):
        return []
    return list(session.scalars(select(GroupJoinRequest).where(GroupJoinRequest.group_id == group.id)
                                .order_by(GroupJoinRequest.created_at)))


def has_requested(session: Session, group: Group, user: User | None) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return session.scalar(select(GroupJoinRequest.id).where(GroupJoinRequest.group_id == group.id,
                                                            GroupJoinRequest.user_id == user.id)) is not None


def rotate_code(session: Session, group: Group, user: User) -> str:
    """A new invite link; the old one stops working at once."""
    require_manages(group, user)
    group.invite_code = secrets.token_urlsafe(16)
    session.flush()
    return group.invite_code


def _add_member(session: Session, group: Group, user: User, role: str, now: datetime) -> GroupMember:
    existing = session.scalar(select(GroupMember).where(GroupMember.group_id == group.id,
                                                        GroupMember.user_id == user.id))
    if existing is not None:
        return existing
    try:
        # A savepoint: a concurrent join of the same user undoes only this insert.
        with session.begin_nested():
            row = GroupMember(group_id=group.id, user_id=user.id, role=role, joined_at=now)
            session.add(row)
            session.flush()
    except IntegrityError:
        row = session.scalar(select(GroupMember).where(GroupMember.group_id == group.id,
                                                       GroupMember.user_id == user.id))
        if row is None:
            raise
    for pending in session.scalars(select(GroupJoinRequest).where(GroupJoinRequest.group_id == group.id,
                                                                  GroupJoinRequest.user_id == user.id)):
        session.delete(pending)
    session.flush()
    return row


def join_by_code(session: Session, slug: str, user: User, code: str, now: datetime) -> GroupMember:
    """Join with the group's invite link; idempotent. A wrong code is a 404, as for a private group."""
    group = check_invite(session, slug, user, code)
    return _add_member(session, group, user, GroupRole.MEMBER.value, now)


def check_invite(session: Session, slug: str, user: User, code: str | None) -> Group:
    """The group an invite link leads to; NotFound for a wrong or rotated code (members pass anyway)."""
    group = get_group(session, slug)
    if access.group_role(group, user) is None and not (code and hmac.compare_digest(str(code).encode(), group.invite_code.encode())):
        raise NotFound("This invite link is not valid (anymore). Ask an owner of the group for the current one.")
    return group


def request_to_join(session: Session, group: Group, user: User, now: datetime) -> GroupJoinRequest | None:
    """Ask the owners to let you in (groups you can see only); idempotent. None when already a member."""
    if not access.can_see_group(group, user):
        raise NotFound(f"No group called {group.slug!r}.")
    if access.group_role(group, user) is not None:
        return None
    existing = session.scalar(select(GroupJoinRequest).where(GroupJoinRequest.group_id == group.id,
                                                             GroupJoinRequest.user_id == user.id))
    if existing is not None:
        return existing
    try:
        with session.begin_nested():
            row = GroupJoinRequest(group_id=group.id, user_id=user.id, created_at=now)
            session.add(row)
            session.flush()
    except IntegrityError:
        row = session.scalar(select(GroupJoinRequest).where(GroupJoinRequest.group_id == group.id,
                                                            GroupJoinRequest.user_id == user.id))
    return row


def answer_request(session: Session, group: Group, owner: User, username: str, approve: bool,
                   now: datetime) -> GroupMember | None:
    require_manages(group, owner)
    user = _user_named(session, username)
    row = session.scalar(select(GroupJoinRequest).where(GroupJoinRequest.group_id == group.id,
                                                        GroupJoinRequest.user_id == user.id))
    if row is None:
        raise NotFound(f"{username} has no pending request to join this group.")
    if approve:
        return _add_member(session, group, user, GroupRole.MEMBER.value, now)
    session.delete(row)
    session.flush()
    return None


def set_role(session: Session, group: Group, owner: User, username: str, role: str, now: datetime) -> GroupMember:
    """Owners give roles; a user who is not yet a member is added with the role (the API's PUT)."""
    require_manages(group, owner)
    if role not in ROLES:
        raise DomainError("The role is 'owner', 'organizer' or 'member'.", field="role")
    user = _user_named(session, username)
    row = session.scalar(select(GroupMember).where(GroupMember.group_id == group.id,
                                                   GroupMember.user_id == user.id))
    if row is None:
        return _add_member(session, group, user, role, now)
    if row.role == GroupRole.OWNER.value and role != GroupRole.OWNER.value:
        _keep_an_owner(session, group)
    row.role = role
    session.flush()
    return row


def remove_member(session: Session, group: Group, actor: User, username: str) -> None:
    """Owners remove members; anyone may leave. The last owner can do neither."""
    user = _user_named(session, username)
    if user.id != actor.id:
        require_manages(group, actor)
    row = session.scalar(select(GroupMember).where(GroupMember.group_id == group.id,
                                                   GroupMember.user_id == user.id))
    if row is None:
        raise NotFound(f"{username} is not a member of this group.")
    if row.role == GroupRole.OWNER.value:
        _keep_an_owner(session, group)
    session.delete(row)
    session.flush()


def _keep_an_owner(session: Session, group: Group) -> None:
    owners = session.scalars(select(GroupMember.id).where(GroupMember.group_id == group.id,
                                                          GroupMember.role == GroupRole.OWNER.value)).all()
    if len(owners) <= 1:
        raise Conflict("A group needs an owner: make someone else an owner first.", field="role")


def _user_named(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username_key == (username or "").strip().lower()))
    if user is None:
        raise NotFound(f"No user called {username!r}.")
    return user


@dataclass(frozen=True)
class GroupCompetition:
    competition: Competition
    state: str
    winner: str | None  # the winning team of a finalized competition


def competitions_of(session: Session, group: Group, viewer: User | None, now: datetime) -> dict[str, list]:
    """The group's competitions the viewer may see: current, upcoming and past (with winners)."""
    out: dict[str, list] = {"current": [], "upcoming": [], "past": []}
    rows = session.scalars(select(Competition).where(Competition.group_id == group.id)
                           .order_by(Competition.deadline_at.desc()))
    for c in rows:
        if not access.can_view(c, viewer, now):
            continue
        state = c.state_at(now)
        winner = None
        if state == State.FINALIZED:
            board = leaderboard.private_board(session, c)
            winner = board[0].team if board else None
        key = {State.DRAFT: "upcoming", State.OPEN: "current"}.get(state, "past")
        out[key].append(GroupCompetition(c, state.value, winner))
    return out


def resolve_for_hosting(session: Session, slug: str | None, user: User, visibility: str) -> Group | None:
    """The group a new or edited competition belongs to, checking that `user` hosts in it."""
    if not slug:
        if visibility == Visibility.GROUP.value:
            raise DomainError("Visibility 'group' needs a group: name the group.", field="group")
        return None
    try:
        group = get_group(session, slug)
    except NotFound:
        raise DomainError(f"No group called {slug!r}.", field="group") from None
    if not access.hosts_in_group(group, user):
        raise Forbidden("Only the group's owners and organizers host competitions for it.")
    return group
