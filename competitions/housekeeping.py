"""Storage that does not fill up: which stored files nothing needs any more, and removing them.

Kept: every competition file, every solution version, every submission's file except
invalid ones older than the retention period (their rows, with their problems, stay).
Removed: interrupted uploads' temporary files, and files no row needs, such as files
refused for quota, solution previews never confirmed, invalid files past retention.
Storage is content-addressed and shared, so a file goes only when no row needs it, and
only once it is older than ``GRACE`` (an upload in flight has stored its file but not yet
its row; a preview waits up to a day for its confirmation).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from .models import CompetitionFile, KeptUpload, Solution, Status, Submission
from .storage import Storage

GRACE = timedelta(days=1)
TEMP_GRACE = timedelta(hours=1)


def needed_hashes(session: Session, now: datetime, retention_days: int) -> tuple[set[str], set[str]]:
    """(hashes some row needs, hashes only expired invalid submissions refer to)."""
    cutoff = now - timedelta(days=retention_days)
    needed = set(session.scalars(select(CompetitionFile.sha256)))
    needed |= set(session.scalars(select(Solution.sha256)))
    needed |= set(session.scalars(select(KeptUpload.sha256)))  # a host form's files, kept for an hour
    needed |= set(session.scalars(select(Submission.file_sha256).where(
        or_(Submission.status != Status.INVALID.value, Submission.created_at >= cutoff))))
    expired = set(session.scalars(select(Submission.file_sha256).where(
        Submission.status == Status.INVALID.value, Submission.created_at < cutoff))) - needed
    return needed, expired


def is_referenced(session: Session, sha256: str) -> bool:
    """Whether any row (submission, competition file, solution version) refers to this file."""
    return any(session.scalar(select(func.count()).select_from(model).where(column == sha256))
               for model, column in ((Submission, Submission.file_sha256), (CompetitionFile, CompetitionFile.sha256),
                                     (Solution, Solution.sha256), (KeptUpload, KeptUpload.sha256)))


# session.info key: files refused in this session (say, for quota), which the caller discards
# after a grace period instead of at once (webapp/db.py queues a delayed job).
REFUSED = "holdout.refused_files"


def discard_refused(session: Session, storage, sha256: str) -> None:
    """A just-stored file was refused. Storage is content-addressed, so another upload of the same
    bytes (two learners sending the sample submission) may be between its put() and its commit,
    needing this very file while no committed row refers to it yet. Where the caller can wait, the
    file is discarded after a grace period, once any such upload has committed its reference;
    otherwise (the CLI, domain tests) at once."""
    pending = session.info.get(REFUSED)
    if pending is not None:
        pending.add(sha256)
    else:
        discard_if_unreferenced(session, storage, sha256)


def discard_if_unreferenced(session: Session, storage, sha256: str) -> bool:
    """Delete a just-stored file that no row refers to (say, one refused for quota)."""
    if not is_referenced(session, sha256):
        storage.delete(sha256)
        return True
    return False


@dataclass
class Report:
    temp_files: list = field(default_factory=list)      # (path, size)
    unreferenced: list = field(default_factory=list)    # (sha256, size)
    expired_invalid: list = field(default_factory=list)  # (sha256, size)
    deleted: bool = False

    @property
    def bytes(self) -> int:
        return sum(size for group in (self.temp_files, self.unreferenced, self.expired_invalid)
                   for _, size in group)

    def lines(self) -> list[str]:
        verb = "Removed" if self.deleted else "Would remove"
        out = [f"{verb} {len(self.temp_files)} interrupted upload(s), {len(self.unreferenced)} unreferenced "
               f"file(s) and {len(self.expired_invalid)} invalid file(s) past retention: {self.bytes:,} bytes."]
        out += [f"  temp        {size:>14,}  {path.name}" for path, size in self.temp_files]
        out += [f"  unreferenced {size:>13,}  {sha}" for sha, size in self.unreferenced]
        out += [f"  expired     {size:>14,}  {sha}" for sha, size in self.expired_invalid]
        if not self.deleted and self.bytes:
            out.append("Dry run: nothing was removed. Run again with --delete to remove these.")
        return out


def remove_temp_files(storage: Storage, older_than: timedelta = TEMP_GRACE, wall: float | None = None) -> list:
    """Delete interrupted uploads' temporary files older than ``older_than`` (file age, by the wall
    clock ``wall``, default now); [(path, size)]."""
    wall = time.time() if wall is None else wall
    removed = []
    for path, size, mtime in storage.temp_files():
        if mtime <= wall - older_than.total_seconds():
            path.unlink(missing_ok=True)
            removed.append((path, size))
    return removed


def collect(session: Session, storage: Storage, now: datetime, retention_days: int,
            delete: bool = False, wall: float | None = None) -> Report:
    """What gc removes (everything when ``delete``, else only reported). ``now`` is the app's clock,
    for retention; file ages use the wall clock ``wall`` (default: now), as file times do."""
    wall = time.time() if wall is None else wall
    report = Report(deleted=delete)
    limit = wall - TEMP_GRACE.total_seconds()
    report.temp_files = [(p, size) for p, size, mtime in storage.temp_files() if mtime <= limit]
    needed, expired = needed_hashes(session, now, retention_days)
    limit = wall - GRACE.total_seconds()
    for sha, size, mtime in storage.blobs():
        if sha in needed or mtime > limit:
            continue
        (report.expired_invalid if sha in expired else report.unreferenced).append((sha, size))
    if delete:
        for path, _ in report.temp_files:
            path.unlink(missing_ok=True)
        for sha, _ in report.unreferenced + report.expired_invalid:
            storage.delete(sha)
    return report


def team_invalid_bytes(session: Session, team_id: int, now: datetime, retention_days: int) -> int:
    """Bytes of the team's invalid files still kept (within retention): what the storage budget counts."""
    return int(session.scalar(select(func.coalesce(func.sum(Submission.file_size), 0)).where(
        Submission.team_id == team_id, Submission.status == Status.INVALID.value,
        Submission.created_at >= now - timedelta(days=retention_days))) or 0)
