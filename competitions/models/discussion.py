"""Discussion topics and their posts, votes on posts, and solution write-ups."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime


class Topic(Base):
    """A thread in a competition's Discussion tab; its text is its opening post."""

    __tablename__ = "topics"
    __table_args__ = (Index("ix_topics_competition_activity", "competition_id", "last_activity_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competitions.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    # An announcement is pinned and notifies every joined learner when posted.
    announcement: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Bumped by every reply: "newest activity first" reads one column.
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reply_count: Mapped[int] = mapped_column(Integer, default=0)

    competition = relationship("Competition")
    author = relationship("User")
    posts: Mapped[list[Post]] = relationship(back_populates="topic", cascade="all, delete-orphan",
                                             order_by="Post.created_at, Post.id")


class Post(Base):
    """The opening post of a topic or a reply; deleted and hidden posts keep their row so replies stay."""

    __tablename__ = "posts"
    __table_args__ = (
        # The rate limit counts a user's recent posts.
        Index("ix_posts_author_created", "author_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The post this one answers, when it answers a reply rather than the topic.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"))
    opening: Mapped[bool] = mapped_column(Boolean, default=False)
    body_md: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_reason: Mapped[str | None] = mapped_column(String(500))
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Kept equal to the number of Vote rows by vote()/unvote(), so sorting by votes reads one column.
    votes: Mapped[int] = mapped_column(Integer, default=0)

    topic: Mapped[Topic] = relationship(back_populates="posts")
    author = relationship("User", foreign_keys=[author_id])
    hidden_by = relationship("User", foreign_keys=[hidden_by_id])


class Vote(Base):
    __tablename__ = "votes"
    # The database guarantees one vote per user per post, even for a double click.
    __table_args__ = (UniqueConstraint("post_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WriteUp(Base):
    """A ranked team's solution write-up, published after finalize; one per team."""

    __tablename__ = "writeups"
    __table_args__ = (UniqueConstraint("team_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competitions.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    body_md: Mapped[str] = mapped_column(Text, default="")
    # [{"label": "Code", "url": "https://…"}]: http(s) only, checked on save.
    links: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    competition = relationship("Competition")
    team = relationship("Team")
    submission = relationship("Submission")
    author = relationship("User")
