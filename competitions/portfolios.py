"""Profiles and portfolios: what a learner shows of their record, and to whom.

A portfolio lists the competitions its owner entered that the *viewer* may see
(access.can_view, plus can_see_group for group competitions), so a profile never
reveals a competition its page would hide. Finished ones read the Award rows
written at finalize; running ones show the current public rank.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import access, leaderboard
from .errors import DomainError, Forbidden, NotFound
from .groups import groups_of
from .medals import percentile
from .models import Award, Competition, Profile, Team, TeamMember, User

VISIBILITIES = ("public", "members", "private")
MAX_LINKS = 5
URL_RE = re.compile(r"^https?://[^\s<>\"']{3,300}$")


def _signed_in(user: User | None) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def profile_of(session: Session, user: User) -> Profile:
    """The stored profile, or an unsaved default (public, no bio) for users who never edited theirs."""
    row = session.get(Profile, user.id)
    return row if row is not None else Profile(user_id=user.id, display_name="", bio="", links=[],
                                               visibility="public")


def can_see_profile(profile: Profile, owner: User, viewer: User | None) -> bool:
    if _signed_in(viewer) and (viewer.id == owner.id or viewer.is_admin):
        return True
    if profile.visibility == "public":
        return True
    return profile.visibility == "members" and _signed_in(viewer)


def update_profile(session: Session, user: User, *, display_name: str, bio: str, links: list[dict],
                   visibility: str, now: datetime) -> Profile:
    display_name, bio = (display_name or "").strip(), (bio or "").strip()
    if len(display_name) > 80:
        raise DomainError("Keep the display name under 80 characters.", field="display_name")
    if len(bio) > 500:
        raise DomainError("Keep the bio under 500 characters.", field="bio")
    if visibility not in VISIBILITIES:
        raise DomainError("Visibility is 'public', 'members' or 'private'.", field="visibility")
    clean = []
    for link in links[:MAX_LINKS + 1]:
        url, label = str(link.get("url") or "").strip(), str(link.get("label") or "").strip()[:40]
        if not url:
            continue
        if not URL_RE.match(url):
            # Only web addresses: a javascript: link on a profile would run in a visitor's browser.
            raise DomainError(f"{url!r} is not a web address: start it with https://.", field="links")
        clean.append({"label": label or url.split("//", 1)[1].split("/", 1)[0], "url": url})
    if len(clean) > MAX_LINKS:
        raise DomainError(f"Up to {MAX_LINKS} links.", field="links")
    row = session.get(Profile, user.id)
    if row is None:
        row = Profile(user_id=user.id)
        session.add(row)
    row.display_name, row.bio, row.links, row.visibility, row.updated_at = display_name, bio, clean, visibility, now
    session.flush()
    return row


@dataclass
class Entry:
    competition: Competition
    state: str
    team: str
    rank: int | None       # final rank, or the current public rank while running
    teams: int | None
    final: bool            # rank is the final (private) rank
    percentile: float | None
    medal: str | None
    best_private_score: float | None
    submissions: int

    def to_dict(self) -> dict:
        c = self.competition
        return {"slug": c.slug, "title": c.title, "state": self.state, "team": self.team, "rank": self.rank,
                "teams": self.teams, "final": self.final, "percentile": self.percentile, "medal": self.medal,
                "best_private_score": self.best_private_score, "submissions": self.submissions,
                "group": c.group.slug if c.group_id else None, "practice": c.practice,
                "finalized_at": c.finalized_at.isoformat() if c.finalized_at else None}


@dataclass
class Portfolio:
    user: User
    profile: Profile
    entries: list[Entry]
    medals: dict[str, int]
    groups: list[tuple[str, str, str]] = field(default_factory=list)  # (slug, name, role)

    def chart(self) -> list[tuple[str, float]]:
        """(competition title, percentile) of finished ones, oldest first: the percentile chart."""
        done = [e for e in self.entries if e.final and e.percentile is not None]
        done.sort(key=lambda e: e.competition.finalized_at)
        return [(e.competition.title, e.percentile) for e in done]

    def to_dict(self) -> dict:
        return {"username": self.user.username, "display_name": self.profile.display_name or self.user.username,
                "bio": self.profile.bio, "links": list(self.profile.links or []),
                "visibility": self.profile.visibility, "medals": self.medals,
                "competitions": [e.to_dict() for e in self.entries],
                "groups": [{"slug": slug, "name": name, "role": role} for slug, name, role in self.groups]}


def find_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username_key == (username or "").strip().lower()))
    if user is None:
        raise NotFound(f"No user called {username!r}.")
    return user


def portfolio(session: Session, username: str, viewer: User | None, now: datetime) -> Portfolio:
    """The user's portfolio as `viewer` may see it; Forbidden when the profile is hidden from them."""
    user = find_user(session, username)
    profile = profile_of(session, user)
    if not can_see_profile(profile, user, viewer):
        if profile.visibility == "members":
            raise Forbidden(f"{user.username} shows their profile to signed-in members only. Sign in to see it.")
        raise Forbidden(f"{user.username} keeps their profile private.")
    viewer_teams = _viewer_competitions(session, viewer)
    rows = session.execute(select(TeamMember, Team, Competition).join(Team, Team.id == TeamMember.team_id)
                           .join(Competition, Competition.id == TeamMember.competition_id)
                           .where(TeamMember.user_id == user.id)
                           .order_by(Competition.deadline_at.desc())).all()
    awards = {a.competition_id: a for a in session.scalars(select(Award).where(Award.user_id == user.id))}
    entries: list[Entry] = []
    medals = {"gold": 0, "silver": 0, "bronze": 0}
    for _, team, competition in rows:
        if not _may_see(competition, viewer, now, competition.id in viewer_teams):
            continue
        entries.append(_entry(session, competition, team, awards.get(competition.id), now))
        if entries[-1].medal:
            medals[entries[-1].medal] += 1
    groups = [(g.slug, g.name, role) for g, role in groups_of(session, user) if access.can_see_group(g, viewer)]
    return Portfolio(user, profile, entries, medals, groups)


def _may_see(competition: Competition, viewer: User | None, now: datetime, viewer_joined: bool) -> bool:
    if not access.can_view(competition, viewer, now, is_member=viewer_joined):
        return False
    return competition.group is None or access.can_see_group(competition.group, viewer)


def _viewer_competitions(session: Session, viewer: User | None) -> set[int]:
    if not _signed_in(viewer):
        return set()
    return set(session.scalars(select(TeamMember.competition_id).where(TeamMember.user_id == viewer.id)))


def _entry(session: Session, competition: Competition, team: Team, award: Award | None, now: datetime) -> Entry:
    state = competition.state_at(now).value
    if competition.finalized_at is not None:
        if award is None:  # entered, but no ranked submission (or disqualified): no rank, no medal
            return Entry(competition, state, team.name, None, None, True, None, None, None, team.entries)
        return Entry(competition, state, team.name, award.rank, award.teams, True,
                     percentile(award.rank, award.teams), award.medal, team.best_private_score, team.entries)
    # Still running or waiting for finalize: the public rank, never private scores.
    board = leaderboard.public_board(session, competition)
    rank = next((e.rank for e in board if e.team_id == team.id), None)
    return Entry(competition, state, team.name, rank, len(board), False, None, None, None, team.entries)
