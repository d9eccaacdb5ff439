"""CSV downloads of leaderboards and of all submissions."""
from __future__ import annotations

import csv
import io

from .leaderboard import Entry
from .models import Submission

# A cell starting with one of these is a formula to Excel, LibreOffice and Sheets: a name or a
# description such as =HYPERLINK(...) would run when an organizer opens the file.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    """Text that a spreadsheet would read as a formula gets a leading ' ; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _isoformat(value) -> str:
    return value.isoformat() if value is not None else ""


def leaderboard_csv(entries: list[Entry], *, private: bool) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    header = ["rank", "team", "members", "score", "entries", "last_submission_at"]
    writer.writerow(header + (["rank_change"] if private else []))
    for e in entries:
        row = [e.rank, _cell(e.team), _cell(" ".join(e.members)), repr(e.score), e.entries,
               _isoformat(e.last_submission_at)]
        writer.writerow(row + ([e.rank_change if e.rank_change is not None else ""] if private else []))
    return out.getvalue()


def submissions_csv(rows: list[Submission]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", "team", "user", "created_at", "status", "public_score", "private_score", "late",
                     "selected", "disqualified_reason", "file_name", "file_sha256", "description"])
    for s in rows:
        writer.writerow([s.id, _cell(s.team.name), _cell(s.user.username), _isoformat(s.created_at), s.status,
                         "" if s.public_score is None else repr(s.public_score),
                         "" if s.private_score is None else repr(s.private_score), int(s.is_late),
                         int(s.selected), _cell(s.disqualified_reason or ""), _cell(s.file_name), s.file_sha256,
                         _cell(s.description)])
    return out.getvalue()
