"""Submissions, their score history and the per-day quota counter."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, and_, not_, select
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime
from .competition import Competition


class Status(str, enum.Enum):
    QUEUED = "queued"    # a large upload waiting for a worker (competitions/jobs.py); holds a quota slot
    SCORING = "scoring"  # a worker took it at scoring_started_at; past the lease it is taken again
    SCORED = "scored"
    INVALID = "invalid"
    ERROR = "error"


class Submission(Base):
    __tablename__ = "submissions"
    __table_args__ = (
        # The leaderboard reads best scores per team; this index keeps it team-bound.
        Index("ix_submissions_competition_team_status", "competition_id", "team_id", "status"),
        # A team's own queries (its standing, its quota, its history) name only the team: without this
        # index each one scans every submission of every competition (0.1-0.5 s an upload at 100,000).
        Index("ix_submissions_team_status_created", "team_id", "status", "created_at"),
        # The job sweep looks for queued rows and expired leases (competitions/jobs.py).
        Index("ix_submissions_status_started", "status", "scoring_started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competitions.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
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
    # Background scoring (competitions/jobs.py): when a worker took it, and how many times one did.
    scoring_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    selected: Mapped[bool] = mapped_column(Boolean, default=False)
    disqualified_reason: Mapped[str | None] = mapped_column(String(500))
    # What this upload changed for the team, computed once when it is scored (competitions/progress.py).
    feedback: Mapped[dict | None] = mapped_column(JSON)

    competition: Mapped[Competition] = relationship()
    team = relationship("Team")
    user = relationship("User")

    # The two rules below are written once and work both on a loaded row and
    # inside a query, so the leaderboards, the pages and the API cannot disagree.

    @hybrid_property
    def is_late(self) -> bool:
        """Sent at or after the deadline: a fact of its time and the current deadline,
        never stored, so moving the deadline moves the line."""
        return self.created_at >= self.competition.deadline_at

    @is_late.inplace.expression
    @classmethod
    def _is_late_expression(cls):
        deadline = select(Competition.deadline_at).where(Competition.id == cls.competition_id).scalar_subquery()
        return cls.created_at >= deadline

    @hybrid_property
    def is_ranked(self) -> bool:
        """Counts on the leaderboards: scored, on time and not disqualified."""
        return self.status == Status.SCORED.value and not self.is_late and self.disqualified_reason is None

    @is_ranked.inplace.expression
    @classmethod
    def _is_ranked_expression(cls):
        return and_(cls.status == Status.SCORED.value, not_(cls.is_late), cls.disqualified_reason.is_(None))


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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class QuotaUsage(Base):
    """Valid submissions a team made on one UTC day.

    The counter is bumped with a guarded UPDATE in the submission's own
    transaction, so concurrent uploads cannot both take the last slot.
    """

    __tablename__ = "quota_usage"

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    used: Mapped[int] = mapped_column(Integer, default=0)
