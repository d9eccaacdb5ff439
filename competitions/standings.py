"""Each team's standing, recomputed from its own submissions only.

Called whenever a team's submissions change (a new score, a selection, a
disqualification, a re-score). The leaderboards then read one row per team.
"""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import scoring

from .models import Competition, Submission, Team


def greater_is_better(competition: Competition) -> bool:
    return scoring.get_metric(competition.metric).greater_is_better


def ranked_order(column, competition: Competition):
    return column.desc() if greater_is_better(competition) else column.asc()


def refresh_team(session: Session, competition: Competition, team: Team, storage=None) -> None:
    """Recompute the team's standing, then the public board's tie marks whose pair changed (ties.py)."""
    _refresh_standing(session, competition, team)
    board_changed(session, competition, storage)


def board_changed(session: Session, competition: Competition, storage=None) -> None:
    """The ranked order may have changed (a new best, a team disqualified or reinstated): re-mark only
    the adjacent pairs whose neighbours changed. ``storage`` reads the files; without it, the one bound to
    the session (ties.bind_storage), else the stale marks stay hidden."""
    from . import ties  # ties reads the board, which imports this module

    deferred = session.info.get(ties.DEFERRED)
    if deferred is not None:
        # The caller re-marks after its commit, in a transaction of its own (webapp/db.py queues a job):
        # scoring files while holding this team's lock would serialize uploads, and writing the
        # neighbours' rows here could deadlock with their own uploads.
        deferred.add(competition.id)
        return
    ties.refresh_public(session, competition, storage)


def _refresh_standing(session: Session, competition: Competition, team: Team) -> None:
    session.flush()
    # Entries and the last submission count what the board ranks: scored, on time,
    # not disqualified. A late file still uses quota (see quota.py), as on Kaggle.
    team.entries, team.last_submission_at = session.execute(
        select(func.count(Submission.id), func.max(Submission.created_at)).where(*rankable(team))).one()
    best = _best_public(session, competition, team)
    team.best_public_score = best.public_score if best else None
    team.best_public_at = best.created_at if best else None
    team.best_public_submission_id = best.id if best else None
    best_private = _best_private(session, competition, team)
    team.best_private_score = best_private.private_score if best_private else None
    team.best_private_at = best_private.created_at if best_private else None
    team.best_private_submission_id = best_private.id if best_private else None


def rankable(team: Team):
    """The team's submissions that count on the leaderboards (the rule is Submission.is_ranked)."""
    return (Submission.team_id == team.id, Submission.is_ranked)


def _best_public(session: Session, competition: Competition, team: Team) -> Submission | None:
    return session.scalar(
        select(Submission).where(*rankable(team), Submission.public_score.is_not(None))
        .order_by(ranked_order(Submission.public_score, competition), Submission.created_at, Submission.id)
        .limit(1))


def final_candidates(session: Session, competition: Competition, team: Team) -> list[Submission]:
    """The team's selected submissions, or, with none selected, its best N by public score (Kaggle)."""
    selected = list(session.scalars(select(Submission).where(*rankable(team), Submission.selected.is_(True))))
    if selected:
        return selected
    return list(session.scalars(
        select(Submission).where(*rankable(team), Submission.public_score.is_not(None))
        .order_by(ranked_order(Submission.public_score, competition), Submission.created_at, Submission.id)
        .limit(competition.final_selections)))


def _best_private(session: Session, competition: Competition, team: Team) -> Submission | None:
    candidates = [s for s in final_candidates(session, competition, team) if s.private_score is not None]
    if not candidates:
        return None
    sign = -1 if greater_is_better(competition) else 1
    return min(candidates, key=lambda s: (sign * s.private_score, s.created_at, s.id))


def refresh_all(session: Session, competition: Competition, storage=None) -> None:
    # In id order, as every transaction that locks several teams does (no deadlock between two).
    for team in session.scalars(select(Team).where(Team.competition_id == competition.id).order_by(Team.id)):
        _refresh_standing(session, competition, team)
    board_changed(session, competition, storage)  # once: every stale pair is compared a single time
