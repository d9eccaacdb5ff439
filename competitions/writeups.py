"""Solution write-ups: after finalize, each ranked team may publish how it did it.

A write-up is linked to the team and to one of its final submissions (the ones
the private leaderboard ranked it by), with optional links to code or notebooks.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import Conflict, DomainError, NotFound
from .leaderboard import private_board
from .models import Competition, Submission, Team, TeamMember, User, WriteUp
from .participation import require_team
from .standings import final_candidates

MAX_TITLE = 200
MAX_BODY = 50_000
MAX_LINKS = 5


def writeup_blocker(session: Session, competition: Competition, team: Team | None) -> str | None:
    """Why this team cannot publish a write-up now, or None when it can."""
    if competition.finalized_at is None:
        return "Write-ups open when the competition is finalized."
    if team is None:
        return "Only teams ranked on the private leaderboard publish write-ups."
    if team.id not in {e.team_id for e in private_board(session, competition)}:
        return "Only teams ranked on the private leaderboard publish write-ups."
    return None


def final_submissions(session: Session, competition: Competition, team: Team) -> list[Submission]:
    """The submissions a write-up may point at: the team's final ones, as the private board ranked them."""
    return final_candidates(session, competition, team)


def _links(raw) -> list[dict]:
    if raw in (None, ""):
        return []
    if not isinstance(raw, list):
        raise DomainError('links is a list like [{"label": "Code", "url": "https://…"}].', field="links")
    out = []
    for item in raw[:MAX_LINKS + 1]:
        if isinstance(item, str):
            item = {"label": "", "url": item}
        if not isinstance(item, dict):
            raise DomainError('Each link is {"label": …, "url": …}.', field="links")
        url = str(item.get("url") or "").strip()
        label = " ".join(str(item.get("label") or "").split())[:80]
        if not url:
            continue
        parts = urlsplit(url)
        # http(s) only: a javascript: or data: link must never be stored, let alone shown.
        if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 500:
            raise DomainError(f"Links must be http:// or https:// addresses (at most 500 characters): {url[:80]!r}",
                              field="links")
        out.append({"label": label or parts.netloc, "url": url})
    if len(out) > MAX_LINKS:
        raise DomainError(f"At most {MAX_LINKS} links.", field="links")
    return out


def publish(session: Session, competition: Competition, user: User, *, title: str, body: str, submission_id,
            links, now: datetime) -> WriteUp:
    """Create or replace the caller's team's write-up."""
    team = require_team(session, competition, user)
    blocker = writeup_blocker(session, competition, team)
    if blocker:
        raise Conflict(blocker)
    title = " ".join((title or "").split()) or f"{team.name}'s solution"
    if len(title) > MAX_TITLE:
        raise DomainError(f"A title is at most {MAX_TITLE} characters.", field="title")
    body = (body or "").strip()
    if not body:
        raise DomainError("Describe your solution: the write-up is empty.", field="body")
    if len(body) > MAX_BODY:
        raise DomainError(f"Keep a write-up under {MAX_BODY:,} characters.", field="body")
    finals = {s.id: s for s in final_submissions(session, competition, team)}
    try:
        chosen = int(submission_id)
    except (TypeError, ValueError):
        chosen = None
    if chosen not in finals:
        raise DomainError("Choose one of your team's final submissions: "
                          + ", ".join(f"#{i}" for i in sorted(finals)), field="submission_id")
    links = _links(links)
    row = session.scalar(select(WriteUp).where(WriteUp.team_id == team.id))
    if row is None:
        row = WriteUp(competition_id=competition.id, team_id=team.id, created_at=now)
        session.add(row)
    row.submission_id, row.author_id, row.title, row.body_md, row.links = chosen, user.id, title, body, links
    row.updated_at = now
    session.flush()
    return row


@dataclass(frozen=True)
class Solution:
    rank: int
    writeup: WriteUp
    score: float


def solutions(session: Session, competition: Competition) -> list[Solution]:
    """Published write-ups by final rank; none before finalize (a reopened competition hides them)."""
    if competition.finalized_at is None:
        return []
    ranks = {e.team_id: e for e in private_board(session, competition)}
    rows = session.scalars(select(WriteUp).where(WriteUp.competition_id == competition.id))
    out = [Solution(ranks[w.team_id].rank, w, ranks[w.team_id].score) for w in rows if w.team_id in ranks]
    return sorted(out, key=lambda s: s.rank)


def team_ids_with_writeups(session: Session, competition: Competition) -> dict[int, int]:
    """team id -> write-up id, for the private leaderboard's "write-up" links."""
    if competition.finalized_at is None:
        return {}
    return dict(session.execute(select(WriteUp.team_id, WriteUp.id)
                                .where(WriteUp.competition_id == competition.id)).all())


def get_writeup(session: Session, competition: Competition, writeup_id: int) -> WriteUp:
    row = session.get(WriteUp, writeup_id)
    if row is None or row.competition_id != competition.id or competition.finalized_at is None:
        raise NotFound("No such write-up in this competition.")
    return row


def writeup_of_team(session: Session, team: Team | None) -> WriteUp | None:
    return None if team is None else session.scalar(select(WriteUp).where(WriteUp.team_id == team.id))


def writeups_of_user(session: Session, user: User) -> list[WriteUp]:
    """Write-ups of every team the user is in, in finalized competitions, newest first: for portfolios.

    Callers showing them to someone else should still check access.can_view on w.competition."""
    rows = session.scalars(
        select(WriteUp).join(TeamMember, TeamMember.team_id == WriteUp.team_id)
        .join(Competition, Competition.id == WriteUp.competition_id)
        .where(TeamMember.user_id == user.id, Competition.finalized_at.is_not(None))
        .order_by(WriteUp.created_at.desc(), WriteUp.id.desc()))
    return list(rows)
