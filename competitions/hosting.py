"""Organizer use cases: create and edit competitions, manage their files."""
from __future__ import annotations

import re
import secrets
from dataclasses import asdict
from datetime import datetime
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import access, catalog, solutions
from .errors import Conflict, DomainError, Forbidden
from .models import Competition, CompetitionFile, User, utcnow
from .spec import CompetitionSpec
from .storage import Storage

FILE_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$")
# Settings that only shape how a solution is split; not columns of Competition.
SPLIT_ONLY = {"public_fraction", "seed"}


def require_organizer(user: User) -> None:
    if not user.can_organize:
        raise Forbidden("Only organizers can host competitions. Ask an admin to make you one.")


def require_manager(competition: Competition, user: User | None) -> None:
    if not access.is_manager(competition, user):
        raise Forbidden("Only this competition's organizer can do that.")


def create_competition(session: Session, storage: Storage, owner: User, spec: CompetitionSpec,
                       solution: BinaryIO, files: list[tuple[str, BinaryIO]] = ()) -> Competition:
    """Create a competition with its hidden solution and its data files, in one transaction."""
    require_organizer(owner)
    if session.scalar(select(Competition.id).where(Competition.slug == spec.slug)) is not None:
        raise Conflict(f"The slug {spec.slug!r} is taken; choose another.", field="slug")
    values = {k: v for k, v in asdict(spec).items() if k not in SPLIT_ONLY}
    competition = Competition(owner_id=owner.id, invite_token=secrets.token_urlsafe(16), **values)
    session.add(competition)
    session.flush()
    solutions.install_solution(session, storage, competition, solution, spec.public_fraction, spec.seed)
    for name, stream in files:
        add_file(session, storage, competition, name, stream)
    return competition


def update_competition(session: Session, competition: Competition, spec: CompetitionSpec) -> Competition:
    """Edit settings. The metric and id column are fixed once anyone has submitted."""
    if spec.slug != competition.slug:
        raise DomainError("The slug cannot change: links and bundles use it.", field="slug")
    scoring_changed = (spec.metric, spec.metric_params, spec.id_column) != (
        competition.metric, competition.metric_params, competition.id_column)
    if scoring_changed:
        raise DomainError("The metric, its parameters and the id column cannot change after creation; "
                          "create a new competition instead.", field="metric")
    for key, value in asdict(spec).items():
        if key not in SPLIT_ONLY:
            setattr(competition, key, value)
    return competition


def add_file(session: Session, storage: Storage, competition: Competition, name: str,
             stream: BinaryIO) -> CompetitionFile:
    """Add or replace a participant data file."""
    name = check_file_name(name)
    stored = storage.put(stream)
    row = session.scalar(select(CompetitionFile).where(
        CompetitionFile.competition_id == competition.id, CompetitionFile.name == name))
    if row is None:
        row = CompetitionFile(competition_id=competition.id, name=name, sha256=stored.sha256, size=stored.size)
        session.add(row)
    else:
        row.sha256, row.size, row.created_at = stored.sha256, stored.size, utcnow()
    session.flush()
    return row


def remove_file(session: Session, competition: Competition, name: str) -> None:
    row = catalog.get_file(session, competition, name)
    session.delete(row)


def check_file_name(name: str) -> str:
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not FILE_NAME_RE.match(base):
        raise DomainError(f"{name!r} is not a usable file name: use letters, digits, '.', '_' and '-'.",
                          field="files")
    if base.lower().startswith("solution"):
        # A guard against the most common slip: uploading the answer key as a data file.
        raise DomainError("Data files may not be named 'solution…': upload the answer key as the solution.",
                          field="files")
    return base


def finalize(session: Session, competition: Competition, user: User, now: datetime) -> Competition:
    require_manager(competition, user)
    if competition.finalized_at is not None:
        raise Conflict("This competition is already finalized.")
    if now < competition.deadline_at:
        raise Conflict("A competition can be finalized only after its deadline.")
    competition.finalized_at = now
    return competition
