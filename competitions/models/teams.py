"""Teams rank on leaderboards; every learner who joins gets a team of one."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime


class Team(Base):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("competition_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competitions.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    disqualified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disqualified_reason: Mapped[str | None] = mapped_column(String(500))

    # Standing, kept current by competitions.standings.refresh_team(): the
    # leaderboards read these columns, so their cost follows teams, not submissions.
    entries: Mapped[int] = mapped_column(Integer, default=0)
    last_submission_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    best_public_score: Mapped[float | None] = mapped_column(Float)
    best_public_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    best_public_submission_id: Mapped[int | None] = mapped_column(Integer)
    best_private_score: Mapped[float | None] = mapped_column(Float)
    best_private_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    best_private_submission_id: Mapped[int | None] = mapped_column(Integer)

    members: Mapped[list[TeamMember]] = relationship(back_populates="team", cascade="all, delete-orphan")


class TeamMember(Base):
    __tablename__ = "team_members"
    # competition_id is repeated here so the database itself guarantees one
    # team per user per competition.
    __table_args__ = (UniqueConstraint("competition_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competitions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)

    team: Mapped[Team] = relationship(back_populates="members")
    user = relationship("User")
