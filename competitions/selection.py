"""Choosing the submissions that count for the private leaderboard."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from . import standings
from .errors import Conflict, DomainError
from .models import Competition, State, Status, Submission, User
from .participation import require_team


def select_final(session: Session, competition: Competition, user: User, submission_ids: list[int],
                 now: datetime) -> list[Submission]:
    """Replace the team's selection. An empty list goes back to the automatic choice."""
    if competition.state_at(now) != State.OPEN:
        raise Conflict("Final submissions can be chosen only while the competition is open.")
    team = require_team(session, competition, user)
    ids = _clean_ids(submission_ids)
    if len(ids) > competition.final_selections:
        raise DomainError(f"You can select at most {competition.final_selections} submissions.",
                          field="submission_ids")
    chosen = list(session.scalars(select(Submission).where(Submission.id.in_(ids), Submission.team_id == team.id)))
    if len(chosen) != len(ids):
        missing = sorted(set(ids) - {s.id for s in chosen})
        raise DomainError(f"Submission {missing[0]} is not one of your team's.", field="submission_ids")
    unusable = [s.id for s in chosen if s.status != Status.SCORED.value or s.is_late or s.disqualified_reason]
    if unusable:
        raise DomainError(f"Submission {unusable[0]} cannot be selected: only scored, on-time submissions can.",
                          field="submission_ids")
    session.execute(update(Submission).where(Submission.team_id == team.id).values(selected=False)
                    .execution_options(synchronize_session="fetch"))
    for row in chosen:
        row.selected = True
    standings.refresh_team(session, competition, team)
    return chosen


def _clean_ids(values) -> list[int]:
    if not isinstance(values, (list, tuple)):
        raise DomainError("submission_ids must be a list of submission ids.", field="submission_ids")
    try:
        ids = [int(v) for v in values]
    except (TypeError, ValueError):
        raise DomainError("submission_ids must be a list of whole numbers.", field="submission_ids") from None
    return list(dict.fromkeys(ids))
