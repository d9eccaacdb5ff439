"""CSV downloads of leaderboards and of all submissions."""
from __future__ import annotations

import csv
import io

from .leaderboard import Entry
from .models import Submission


def _isoformat(value) -> str:
    return value.isoformat() if value is not None else ""


def leaderboard_csv(entries: list[Entry], *, private: bool) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    header = ["rank", "team", "members", "score", "entries", "last_submission_at"]
    writer.writerow(header + (["rank_change"] if private else []))
    for e in entries:
        row = [e.rank, e.team, " ".join(e.members), repr(e.score), e.entries, _isoformat(e.last_submission_at)]
        writer.writerow(row + ([e.rank_change if e.rank_change is not None else ""] if private else []))
    return out.getvalue()


def submissions_csv(rows: list[Submission]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", "team", "user", "created_at", "status", "public_score", "private_score", "late",
                     "selected", "disqualified_reason", "file_name", "file_sha256", "description"])
    for s in rows:
        writer.writerow([s.id, s.team.name, s.user.username, _isoformat(s.created_at), s.status,
                         "" if s.public_score is None else repr(s.public_score),
                         "" if s.private_score is None else repr(s.private_score), int(s.is_late),
                         int(s.selected), s.disqualified_reason or "", s.file_name, s.file_sha256, s.description])
    return out.getvalue()
