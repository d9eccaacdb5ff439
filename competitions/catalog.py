"""The read side: looking competitions up and listing them, their files and solution versions."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import access
from .errors import JoinRequired, NotFound
from .models import Competition, CompetitionFile, GroupMember, Solution, Team, TeamMember, User, Visibility
from .participation import team_of


def get_competition(session: Session, slug: str) -> Competition:
    competition = session.scalar(select(Competition).where(Competition.slug == slug.lower()))
    if competition is None:
        raise NotFound(f"No competition called {slug!r}.")
    return competition


def get_competition_by_id(session: Session, competition_id: int) -> Competition:
    competition = session.get(Competition, competition_id)
    if competition is None:
        raise NotFound("No such competition.")
    return competition


def visible_competition(session: Session, slug: str, viewer: User | None, now: datetime,
                        invite: str | None = None) -> tuple[Competition, Team | None]:
    """The competition and the viewer's team in it, if the viewer may see it.

    Anyone else gets the same NotFound as for a slug that does not exist, so
    drafts and unlisted competitions never reveal that they exist.
    """
    competition = get_competition(session, slug)
    team = team_of(session, competition, viewer)
    if not access.can_view(competition, viewer, now, invite=invite, is_member=team is not None):
        raise NotFound(f"No competition called {slug!r}.")
    return competition, team


def downloadable_file(session: Session, competition: Competition, viewer: User | None, team: Team | None,
                      name: str) -> CompetitionFile:
    """A data file the viewer may download (see access.may_download_data)."""
    row = get_file(session, competition, name)
    if not access.may_download_data(competition, viewer, is_member=team is not None):
        raise JoinRequired("Join this competition (accept its rules) to download its data.", slug=competition.slug)
    return row


def downloadable_files(competition: Competition, viewer: User | None, team: Team | None) -> list[CompetitionFile]:
    """Every data file, for the download-all zip: the same rule as one file (access.may_download_data)."""
    if not access.may_download_data(competition, viewer, is_member=team is not None):
        raise JoinRequired("Join this competition (accept its rules) to download its data.", slug=competition.slug)
    if not competition.files:
        raise NotFound("This competition has no data files yet.")
    return list(competition.files)


def listed_competitions(session: Session, viewer: User | None, now: datetime) -> list[Competition]:
    """Public competitions, plus the viewer's own drafts, unlisted ones they manage or joined,
    and the competitions of their groups."""
    rows = session.scalars(select(Competition).order_by(Competition.deadline_at.desc())).all()
    joined = _joined_ids(session, viewer)
    groups = _group_ids(session, viewer)
    return [c for c in rows
            if access.is_listed(c, now) or access.is_manager(c, viewer) or c.id in joined
            or (c.visibility == Visibility.GROUP.value and c.group_id in groups and access.can_view(c, viewer, now))]


def _group_ids(session: Session, viewer: User | None) -> set[int]:
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return set()
    return set(session.scalars(select(GroupMember.group_id).where(GroupMember.user_id == viewer.id)))


def team_counts(session: Session, competitions: list[Competition]) -> dict[int, int]:
    """Teams per competition, in one grouped query."""
    ids = [c.id for c in competitions]
    rows = session.execute(select(Team.competition_id, func.count(Team.id))
                           .where(Team.competition_id.in_(ids)).group_by(Team.competition_id))
    return {cid: n for cid, n in rows}


def _joined_ids(session: Session, viewer: User | None) -> set[int]:
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return set()
    return set(session.scalars(select(TeamMember.competition_id).where(TeamMember.user_id == viewer.id)))


def get_file(session: Session, competition: Competition, name: str) -> CompetitionFile:
    row = session.scalar(select(CompetitionFile).where(
        CompetitionFile.competition_id == competition.id, CompetitionFile.name == name))
    if row is None:
        raise NotFound(f"No file called {name!r} in this competition.")
    return row



def solution_history(session: Session, competition: Competition) -> list[Solution]:
    return list(session.scalars(select(Solution).where(Solution.competition_id == competition.id)
                                .order_by(Solution.version.desc())))
