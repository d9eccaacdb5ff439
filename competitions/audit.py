"""Recording and reading the audit log of a competition's results."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import access
from .errors import Forbidden
from .models import AuditAction, AuditEntry, Competition, User


def record(session: Session, competition: Competition, actor: User | None, action: AuditAction, now: datetime,
           *, reason: str = "", details: dict | None = None) -> AuditEntry:
    """Add one entry in the caller's transaction, so the entry and the change commit together."""
    entry = AuditEntry(competition_id=competition.id, actor_id=actor.id if actor is not None else None,
                       action=action.value, reason=reason, details=details or {}, at=now)
    session.add(entry)
    session.flush()
    return entry


def entries(session: Session, competition: Competition, viewer: User | None) -> list[AuditEntry]:
    """Newest first; for the competition's organizers and admins only."""
    if not access.is_manager(competition, viewer):
        raise Forbidden("Only this competition's organizers and admins can read its audit log.")
    return list(session.scalars(select(AuditEntry).where(AuditEntry.competition_id == competition.id)
                                .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())))


def entry_json(entry: AuditEntry) -> dict:
    return {"id": entry.id, "action": entry.action, "actor": entry.actor.username if entry.actor else None,
            "reason": entry.reason, "details": entry.details or {}, "at": entry.at.isoformat()}
