"""In-app notifications, each user's e-mail choices, and the outgoing mail queue."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime


class NotificationKind(str, enum.Enum):
    REPLY = "reply"
    ANNOUNCEMENT = "announcement"
    INVITATION = "invitation"
    FINALIZED = "finalized"
    DISQUALIFIED = "disqualified"


class Notification(Base):
    __tablename__ = "notifications"
    # The header's unread count: one index scan per page.
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    # Gone with its competition; `path` is the site-relative page it points at (built by the domain
    # from slugs and ids, never from user text), made absolute with the base URL in e-mails.
    competition_id: Mapped[int | None] = mapped_column(ForeignKey("competitions.id", ondelete="CASCADE"))
    path: Mapped[str] = mapped_column(String(300), default="/")
    text: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    competition = relationship("Competition")


class NotificationSetting(Base):
    """A user's choice for one kind: in-app only (no row, the default) or also by e-mail."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    email: Mapped[bool] = mapped_column(Boolean, default=False)


class OutgoingMail(Base):
    """A message queued in the request's transaction and sent only after it commits (competitions.mail)."""

    __tablename__ = "outgoing_mail"
    __table_args__ = (Index("ix_outgoing_mail_sent_at", "sent_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to_addr: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))

