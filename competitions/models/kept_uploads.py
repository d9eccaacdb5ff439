"""Files a host form received while another field had an error, kept so nobody has to choose them again."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime


class KeptUpload(Base):
    """One uploaded file, in storage under its sha256, waiting for its form to succeed (at most an hour)."""

    __tablename__ = "kept_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Bound to the organizer who sent it: a token copied into another account's form finds nothing.
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Which form field it came from: "solution" or "files".
    field: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
