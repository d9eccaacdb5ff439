"""Teams rank on leaderboards; every learner who joins gets a team of one, which may then
invite others and merge, under the competition's rules."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, UniqueConstraint
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
    # Set by a merge, which resets final selections: the Team tab says so until they choose again.
    merged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

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
    # Whether this team's best cannot be told apart from the team directly above (competitions/ties.py),
    # and the pair it was computed for: a mark whose key no longer matches the board is not shown.
    public_tied_above: Mapped[bool | None] = mapped_column(Boolean)
    public_tie_key: Mapped[str | None] = mapped_column(String(120))
    private_tied_above: Mapped[bool | None] = mapped_column(Boolean)
    private_tie_key: Mapped[str | None] = mapped_column(String(120))

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


class Invitation(Base):
    """An invitation to join a team: for one user by name, or a one-time link for whoever opens it.

    Accepting merges the accepter's team into the inviting team (competitions.teams.accept).
    The code is the capability, in the link and in the API path; it stays valid until
    the competition's team merger deadline.
    """

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competitions.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    inviter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    invited_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    team: Mapped[Team] = relationship()
    competition = relationship("Competition")
    inviter = relationship("User", foreign_keys=[inviter_id])
    invited_user = relationship("User", foreign_keys=[invited_user_id])

    def is_pending(self, now: datetime) -> bool:
        return (self.accepted_at is None and self.declined_at is None and self.revoked_at is None
                and now < self.expires_at)
