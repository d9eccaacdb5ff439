"""Teams: naming, invitations, merges under Kaggle's rules, leaving, and organizers' corrections.

A merge moves the accepting user's whole team into the inviting team in one
transaction. Both team rows are locked first (in id order), and an upload
locks its team row before it takes quota (quota.lock_team), so a merge and an
upload, or two merges of one team, never interleave: counts and quotas stay
exact on PostgreSQL, and SQLite serialises writers anyway.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from . import access, audit, lifecycle, notifications, standings
from .errors import Conflict, DomainError, Forbidden, NotFound
from .models import (
    AuditAction,
    Competition,
    Invitation,
    QuotaUsage,
    State,
    Submission,
    Team,
    TeamMember,
    User,
)
from .participation import create_solo_team, join, require_team, team_of
from .quota import lock_team, submissions_used, utc_day

MAX_NAME = 80


class MergeRefused(Conflict):
    """A merge that one of Kaggle's rules forbids; `rule` names it for programs."""

    code = "merge_refused"

    def __init__(self, message: str, *, rule: str):
        super().__init__(message)
        self.rule = rule

    def details(self) -> dict:
        return {"rule": self.rule}


@dataclass(frozen=True)
class TeamView:
    team: Team
    members: list[TeamMember]
    invitations: list[Invitation]
    merge_deadline: datetime
    can_merge: bool



def new_invite_code() -> str:
    """A random invitation code that never starts with "-": a command line would read it as an option
    (`holdout team accept -x...`)."""
    while (code := secrets.token_urlsafe(24)).startswith("-"):
        pass
    return code

def members_of(session: Session, team: Team) -> list[TeamMember]:
    return list(session.scalars(select(TeamMember).where(TeamMember.team_id == team.id)
                                .order_by(TeamMember.joined_at, TeamMember.id)))


def team_view(session: Session, competition: Competition, user: User, now: datetime) -> TeamView:
    """The caller's team with its members and its pending invitations (JoinRequired if not joined)."""
    team = require_team(session, competition, user)
    invitations = [i for i in session.scalars(select(Invitation).where(Invitation.team_id == team.id)
                                              .order_by(Invitation.created_at, Invitation.id)) if i.is_pending(now)]
    return TeamView(team, members_of(session, team), invitations, competition.merger_deadline(),
                    now < competition.merger_deadline())


def rename(session: Session, competition: Competition, user: User, name: str, now: datetime) -> Team:
    """Any member renames the team; names are unique within the competition."""
    team = require_team(session, competition, user)
    name = " ".join((name or "").split())
    if not 1 <= len(name) <= MAX_NAME:
        raise DomainError(f"A team name is 1 to {MAX_NAME} characters.", field="name")
    if name == team.name:
        return team
    taken = session.scalar(select(Team.id).where(Team.competition_id == competition.id, Team.name == name,
                                                 Team.id != team.id))
    if taken is not None:
        raise Conflict(f"Another team is already called {name!r}.", field="name")
    team.name = name
    session.flush()
    return team


def invite(session: Session, competition: Competition, user: User, now: datetime,
           username: str | None = None) -> Invitation:
    """Invite a user by name, or (no name) make a one-time link; valid until the merger deadline."""
    team = require_team(session, competition, user)
    _require_merging_open(competition, now)
    if competition.max_team_size <= 1:
        raise MergeRefused("This competition is solo only: teams have one member.", rule="team_size")
    invited = None
    if username:
        invited = session.scalar(select(User).where(User.username_key == username.strip().lower()))
        if invited is None:
            raise NotFound(f"No user named {username.strip()!r}.")
        their_team = team_of(session, competition, invited)
        if their_team is not None and their_team.id == team.id:
            raise DomainError(f"{invited.username} is already in your team.", field="username")
        for pending in session.scalars(select(Invitation).where(Invitation.team_id == team.id,
                                                                Invitation.invited_user_id == invited.id)):
            if pending.is_pending(now):
                return pending  # inviting twice gives the same invitation
    row = Invitation(competition_id=competition.id, team_id=team.id, inviter_id=user.id,
                     invited_user_id=invited.id if invited else None, code=new_invite_code(),
                     created_at=now, expires_at=competition.merger_deadline())
    session.add(row)
    session.flush()
    notifications.invitation_received(session, row, now)
    return row


def pending_for(session: Session, user: User, now: datetime, competition: Competition | None = None
                ) -> list[Invitation]:
    """Invitations addressed to the user by name, still open, across competitions (or in one);
    not those from a team the user is in already (joined meanwhile through another invitation)."""
    query = select(Invitation).where(Invitation.invited_user_id == user.id).order_by(Invitation.created_at.desc())
    if competition is not None:
        query = query.where(Invitation.competition_id == competition.id)
    own_teams = set(session.scalars(select(TeamMember.team_id).where(TeamMember.user_id == user.id)))
    return [i for i in session.scalars(query) if i.is_pending(now) and i.team_id not in own_teams]


def get_invitation(session: Session, code: str) -> Invitation:
    row = session.scalar(select(Invitation).where(Invitation.code == (code or "").strip()))
    if row is None:
        raise NotFound("No such invitation. Ask the team for a new link.")
    return row


def open_invitation(session: Session, code: str, user: User, now: datetime) -> Invitation:
    """The invitation if this user may answer it now; otherwise a message saying why not."""
    row = get_invitation(session, code)
    if row.invited_user_id is not None and row.invited_user_id != user.id:
        raise NotFound("No such invitation. Ask the team for a new link.")
    if row.accepted_at is not None:
        raise Conflict("This invitation was already used.")
    if row.declined_at is not None or row.revoked_at is not None:
        raise Conflict("This invitation was declined or withdrawn.")
    if now >= row.expires_at:
        raise MergeRefused(f"This invitation expired at the team merger deadline, "
                           f"{row.expires_at:%Y-%m-%d %H:%M} UTC.", rule="deadline")
    return row


def accept(session: Session, code: str, user: User, now: datetime) -> Team:
    """Accept: the user's team (or the user, if not joined yet) merges into the inviting team."""
    invitation = open_invitation(session, code, user, now)
    competition = invitation.competition
    if not access.can_view(competition, user, now, is_member=True):
        raise NotFound("No such invitation. Ask the team for a new link.")
    own = team_of(session, competition, user)
    if own is None:
        # Joining through a team's invitation is still joining: the invitation stands for the rules link.
        own = join(session, competition, user, now, invite=competition.invite_token)
    target = invitation.team
    if own.id == target.id:
        raise Conflict("You are already in this team.")
    first, second = sorted((own.id, target.id))
    locked = {t.id: t for t in (lock_team(session, first), lock_team(session, second)) if t is not None}
    if len(locked) != 2:
        raise Conflict("One of the teams changed meanwhile; reload the page and try again.")
    _check_merge(session, competition, locked[target.id], locked[own.id], now)
    absorbed = {"team": own.name, "into": target.name, "by": user.username}
    merged = _merge(session, competition, target, own, now)
    invitation = session.get(Invitation, invitation.id)
    invitation.accepted_at, invitation.accepted_by_id = now, user.id
    audit.record(session, competition, user, AuditAction.MERGE, now, details=absorbed)
    return merged


def decline(session: Session, code: str, user: User, now: datetime) -> Invitation:
    """Only an invitation addressed to someone can be declined: a link would be used up by
    whoever opened it, so it is simply left unused (its team may withdraw it)."""
    row = open_invitation(session, code, user, now)
    if row.invited_user_id is None:
        raise Conflict("An invite link is not declined: just don't use it. Its team can withdraw it.")
    row.declined_at = now
    session.flush()
    return row


def revoke(session: Session, competition: Competition, user: User, invitation_id: int, now: datetime) -> None:
    """A member withdraws one of the team's invitations."""
    team = require_team(session, competition, user)
    row = session.get(Invitation, invitation_id)
    if row is None or row.team_id != team.id:
        raise NotFound("No such invitation in your team.")
    if row.revoked_at is None:
        row.revoked_at = now
    session.flush()


def leave(session: Session, competition: Competition, user: User, now: datetime) -> Team:
    """Leave a team of several before the merger deadline, with no submissions of one's own in it."""
    team = require_team(session, competition, user)
    _require_merging_open(competition, now, what="leave a team")
    _detach(session, competition, team, user, now)
    return team_of(session, competition, user)


def remove_member(session: Session, competition: Competition, organizer: User, team_id: int, user_id: int,
                  now: datetime) -> Team:
    """Organizers take a member out of a team (dissolving a merge), before any submission of theirs."""
    access.require_manager(competition, organizer)
    lifecycle.require_unfrozen(competition, "its teams")
    team = session.get(Team, team_id)
    member = session.get(User, user_id)
    if team is None or team.competition_id != competition.id or member is None:
        raise NotFound("No such team member in this competition.")
    if team_of(session, competition, member) is None or team_of(session, competition, member).id != team.id:
        raise NotFound("No such team member in this competition.")
    _detach(session, competition, team, member, now)
    new_team = team_of(session, competition, member)
    audit.record(session, competition, organizer, AuditAction.REMOVE_MEMBER, now,
                 details={"team": team.name, "member": member.username, "new_team": new_team.name})
    return new_team


def teams_with_members(session: Session, competition: Competition) -> list[tuple[Team, list[TeamMember]]]:
    teams = list(session.scalars(select(Team).where(Team.competition_id == competition.id).order_by(Team.name)))
    rows = session.scalars(select(TeamMember).where(TeamMember.competition_id == competition.id)
                           .order_by(TeamMember.joined_at, TeamMember.id))
    by_team: dict[int, list[TeamMember]] = {}
    for row in rows:
        by_team.setdefault(row.team_id, []).append(row)
    return [(t, by_team.get(t.id, [])) for t in teams]


# --- the rules and the merge itself ------------------------------------------------------------


def _require_merging_open(competition: Competition, now: datetime, what: str = "merge teams") -> None:
    if competition.state_at(now) == State.DRAFT:
        raise Forbidden("This competition has not started yet.")
    deadline = competition.merger_deadline()
    if now >= deadline:
        raise MergeRefused(f"Teams can {what} only before the team merger deadline, "
                           f"{deadline:%Y-%m-%d %H:%M} UTC, which has passed.", rule="deadline")


def allowance(competition: Competition, now: datetime) -> int:
    """What one team could have submitted so far: daily limit x days since the start, today included."""
    days = (utc_day(now) - utc_day(competition.start_at)).days + 1
    most = competition.daily_limit * max(days, 1)
    return min(most, competition.total_limit) if competition.total_limit is not None else most


def _check_merge(session: Session, competition: Competition, target: Team, own: Team, now: datetime) -> None:
    _require_merging_open(competition, now)
    for team in (target, own):
        if team.disqualified_at is not None:
            raise MergeRefused(f"Team {team.name!r} is disqualified, so it cannot merge.", rule="disqualified")
    size = (session.scalar(select(func.count(TeamMember.id)).where(TeamMember.team_id.in_([target.id, own.id])))
            or 0)
    if size > competition.max_team_size:
        raise MergeRefused(f"The merged team would have {size} members; this competition allows at most "
                           f"{competition.max_team_size}.", rule="team_size")
    # Submissions that used quota, counted as the quota counts them.
    total, limit = submissions_used(session, target) + submissions_used(session, own), allowance(competition, now)
    if total > limit:
        raise MergeRefused(f"The two teams have made {total} submissions together; a merged team may have at most "
                           f"{limit} so far (what one team could have made: {competition.daily_limit} a day"
                           f"{', ' + str(competition.total_limit) + ' in all' if competition.total_limit else ''}"
                           ").", rule="submissions")


def _merge(session: Session, competition: Competition, target: Team, own: Team, now: datetime) -> Team:
    """Move everything of `own` into `target`, then delete `own`."""
    session.execute(update(Submission).where(Submission.team_id == own.id)
                    .values(team_id=target.id, selected=False).execution_options(synchronize_session=False))
    session.execute(update(Submission).where(Submission.team_id == target.id)
                    .values(selected=False).execution_options(synchronize_session=False))
    _merge_quota(session, target, own)
    session.execute(update(TeamMember).where(TeamMember.team_id == own.id)
                    .values(team_id=target.id).execution_options(synchronize_session=False))
    session.execute(update(Invitation).where(Invitation.team_id == own.id, Invitation.accepted_at.is_(None),
                                             Invitation.revoked_at.is_(None))
                    .values(revoked_at=now).execution_options(synchronize_session=False))
    session.execute(update(Invitation).where(Invitation.team_id == own.id)
                    .values(team_id=target.id).execution_options(synchronize_session=False))
    session.execute(delete(Team).where(Team.id == own.id).execution_options(synchronize_session=False))
    session.expire_all()
    merged = session.get(Team, target.id)
    merged.merged_at = now
    standings.refresh_team(session, competition, merged)
    return merged


def _merge_quota(session: Session, target: Team, own: Team) -> None:
    """Each day's uses of both teams, added together on the merged team's row for that day."""
    theirs = {q.day: q.used for q in session.scalars(select(QuotaUsage).where(QuotaUsage.team_id == own.id))}
    mine = {q.day: q for q in session.scalars(select(QuotaUsage).where(QuotaUsage.team_id == target.id))}
    for day, used in theirs.items():
        if day in mine:
            mine[day].used += used
        else:
            session.add(QuotaUsage(team_id=target.id, day=day, used=used))
    session.execute(delete(QuotaUsage).where(QuotaUsage.team_id == own.id).execution_options(synchronize_session=False))
    session.flush()


def _detach(session: Session, competition: Competition, team: Team, user: User, now: datetime) -> None:
    """Move one member out of a team of several into a new team of one."""
    members = members_of(session, team)
    if len(members) <= 1:
        raise Conflict("The last member cannot leave a team.")
    own = session.scalar(select(func.count(Submission.id)).where(Submission.team_id == team.id,
                                                                 Submission.user_id == user.id)) or 0
    if own:
        raise Conflict(f"{user.username} has {own} submission{'s' * (own != 1)} in this team, which stay with it; "
                       "a member with submissions cannot leave.")
    lock_team(session, team.id)
    session.execute(delete(TeamMember).where(TeamMember.team_id == team.id, TeamMember.user_id == user.id)
                    .execution_options(synchronize_session=False))
    session.expire_all()
    create_solo_team(session, competition, user, now)
