"""The Discussion tab: topics, replies, votes, pins, announcements and moderation.

Every rule about who may do what lives in the `may_*` functions here; pages, the
API and templates all ask them (through PostView's flags), so they never disagree.
Reading follows access.can_view. Posting needs a joined learner, the competition's
organizers or an admin.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import access, notifications
from .errors import Conflict, DomainError, Forbidden, NotFound, RateLimited
from .models import Competition, NotificationKind, Post, Team, TeamMember, Topic, User, Vote
from .participation import team_of

MAX_TITLE = 200
MAX_BODY = 20_000
MAX_REASON = 500
# Per user, across competitions: enough for a lively thread, too few for a flood.
RATE_LIMIT_POSTS = 10
RATE_LIMIT_WINDOW = timedelta(minutes=10)
SORTS = ("activity", "votes")


# --- the rules ---------------------------------------------------------------------------------


def _signed_in(user: User | None) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def may_post(competition: Competition, user: User | None, *, is_member: bool) -> bool:
    """Joined learners, the competition's organizer and admins; drafts only for managers."""
    return _signed_in(user) and (is_member or access.is_manager(competition, user))


def may_moderate(competition: Competition, user: User | None) -> bool:
    """Pin, announce and hide: the competition's organizer and admins."""
    return access.is_manager(competition, user)


def may_edit(post: Post, user: User | None) -> bool:
    """Authors edit and delete their own posts while the posts are neither deleted nor hidden."""
    return _signed_in(user) and post.author_id == user.id and post.deleted_at is None and post.hidden_at is None


def may_vote(competition: Competition, post: Post, user: User | None, *, is_member: bool) -> bool:
    """Those who may post vote, once per post, never on their own."""
    return (may_post(competition, user, is_member=is_member) and post.author_id != user.id
            and post.deleted_at is None and post.hidden_at is None)


def require_post(competition: Competition, user: User | None, *, is_member: bool) -> None:
    if not may_post(competition, user, is_member=is_member):
        raise Forbidden("Join this competition (accept its rules) to take part in its discussion.")


# --- reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PostView:
    post: Post
    author: str
    team: str | None
    voted: bool
    can_edit: bool
    can_vote: bool
    can_hide: bool
    # What everyone may read: None when deleted or hidden (the page says which).
    body_md: str | None


@dataclass(frozen=True)
class TopicSummary:
    topic: Topic
    opening: PostView
    title: str


@dataclass(frozen=True)
class TopicView:
    topic: Topic
    title: str
    posts: list[PostView]  # the opening post first
    can_reply: bool
    can_moderate: bool


def _team_names(session: Session, competition: Competition, user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    rows = session.execute(select(TeamMember.user_id, Team.name).join(Team, Team.id == TeamMember.team_id)
                           .where(TeamMember.competition_id == competition.id, TeamMember.user_id.in_(user_ids)))
    return dict(rows.all())


def _my_votes(session: Session, user: User | None, post_ids: list[int]) -> set[int]:
    if not _signed_in(user) or not post_ids:
        return set()
    return set(session.scalars(select(Vote.post_id).where(Vote.user_id == user.id, Vote.post_id.in_(post_ids))))


def _views(session: Session, competition: Competition, posts: list[Post], viewer: User | None,
           is_member: bool) -> list[PostView]:
    teams = _team_names(session, competition, {p.author_id for p in posts if p.author_id})
    voted = _my_votes(session, viewer, [p.id for p in posts])
    moderator = may_moderate(competition, viewer)
    out = []
    for p in posts:
        shown = None if (p.deleted_at or p.hidden_at) else p.body_md
        out.append(PostView(p, p.author.username if p.author else "(account removed)", teams.get(p.author_id),
                            p.id in voted, may_edit(p, viewer),
                            may_vote(competition, p, viewer, is_member=is_member), moderator and not p.hidden_at,
                            shown))
    return out


def _title(topic: Topic, opening: Post) -> str:
    # A hidden opening post hides its title too: that is where abuse is most visible.
    return "(hidden by a moderator)" if opening.hidden_at else topic.title


def list_topics(session: Session, competition: Competition, viewer: User | None, *, is_member: bool,
                sort: str = "activity") -> list[TopicSummary]:
    """Pinned topics first, then newest activity (or most votes) first."""
    if sort not in SORTS:
        raise DomainError("sort is 'activity' or 'votes'.", field="sort")
    query = (select(Topic, Post).join(Post, (Post.topic_id == Topic.id) & Post.opening.is_(True))
             .where(Topic.competition_id == competition.id))
    order = [Topic.pinned.desc()]
    if sort == "votes":
        order.append(Post.votes.desc())
    order += [Topic.last_activity_at.desc(), Topic.id.desc()]
    rows = session.execute(query.order_by(*order)).all()
    views = _views(session, competition, [p for _, p in rows], viewer, is_member)
    return [TopicSummary(t, v, _title(t, p)) for (t, p), v in zip(rows, views)]


def get_topic(session: Session, competition: Competition, topic_id: int) -> Topic:
    topic = session.get(Topic, topic_id)
    if topic is None or topic.competition_id != competition.id:
        raise NotFound("No such topic in this competition.")
    return topic


def topic_view(session: Session, competition: Competition, topic_id: int, viewer: User | None, *,
               is_member: bool) -> TopicView:
    topic = get_topic(session, competition, topic_id)
    posts = list(topic.posts)
    views = _views(session, competition, posts, viewer, is_member)
    return TopicView(topic, _title(topic, posts[0]), views, may_post(competition, viewer, is_member=is_member),
                     may_moderate(competition, viewer))


def get_post(session: Session, post_id: int) -> Post:
    post = session.get(Post, post_id)
    if post is None:
        raise NotFound("No such post.")
    return post


# --- writing -----------------------------------------------------------------------------------


def _check_text(title: str | None, body: str) -> tuple[str | None, str]:
    if title is not None:
        title = " ".join(title.split())
        if not 1 <= len(title) <= MAX_TITLE:
            raise DomainError(f"A title is 1 to {MAX_TITLE} characters.", field="title")
    body = (body or "").strip()
    if not body:
        raise DomainError("Write something: the post is empty.", field="body")
    if len(body) > MAX_BODY:
        raise DomainError(f"Keep a post under {MAX_BODY:,} characters.", field="body")
    return title, body


def check_rate(session: Session, user: User, now: datetime) -> None:
    """At most RATE_LIMIT_POSTS posts in RATE_LIMIT_WINDOW per user, counted in the database,
    so the limit holds across server processes."""
    since = now - RATE_LIMIT_WINDOW
    recent = list(session.scalars(select(Post.created_at).where(Post.author_id == user.id, Post.created_at > since)
                                  .order_by(Post.created_at.desc()).limit(RATE_LIMIT_POSTS)))
    if len(recent) >= RATE_LIMIT_POSTS:
        wait = int((recent[-1] + RATE_LIMIT_WINDOW - now).total_seconds()) + 1
        minutes = int(RATE_LIMIT_WINDOW.total_seconds() // 60)
        raise RateLimited(f"You have posted {RATE_LIMIT_POSTS} times in {minutes} minutes. "
                          f"Please wait {wait} seconds before posting again.", retry_after=max(wait, 1))


def _path(competition: Competition, topic: Topic, post: Post | None = None) -> str:
    anchor = f"#post-{post.id}" if post is not None and not post.opening else ""
    return f"/c/{competition.slug}/discussion/{topic.id}{anchor}"


def create_topic(session: Session, competition: Competition, user: User, title: str, body: str, now: datetime, *,
                 is_member: bool, announcement: bool = False) -> Topic:
    require_post(competition, user, is_member=is_member)
    if announcement and not may_moderate(competition, user):
        raise Forbidden("Only this competition's organizers post announcements.")
    title, body = _check_text(title, body)
    check_rate(session, user, now)
    topic = Topic(competition_id=competition.id, author_id=user.id, title=title, pinned=announcement,
                  announcement=announcement, created_at=now, last_activity_at=now, reply_count=0)
    session.add(topic)
    session.flush()
    session.add(Post(topic_id=topic.id, author_id=user.id, opening=True, body_md=body, created_at=now, votes=0))
    session.flush()
    if announcement:
        members = session.scalars(select(User).join(TeamMember, TeamMember.user_id == User.id)
                                  .where(TeamMember.competition_id == competition.id, User.id != user.id))
        notifications.notify(session, members, NotificationKind.ANNOUNCEMENT,
                             f"Announcement in {competition.title}: {title}", now,
                             path=_path(competition, topic), competition_id=competition.id)
    return topic


def reply(session: Session, competition: Competition, user: User, topic_id: int, body: str, now: datetime, *,
          is_member: bool, parent_id: int | None = None) -> Post:
    """Reply to a topic, or to one of its posts (`parent_id`); the authors answered are notified."""
    require_post(competition, user, is_member=is_member)
    topic = get_topic(session, competition, topic_id)
    _, body = _check_text(None, body)
    parent = None
    if parent_id is not None:
        parent = session.get(Post, int(parent_id))
        if parent is None or parent.topic_id != topic.id:
            raise NotFound("No such post in this topic.", field="parent_id")
    check_rate(session, user, now)
    post = Post(topic_id=topic.id, author_id=user.id, parent_id=parent.id if parent else None, opening=False,
                body_md=body, created_at=now, votes=0)
    session.add(post)
    topic.last_activity_at = now
    topic.reply_count = (topic.reply_count or 0) + 1
    session.flush()
    answered = [topic.author] + ([parent.author] if parent is not None else [])
    who = [u for u in answered if u is not None and u.id != user.id]
    notifications.notify(session, who, NotificationKind.REPLY,
                         f"{user.username} replied in “{topic.title}” ({competition.title})", now,
                         path=_path(competition, topic, post), competition_id=competition.id)
    return post


def edit_post(session: Session, post: Post, user: User, body: str, now: datetime, title: str | None = None) -> Post:
    """The author edits the text (and, for an opening post, the title); an "edited" mark shows."""
    if not may_edit(post, user):
        raise Forbidden("Only its author can edit a post, and not once it is deleted or hidden.")
    new_title, body = _check_text(title if post.opening and title is not None else None, body)
    post.body_md = body
    if new_title is not None:
        post.topic.title = new_title
    post.edited_at = now
    session.flush()
    return post


def delete_post(session: Session, post: Post, user: User, now: datetime) -> Post:
    """The text is replaced by "deleted"; the row stays so replies keep their place."""
    if not may_edit(post, user):
        raise Forbidden("Only its author can delete a post.")
    post.deleted_at = now
    post.body_md = ""
    session.flush()
    return post


def hide_post(session: Session, competition: Competition, post: Post, user: User, reason: str,
              now: datetime) -> Post:
    if not may_moderate(competition, user):
        raise Forbidden("Only this competition's organizers and admins hide posts.")
    reason = " ".join((reason or "").split())
    if not reason:
        raise DomainError("Give a reason; it shows in place of the post.", field="reason")
    if len(reason) > MAX_REASON:
        raise DomainError(f"Keep the reason under {MAX_REASON} characters.", field="reason")
    if post.hidden_at is not None:
        raise Conflict("This post is already hidden.")
    post.hidden_at, post.hidden_reason, post.hidden_by_id = now, reason, user.id
    session.flush()
    return post


def set_pinned(session: Session, competition: Competition, topic_id: int, user: User, pinned: bool) -> Topic:
    if not may_moderate(competition, user):
        raise Forbidden("Only this competition's organizers and admins pin topics.")
    topic = get_topic(session, competition, topic_id)
    topic.pinned = bool(pinned)
    session.flush()
    return topic


def vote(session: Session, competition: Competition, post: Post, user: User, now: datetime, *,
         is_member: bool) -> Post:
    """One vote per user and post (a second is a no-op); never on one's own post."""
    if _signed_in(user) and post.author_id == user.id:
        raise Forbidden("You cannot vote for your own post.")
    if not may_vote(competition, post, user, is_member=is_member):
        raise Forbidden("Join this competition to vote in its discussion.")
    try:
        # A savepoint: a double click that loses the race undoes only its own insert.
        with session.begin_nested():
            session.add(Vote(post_id=post.id, user_id=user.id, created_at=now))
    except IntegrityError:
        return post
    _recount(session, post)
    return post


def unvote(session: Session, competition: Competition, post: Post, user: User) -> Post:
    if not _signed_in(user):
        raise Forbidden("Sign in to vote.")
    row = session.scalar(select(Vote).where(Vote.post_id == post.id, Vote.user_id == user.id))
    if row is not None:
        session.delete(row)
        session.flush()
        _recount(session, post)
    return post


def _recount(session: Session, post: Post) -> None:
    # Counted, not incremented: concurrent votes on one post cannot lose an update.
    post.votes = session.scalar(select(func.count(Vote.id)).where(Vote.post_id == post.id)) or 0
    session.flush()


def competition_of_post(session: Session, post: Post) -> Competition:
    return post.topic.competition


def is_member(session: Session, competition: Competition, user: User | None) -> bool:
    return team_of(session, competition, user) is not None
