"""The audit log: what was done to a competition's results, by whom, when and why."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime


class AuditAction(str, enum.Enum):
    FINALIZE = "finalize"
    REOPEN = "reopen"
    RESCORE = "rescore"
    DISQUALIFY_SUBMISSION = "disqualify_submission"
    DISQUALIFY_TEAM = "disqualify_team"
    REINSTATE_TEAM = "reinstate_team"
    DEADLINE = "deadline"
    MERGE = "merge"
    REMOVE_MEMBER = "remove_member"
    PUBLISH = "publish"
    REINSTATE_SUBMISSION = "reinstate_submission"


class AuditEntry(Base):
    """One row per action; rows are only ever added, never changed."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_competition_at", "competition_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competitions.id", ondelete="CASCADE"))
    # Kept when an account goes away: the record of what was done must outlive it.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(1000), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime)

    actor = relationship("User")
