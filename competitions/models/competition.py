"""Competitions, their files and their versioned hidden solutions."""
from __future__ import annotations

import enum
import secrets
from datetime import datetime, timedelta

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime

DEFAULT_MERGER_DAYS = 7


class State(str, enum.Enum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    FINALIZED = "finalized"


class Visibility(str, enum.Enum):
    PUBLIC = "public"
    UNLISTED = "unlisted"
    GROUP = "group"  # only the members of the competition's group


class Competition(Base):
    __tablename__ = "competitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(120))
    subtitle: Mapped[str] = mapped_column(String(200), default="")
    description_md: Mapped[str] = mapped_column(Text, default="")
    rules_md: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)

    metric: Mapped[str] = mapped_column(String(40))
    metric_params: Mapped[dict] = mapped_column(JSON, default=dict)
    id_column: Mapped[str] = mapped_column(String(64), default="id")
    # Data files the organizer names: the sample submission (checked against the
    # solution) and the test file (whose ids must be exactly the solution's).
    sample_submission: Mapped[str | None] = mapped_column(String(255))
    test_file: Mapped[str | None] = mapped_column(String(255))

    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finalized_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # None: a draft, seen only by its organizers and admins until published (competitions/drafts.py).
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    daily_limit: Mapped[int] = mapped_column(Integer, default=5)
    total_limit: Mapped[int | None] = mapped_column(Integer)
    final_selections: Mapped[int] = mapped_column(Integer, default=2)
    # Teams: 1 means solo only. No merger deadline stored means the default, 7 days before
    # the deadline, so it follows the deadline when that moves (see merger_deadline()).
    max_team_size: Mapped[int] = mapped_column(Integer, default=5)
    team_merger_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)

    visibility: Mapped[str] = mapped_column(String(16), default=Visibility.PUBLIC.value)
    invite_token: Mapped[str] = mapped_column(String(64))
    # Data download needs joining (accepting the rules) unless the organizer opens it.
    data_open: Mapped[bool] = mapped_column(Boolean, default=False)
    # A study group's competition: its organizers manage it, and visibility "group" limits it to members.
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="SET NULL"), index=True)
    # A warm-up: finalizing gives no medals and no points.
    practice: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Changes, in the same transaction, with anything a leaderboard shows (competitions/board_version.py):
    # cached boards are keyed by it, so none is ever stale. A fresh random value, not a counter, so a
    # restored backup never meets a cache entry made from a different state under the same number.
    standings_version: Mapped[int] = mapped_column(BigInteger, default=lambda: secrets.randbits(62) + 1,
                                                   server_default="0")

    owner = relationship("User")
    group = relationship("Group")
    files: Mapped[list[CompetitionFile]] = relationship(
        back_populates="competition", cascade="all, delete-orphan", order_by="CompetitionFile.name"
    )

    def merger_deadline(self) -> datetime:
        """The last moment teams may merge: the stored one or the default, never after the deadline."""
        wanted = self.team_merger_deadline or self.deadline_at - timedelta(days=DEFAULT_MERGER_DAYS)
        return min(max(wanted, self.start_at), self.deadline_at)

    def state_at(self, now: datetime) -> State:
        """The lifecycle state is derived from the clock, so it never goes stale."""
        if self.finalized_at is not None:
            return State.FINALIZED
        if self.published_at is None:
            # An unpublished draft stays a draft whatever the clock says.
            return State.DRAFT
        if now >= self.deadline_at:
            return State.CLOSED
        if now >= self.start_at:
            return State.OPEN
        return State.DRAFT


class CompetitionFile(Base):
    """A participant data file. The solution is kept apart, in `solutions`."""

    __tablename__ = "competition_files"
    __table_args__ = (UniqueConstraint("competition_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competitions.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The Data tab's preview (first rows, column names and types), computed once when the file is
    # stored (competitions/previews.py); preview_done marks files already looked at, previewable or not.
    preview: Mapped[dict | None] = mapped_column(JSON)
    preview_done: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    competition: Mapped[Competition] = relationship(back_populates="files")


class Solution(Base):
    """One version of a competition's hidden answer key; older ones stay for re-score diffs."""

    __tablename__ = "solutions"
    __table_args__ = (UniqueConstraint("competition_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competitions.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    n_public: Mapped[int] = mapped_column(Integer)
    n_private: Mapped[int] = mapped_column(Integer)
    n_ignored: Mapped[int] = mapped_column(Integer)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
