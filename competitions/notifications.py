"""Notifications: who hears about what, in the app and (if they chose it) by e-mail.

Use cases call `notify` inside their own transaction; an e-mail, when the user
wants one and the server can send, is only queued (competitions.mail) and goes
out after the commit.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from . import mail
from .errors import DomainError, NotFound
from .models import Notification, NotificationKind, NotificationSetting, TeamMember, User

KIND_LABELS = {
    NotificationKind.REPLY.value: "Replies to my topics and posts",
    NotificationKind.ANNOUNCEMENT.value: "Announcements in competitions I joined",
    NotificationKind.INVITATION.value: "Team invitations",
    NotificationKind.FINALIZED.value: "A competition I joined is finalized (with my final rank)",
    NotificationKind.DISQUALIFIED.value: "A submission of my team is disqualified",
}
PAGE_SIZE = 100


def notify(session: Session, users: Iterable[User], kind: NotificationKind, text: str, now: datetime, *,
           path: str, competition_id: int | None = None) -> list[Notification]:
    """One notification per distinct user, pointing at `path` (e.g. /c/wine/discussion/3)."""
    users = {u.id: u for u in users if u is not None}
    rows = []
    wants_mail = _email_choices(session, list(users), kind.value) if mail.mail_enabled(session) else set()
    for user in users.values():
        row = Notification(user_id=user.id, kind=kind.value, competition_id=competition_id, path=path,
                           text=text[:500], created_at=now)
        session.add(row)
        rows.append(row)
        if user.id in wants_mail:
            body = f"{text}\n\n{mail.absolute(session, path)}\n"
            body += "\nYou get this e-mail because you chose it on your notification settings in Holdout.\n"
            mail.queue(session, user.email, f"[Holdout] {text[:150]}", body, now)
    session.flush()
    return rows


def _email_choices(session: Session, user_ids: list[int], kind: str) -> set[int]:
    if not user_ids:
        return set()
    return set(session.scalars(select(NotificationSetting.user_id).where(
        NotificationSetting.user_id.in_(user_ids), NotificationSetting.kind == kind,
        NotificationSetting.email.is_(True))))


def unread_count(session: Session, user: User) -> int:
    return session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def list_for(session: Session, user: User, *, unread_only: bool = False) -> list[Notification]:
    query = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return list(session.scalars(query.order_by(Notification.created_at.desc(), Notification.id.desc())
                                .limit(PAGE_SIZE)))


def get_for(session: Session, user: User, notification_id: int) -> Notification:
    row = session.get(Notification, notification_id)
    if row is None or row.user_id != user.id:
        raise NotFound("No such notification.")
    return row


def mark_read(session: Session, user: User, now: datetime, ids: Iterable | None = None) -> int:
    """Mark the given ids (or, with None, all) of the user's notifications read; returns how many changed."""
    query = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if ids is not None:
        try:
            wanted = [int(i) for i in ids]
        except (TypeError, ValueError):
            raise DomainError("ids must be a list of notification ids.", field="ids") from None
        query = query.where(Notification.id.in_(wanted))
    result = session.execute(query.values(read_at=now).execution_options(synchronize_session="fetch"))
    return result.rowcount or 0


def email_settings(session: Session, user: User) -> dict[str, bool]:
    """kind -> whether the user also wants an e-mail; every kind is present."""
    chosen = dict(session.execute(select(NotificationSetting.kind, NotificationSetting.email)
                                  .where(NotificationSetting.user_id == user.id)).all())
    return {kind: bool(chosen.get(kind, False)) for kind in KIND_LABELS}


def set_email_settings(session: Session, user: User, wanted: dict[str, bool]) -> dict[str, bool]:
    unknown = set(wanted) - set(KIND_LABELS)
    if unknown:
        raise DomainError(f"Unknown notification kinds: {', '.join(sorted(unknown))}.", field="kinds")
    for kind, email in wanted.items():
        row = session.get(NotificationSetting, (user.id, kind))
        if row is None:
            session.add(NotificationSetting(user_id=user.id, kind=kind, email=bool(email)))
        else:
            row.email = bool(email)
    session.flush()
    return email_settings(session, user)


# --- the events other use cases report ---------------------------------------------------------


def invitation_received(session: Session, invitation, now: datetime) -> None:
    """A user invited by name hears of it (an invite link names nobody, so nobody is told)."""
    if invitation.invited_user_id is None:
        return
    invited = session.get(User, invitation.invited_user_id)
    inviter = session.get(User, invitation.inviter_id) if invitation.inviter_id else None
    competition = invitation.competition
    notify(session, [invited], NotificationKind.INVITATION,
           f"{inviter.username if inviter else 'A team'} invited you to join team {invitation.team.name} "
           f"in {competition.title}", now, path=f"/invitations/{invitation.code}", competition_id=competition.id)


def competition_finalized(session: Session, competition, now: datetime) -> None:
    """Every member of every team hears the final result, with their team's rank on the private board."""
    from .leaderboard import private_board  # here: leaderboard sits above this module

    ranks = {e.team_id: e.rank for e in private_board(session, competition)}
    total = len(ranks)
    rows = session.execute(select(TeamMember.team_id, User).join(User, User.id == TeamMember.user_id)
                           .where(TeamMember.competition_id == competition.id)).all()
    by_rank: dict[int | None, list[User]] = {}
    for team_id, user in rows:
        by_rank.setdefault(ranks.get(team_id), []).append(user)
    path = f"/c/{competition.slug}/leaderboard?board=private"
    for rank, users in by_rank.items():
        result = f"your team finished #{rank} of {total}" if rank else "your team is not ranked"
        notify(session, users, NotificationKind.FINALIZED, f"{competition.title} is finalized: {result}.", now,
               path=path, competition_id=competition.id)


def submission_disqualified(session: Session, submission, now: datetime) -> None:
    """The whole team hears that one of its submissions was disqualified, and why."""
    competition = submission.competition
    members = session.scalars(select(User).join(TeamMember, TeamMember.user_id == User.id)
                              .where(TeamMember.team_id == submission.team_id))
    notify(session, members, NotificationKind.DISQUALIFIED,
           f"Submission #{submission.id} in {competition.title} was disqualified: {submission.disqualified_reason}",
           now, path=f"/c/{competition.slug}/submissions", competition_id=competition.id)
