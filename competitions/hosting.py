"""Organizer use cases: create and edit competitions, manage their files."""
from __future__ import annotations

import io
import re
import secrets
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import answer_key, catalog, groups, lifecycle, previews, solutions
from .access import require_manager, require_organizer
from .errors import Conflict, DomainError
from .models import Competition, CompetitionFile, Submission, User
from .spec import CompetitionSpec
from .storage import Storage

FILE_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$")
# Settings that only shape how a solution is split; not columns of Competition.
SPLIT_ONLY = {"public_fraction", "seed"}
# Named by slug in a spec, stored as competitions.group_id.
NOT_COLUMNS = SPLIT_ONLY | {"group"}
# What scores and ranks depend on: fixed once a competition is finalized.
RESULT_SETTINGS = ("metric", "metric_params", "id_column", "start_at", "deadline_at", "daily_limit",
                   "total_limit", "final_selections", "sample_submission", "test_file")
SCORING_SETTINGS = ("metric", "metric_params", "id_column")


@dataclass(frozen=True)
class Created:
    competition: Competition
    # Where the declared labels came from when the organizer gave none, for them to confirm.
    labels_from: str | None


def create_competition(session: Session, storage: Storage, owner: User, spec: CompetitionSpec,
                       solution: BinaryIO, files: list[tuple[str, BinaryIO]], now: datetime, *,
                       draft: bool = False) -> Created:
    """Create a competition with its hidden solution and its data files, in the caller's transaction.

    The named sample submission and test file are checked against the solution;
    on any problem a DomainError is raised and the caller rolls back. A ``draft`` stays
    unseen by learners until published (competitions/drafts.py); otherwise it opens at its start.
    """
    # A group's owners and organizers host for it without being site-wide organizers.
    group = groups.resolve_for_hosting(session, spec.group, owner, spec.visibility)
    if group is None:
        require_organizer(owner)
    if session.scalar(select(Competition.id).where(Competition.slug == spec.slug)) is not None:
        raise Conflict(f"The slug {spec.slug!r} is taken; choose another.", field="slug")
    values = {k: v for k, v in asdict(spec).items() if k not in NOT_COLUMNS}
    competition = Competition(owner_id=owner.id, invite_token=secrets.token_urlsafe(16), created_at=now,
                              updated_at=now, group_id=group.id if group else None,
                              published_at=None if draft else now, **values)
    session.add(competition)
    session.flush()
    sample_raw = None
    for name, stream in files:
        row = add_file(session, storage, competition, name, stream, now, check=False)
        if row.name == competition.sample_submission:
            with storage.open(row.sha256) as handle:
                sample_raw = handle.read()
    solution_raw = solution.read()
    labels_from = answer_key.declare_labels(competition, solution_raw, sample_raw)
    installed = solutions.install_solution(session, storage, competition, io.BytesIO(solution_raw), now,
                                           spec.public_fraction, spec.seed)
    answer_key.check_named_files(session, storage, competition,
                                 solutions.load_parsed(storage, competition, installed))
    return Created(competition, labels_from)


def update_competition(session: Session, storage: Storage, competition: Competition, user: User,
                       spec: CompetitionSpec, now: datetime) -> Competition:
    """Edit settings. The metric, its parameters (labels) and the id column may change until
    the first submission, against the current solution; after finalize, anything that scores
    or ranks depend on is fixed (409), while the texts and visibility stay editable."""
    require_manager(competition, user)
    if spec.slug != competition.slug:
        raise DomainError("The slug cannot change: links and bundles use it.", field="slug")
    wanted = {k: v for k, v in asdict(spec).items() if k not in NOT_COLUMNS}
    current_group = competition.group.slug if competition.group_id else None
    if spec.group != current_group:
        lifecycle.require_unfrozen(competition, "its group")
        group = groups.resolve_for_hosting(session, spec.group, user, spec.visibility)
        competition.group_id = group.id if group else None
        session.flush()
        session.expire(competition, ["group"])
    elif spec.visibility == "group" and not spec.group:
        raise DomainError("Visibility 'group' needs a group: name the group.", field="group")
    changed = [k for k, v in wanted.items() if getattr(competition, k) != v]
    if "practice" in changed:
        lifecycle.require_unfrozen(competition, "whether it is practice")
    frozen = [k for k in changed if k in RESULT_SETTINGS]
    if frozen:
        lifecycle.require_unfrozen(competition, f"its {frozen[0].replace('_at', '').replace('_', ' ')}")
    scoring_changed = [k for k in changed if k in SCORING_SETTINGS]
    if scoring_changed and _has_submissions(session, competition):
        raise DomainError("The metric, its parameters (labels included) and the id column are fixed once anyone "
                          "has submitted; create a new competition instead.", field=scoring_changed[0])
    if "deadline_at" in changed:
        lifecycle.move_deadline(session, competition, user, wanted.pop("deadline_at"), now)
    for key in changed:
        if key in wanted:
            setattr(competition, key, wanted[key])
    competition.updated_at = now
    if scoring_changed:
        _redeclare_labels(session, storage, competition)
    if scoring_changed or {"sample_submission", "test_file"} & set(changed):
        # The solution is parsed anew with the new settings: a problem is the organizer's to fix.
        _check_against_current(session, storage, competition)
    session.flush()
    return competition


def _has_submissions(session: Session, competition: Competition) -> bool:
    return session.scalar(select(Submission.id).where(Submission.competition_id == competition.id).limit(1)) \
        is not None


def _redeclare_labels(session: Session, storage: Storage, competition: Competition) -> None:
    """Labels left out after a change come from the sample submission or the solution again."""
    current = solutions.current_solution(session, competition)
    if current is None:
        return
    with storage.open(current.sha256) as handle:
        solution_raw = handle.read()
    sample_raw = None
    if competition.sample_submission:
        try:
            row = catalog.get_file(session, competition, competition.sample_submission)
        except DomainError:
            row = None
        if row is not None:
            with storage.open(row.sha256) as handle:
                sample_raw = handle.read()
    answer_key.declare_labels(competition, solution_raw, sample_raw)


def add_file(session: Session, storage: Storage, competition: Competition, name: str,
             stream: BinaryIO, now: datetime, *, check: bool = True) -> CompetitionFile:
    """Add or replace a participant data file. Replacing the sample submission or the
    test file checks the new one against the solution (unless the caller does it later)."""
    name = check_file_name(name)
    _refuse_frozen_named_file(competition, name)
    stored = storage.put(stream)
    row = session.scalar(select(CompetitionFile).where(
        CompetitionFile.competition_id == competition.id, CompetitionFile.name == name))
    if row is None:
        row = CompetitionFile(competition_id=competition.id, name=name, sha256=stored.sha256, size=stored.size,
                              created_at=now)
        session.add(row)
    else:
        row.sha256, row.size, row.created_at = stored.sha256, stored.size, now
    row.preview, row.preview_done = previews.compute(storage, row), True  # once, never per page view
    session.flush()
    if check and name in (competition.sample_submission, competition.test_file):
        _check_against_current(session, storage, competition)
    return row


def remove_file(session: Session, competition: Competition, name: str) -> None:
    row = catalog.get_file(session, competition, name)
    _refuse_frozen_named_file(competition, name)
    if name in (competition.sample_submission, competition.test_file):
        role = "sample submission" if name == competition.sample_submission else "test file"
        raise Conflict(f"{name} is this competition's {role}; unset it in the settings before removing it.",
                       field="files")
    session.delete(row)
    session.flush()


def _refuse_frozen_named_file(competition: Competition, name: str) -> None:
    """The sample submission and the test file define the task: frozen with the results."""
    if name in (competition.sample_submission, competition.test_file):
        lifecycle.require_unfrozen(competition, f"{name}, its sample submission or test file,")


def _check_against_current(session: Session, storage: Storage, competition: Competition) -> None:
    current = solutions.current_solution(session, competition)
    if current is not None:
        answer_key.check_named_files(session, storage, competition,
                                     solutions.load_parsed(storage, competition, current))


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


def settings_of(competition: Competition) -> dict:
    """The competition's settings in the form parse_spec() takes, so a change can be laid on top."""
    params = dict(competition.metric_params or {})
    settings = {
        "title": competition.title, "slug": competition.slug, "subtitle": competition.subtitle,
        "description_md": competition.description_md, "rules_md": competition.rules_md,
        "metric": competition.metric, "metric_params": params, "id_column": competition.id_column,
        "start_at": competition.start_at, "deadline_at": competition.deadline_at,
        "daily_limit": competition.daily_limit, "total_limit": competition.total_limit,
        "final_selections": competition.final_selections, "visibility": competition.visibility,
        "max_team_size": competition.max_team_size, "team_merger_deadline": competition.team_merger_deadline,
        "sample_submission": competition.sample_submission, "test_file": competition.test_file,
        "data_open": competition.data_open,
        "group": competition.group.slug if competition.group_id else None, "practice": competition.practice,
    }
    if "labels" in params:
        settings["labels"] = params.pop("labels")
    return settings
