"""Submissions, their score history and the per-day quota counter."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow


class Status(str, enum.Enum):
    SCORED = "scored"
    INVALID = "invalid"
    ERROR = "error"


class Submission(Base):
    __tablename__ = "submissions"
    __table_args__ = (
        # The leaderboard reads best scores per team; this index keeps it team-bound.
        Index("ix_submissions_competition_team_status", "competition_id", "team_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competitions.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    description: Mapped[str] = mapped_column(String(500), default="")

    file_name: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64))
    file_size: Mapped[int] = mapped_column(Integer)

    status: Mapped[str] = mapped_column(String(16), default=Status.SCORED.value)
    problems: Mapped[list] = mapped_column(JSON, default=list)
    public_score: Mapped[float | None] = mapped_column(Float)
    public_ci_low: Mapped[float | None] = mapped_column(Float)
    public_ci_high: Mapped[float | None] = mapped_column(Float)
    private_score: Mapped[float | None] = mapped_column(Float)
    private_ci_low: Mapped[float | None] = mapped_column(Float)
    private_ci_high: Mapped[float | None] = mapped_column(Float)
    solution_version: Mapped[int | None] = mapped_column(Integer)
    scorer_version: Mapped[str | None] = mapped_column(String(32))

    is_late: Mapped[bool] = mapped_column(Boolean, default=False)
    selected: Mapped[bool] = mapped_column(Boolean, default=False)
    disqualified_reason: Mapped[str | None] = mapped_column(String(500))

    team = relationship("Team")
    user = relationship("User")


class SubmissionScore(Base):
    """Every score a submission ever had, one row per solution version."""

    __tablename__ = "submission_scores"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    solution_version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    public_score: Mapped[float | None] = mapped_column(Float)
    private_score: Mapped[float | None] = mapped_column(Float)
    scorer_version: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QuotaUsage(Base):
    """Valid submissions a team made on one UTC day.

    The counter is bumped with a guarded UPDATE in the submission's own
    transaction, so concurrent uploads cannot both take the last slot.
    """

    __tablename__ = "quota_usage"

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    used: Mapped[int] = mapped_column(Integer, default=0)
