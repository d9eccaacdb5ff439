"""Study groups, their members and join requests, seasons, and what finalizing awards."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime


class GroupRole(str, enum.Enum):
    OWNER = "owner"
    ORGANIZER = "organizer"  # hosts and manages the group's competitions
    MEMBER = "member"


class GroupVisibility(str, enum.Enum):
    PUBLIC = "public"    # listed; anyone sees the page, joining still needs the link or approval
    PRIVATE = "private"  # only members see it


class Group(Base):
    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description_md: Mapped[str] = mapped_column(Text, default="")
    visibility: Mapped[str] = mapped_column(String(16), default=GroupVisibility.PUBLIC.value)
    # The one invite link's code; owners rotate it, which ends the old link.
    invite_code: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class GroupMember(Base):
    __tablename__ = "group_members"
    __table_args__ = (UniqueConstraint("group_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16), default=GroupRole.MEMBER.value)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user = relationship("User")
    group: Mapped[Group] = relationship()


class GroupJoinRequest(Base):
    """A request to join, waiting for an owner; approving makes a member and deletes it."""

    __tablename__ = "group_join_requests"
    __table_args__ = (UniqueConstraint("group_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user = relationship("User")


class Season(Base):
    """A window of a group's calendar; open while not closed and the clock is inside it."""

    __tablename__ = "seasons"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def is_open(self, now: datetime) -> bool:
        return self.closed_at is None and self.start_at <= now < self.end_at


class Award(Base):
    """One member's result in a finalized competition: rank, medal and season points.

    Written at finalize from the private board and deleted on reopen, so standings
    and portfolios read rows instead of recomputing boards.
    """

    __tablename__ = "awards"
    __table_args__ = (UniqueConstraint("competition_id", "user_id"),
                      Index("ix_awards_season_user", "season_id", "user_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competitions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    # Null when finalized outside any open season: medals still count, points do not.
    season_id: Mapped[int | None] = mapped_column(ForeignKey("seasons.id", ondelete="SET NULL"))
    rank: Mapped[int] = mapped_column(Integer)
    teams: Mapped[int] = mapped_column(Integer)  # ranked teams in the competition
    team_size: Mapped[int] = mapped_column(Integer)
    medal: Mapped[str | None] = mapped_column(String(8))
    points: Mapped[float] = mapped_column(Float, default=0.0)
    awarded_at: Mapped[datetime] = mapped_column(UTCDateTime)

    competition = relationship("Competition")
    user = relationship("User")


class Profile(Base):
    """What a user tells about themselves, and who may see their portfolio."""

    __tablename__ = "profiles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(80), default="")
    bio: Mapped[str] = mapped_column(String(500), default="")
    # [{"label": "GitHub", "url": "https://..."}]: http(s) only, checked on save.
    links: Mapped[list] = mapped_column(JSON, default=list)
    visibility: Mapped[str] = mapped_column(String(16), default="public")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
