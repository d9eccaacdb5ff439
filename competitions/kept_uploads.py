"""Uploads a host form keeps while the organizer fixes another field.

Browsers never re-send a file after a form error, so a refused host form would make the
organizer choose the solution and every data file again. Instead each received file is
stored (through the storage interface, content-addressed like every other file) and noted
in ``kept_uploads``; the form carries a signed token per file, bound to the organizer,
valid for an hour. When the form succeeds the rows go; expired rows go on the next use,
and their stored files with storage gc once nothing else needs them.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import BinaryIO

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .models import KeptUpload, User
from .storage import Storage

LIFETIME = timedelta(hours=1)
SALT = "holdout.kept-upload"
FIELDS = ("solution", "files")


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=SALT)


def keep(session: Session, storage: Storage, owner: User, field: str, name: str, stream: BinaryIO,
         now: datetime) -> KeptUpload:
    """Store one uploaded file for ``owner`` and note it; flushes, the caller commits."""
    assert field in FIELDS, field
    stored = storage.put(stream)
    row = KeptUpload(owner_id=owner.id, field=field, name=(name or "upload")[:255], sha256=stored.sha256,
                     size=stored.size, created_at=now)
    session.add(row)
    session.flush()
    return row


def token_for(row: KeptUpload, secret: str) -> str:
    return _serializer(secret).dumps({"id": row.id, "owner": row.owner_id, "field": row.field})


def resolve(session: Session, owner: User, field: str, tokens: list[str], secret: str,
            now: datetime) -> list[KeptUpload]:
    """The kept files these tokens name, for this organizer and field, younger than an hour.

    A token that is forged, expired, another organizer's or for another field is skipped:
    the form then simply asks for the file again, which is what it did before files were kept.
    """
    rows = []
    for token in tokens:
        try:
            data = _serializer(secret).loads(token, max_age=int(LIFETIME.total_seconds()))
        except (BadSignature, TypeError, ValueError):
            continue
        if not isinstance(data, dict) or data.get("owner") != owner.id or data.get("field") != field:
            continue
        row = session.get(KeptUpload, data.get("id"))
        if row is not None and row.owner_id == owner.id and row.field == field and row.created_at > now - LIFETIME:
            rows.append(row)
    return rows


def discard(session: Session, rows: list[KeptUpload]) -> None:
    for row in rows:
        session.delete(row)
    session.flush()


def purge_expired(session: Session, now: datetime) -> int:
    """Forget kept files older than an hour; how many rows went."""
    result = session.execute(delete(KeptUpload).where(KeptUpload.created_at <= now - LIFETIME))
    return result.rowcount or 0


def of_owner(session: Session, owner: User) -> list[KeptUpload]:
    return list(session.scalars(select(KeptUpload).where(KeptUpload.owner_id == owner.id)))
