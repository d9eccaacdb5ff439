"""A team's progress: what one upload changed, and its scores over time.

After a file is scored, `record()` computes once, and stores on the submission, what the
learner wants to know next: the score and its 95% interval, the rank it would have on the
public board, whether it beats the team's previous best, and whether that difference is
real. "Real" is the scorer's paired bootstrap (scoring.compare): both files are scored on
the same resamples of the public rows, and the improvement counts as real when the 95%
interval of the paired difference excludes zero. The share of resamples on which the new
file wins (scoring.uncertainty.share_better) is the figure shown in words.

The web result, the My submissions page and the API all read the stored dict and the
sentences `sentences()` builds from it, so they never disagree.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

import scoring
from scoring.uncertainty import RESAMPLES, share_better

from . import leaderboard, solutions, standings
from .db import end_read_transaction
from .models import Competition, Status, Submission, Team
from .scorer import ScoringFailed, score_against
from .storage import Storage


def record(session: Session, storage: Storage, competition: Competition, submission: Submission,
           result: scoring.ScoreResult | None = None) -> dict | None:
    """Compute and store the upload's feedback (None unless it is scored). Flushes; the caller commits.
    Like submitting.submit(), it ends its read transaction before scoring (see assess())."""
    feedback = assess(session, storage, competition, submission, result)
    if feedback is not None:
        submission.feedback = feedback
        session.flush()
    return feedback


def assess(session: Session, storage: Storage, competition: Competition, submission: Submission,
           result: scoring.ScoreResult | None = None) -> dict | None:
    """The upload's feedback, not stored (None unless it is scored).

    ``result`` is the new file's ScoreResult if the caller still has it (from this process); without
    it the file is scored again, because the paired comparison needs both files' resamples. The
    read transaction is ended before that slow part, as submit() does (on SQLite a transaction
    may hold the write lock), so the session must hold no pending changes.
    """
    if submission.status != Status.SCORED.value or submission.public_score is None:
        return None
    previous = previous_best(session, competition, submission)
    feedback = {
        "submission_id": submission.id,
        "score": submission.public_score,
        "ci": _interval(submission.public_ci_low, submission.public_ci_high),
        "greater_is_better": standings.greater_is_better(competition),
        "late": bool(submission.is_late),
        "would_rank": None, "teams": None,
        "previous_best": None, "beats_best": None, "comparison": None,
    }
    feedback["would_rank"], feedback["teams"] = would_rank(session, competition, submission)
    if previous is not None:
        better = _better(feedback["greater_is_better"], submission.public_score, previous.public_score)
        feedback["previous_best"] = {"id": previous.id, "score": previous.public_score}
        feedback["beats_best"] = better
        feedback["comparison"] = _compare(session, storage, competition, submission, previous, result)
    return feedback


def previous_best(session: Session, competition: Competition, submission: Submission) -> Submission | None:
    """The team's best public score among its ranked submissions made before this one."""
    return session.scalar(
        select(Submission).where(Submission.team_id == submission.team_id, Submission.is_ranked,
                                 Submission.public_score.is_not(None), Submission.id != submission.id,
                                 Submission.created_at <= submission.created_at)
        .order_by(standings.ranked_order(Submission.public_score, competition), Submission.created_at,
                  Submission.id)
        .limit(1))


def would_rank(session: Session, competition: Competition, submission: Submission) -> tuple[int, int]:
    """(rank, teams on the board) this score would have on the public board now, against the other
    teams' best scores. A tie ranks after the team that reached the score first, as on the board."""
    others = [e for e in leaderboard.public_board(session, competition) if e.team_id != submission.team_id]
    gib = standings.greater_is_better(competition)
    ahead = sum(1 for e in others if not _better(gib, submission.public_score, e.score))
    return ahead + 1, len(others) + 1


def current_rank(session: Session, competition: Competition, team: Team) -> tuple[int | None, int, str]:
    """(the team's rank or None if unranked, teams on that board, which board): the private board once
    the competition is finalized, since that is the ranking that decided it; the public one before."""
    which = "private" if competition.finalized_at is not None else "public"
    board = (leaderboard.private_board if which == "private" else leaderboard.public_board)(session, competition)
    mine = next((e.rank for e in board if e.team_id == team.id), None)
    return mine, len(board), which


def _better(greater_is_better: bool, a: float, b: float) -> bool:
    return a > b if greater_is_better else a < b


def _compare(session: Session, storage: Storage, competition: Competition, new: Submission, old: Submission,
             result) -> dict | None:
    """The paired bootstrap of the new file against the previous best, both scored against the
    current solution; None (with the reason) when they cannot be compared."""
    solution = solutions.current_solution(session, competition)
    if solution is None or new.solution_version != solution.version:
        return {"available": False, "reason": "the answer key changed since this file was scored"}
    new_sha, old_sha = new.file_sha256, old.file_sha256
    end_read_transaction(session)  # hold no lock while scoring
    parsed = solutions.load_parsed(storage, competition, solution)
    try:
        if result is None:
            result = score_against(storage, competition, parsed, new_sha)
        before = score_against(storage, competition, parsed, old_sha)
        comparison = scoring.compare(result, before, "public")
        share, worse = share_better(result, before, "public"), share_better(before, result, "public")
    except (ScoringFailed, scoring.SubmissionError, ValueError):
        return {"available": False, "reason": "the two files could not be compared on the same resamples"}
    return {"available": True, "share_better": share, "share_worse": worse, "difference": comparison.difference,
            "ci": list(comparison.ci), "real": comparison.distinguishable,
            "resamples": RESAMPLES}


def _interval(low, high) -> list[float] | None:
    return None if low is None or high is None else [low, high]


def as_json(feedback: dict | None) -> dict | None:
    """The API's form: the stored figures plus the same sentences the web page shows."""
    if feedback is None:
        return None
    return {**feedback, "summary": sentences(feedback)}


def sentences(feedback: dict | None) -> list[str]:
    """The feedback in words, for the page and the API alike."""
    if not feedback:
        return []
    out = [f"Public score {feedback['score']:.5f}"
           + (f" (95% interval {feedback['ci'][0]:.5f} – {feedback['ci'][1]:.5f})." if feedback["ci"] else ".")]
    rank, teams = feedback["would_rank"], feedback["teams"]
    if rank is not None:
        if feedback["late"]:
            out.append(f"It was sent after the deadline, so it is not ranked; it would rank {rank} of {teams} "
                       "on the public board.")
        else:
            out.append(f"It would rank {rank} of {teams} on the public board.")
    previous = feedback["previous_best"]
    if previous is None:
        out.append("This is your team's first scored submission: later ones are compared with your best.")
        return out
    if feedback["score"] == previous["score"]:
        # The same score (often the same file sent again): "worse on 0% of resamples" would mislead.
        out.append(f"It equals your best, {previous['score']:.5f}: no better, no worse.")
        return out
    if feedback["beats_best"]:
        out.append(f"It beats your previous best, {previous['score']:.5f}.")
    else:
        out.append(f"It does not beat your best, {previous['score']:.5f}.")
    comparison = feedback["comparison"] or {}
    if not comparison.get("available"):
        out.append(f"No paired comparison: {comparison.get('reason', 'not computed')}.")
        return out
    low, high = comparison["ci"]
    resamples = comparison["resamples"]
    # Said from the side the score is on: "better on 93%" for a higher score, "worse on 97%" for a lower one.
    if feedback["beats_best"]:
        side = f"Better than your best on {comparison['share_better']:.0%}"
    else:
        side = f"Worse than your best on {comparison['share_worse']:.0%}"
    text = (f"{side} of {resamples} paired resamples of the public rows "
            f"(difference {comparison['difference']:+.5f}, 95% interval {low:+.5f} to {high:+.5f}): ")
    if comparison["real"]:
        text += ("a real improvement, not noise." if feedback["beats_best"]
                 else "a real drop, not noise.")
    else:
        text += "too close to call; the difference could be noise of the public rows."
    out.append(text)
    return out


@dataclass(frozen=True)
class Point:
    """One scored submission on the progress chart."""

    submission_id: int
    at: datetime
    score: float
    best: float  # best so far among ranked submissions, this one included (its own score if none yet)
    ranked: bool


def timeline(competition: Competition, rows: list[Submission]) -> list[Point]:
    """The team's scored submissions oldest first, with the best-so-far line (ranked ones only:
    a late or disqualified file does not move the team's best)."""
    gib = standings.greater_is_better(competition)
    scored = sorted((s for s in rows if s.status == Status.SCORED.value and s.public_score is not None),
                    key=lambda s: (s.created_at, s.id))
    points, best = [], None
    for s in scored:
        ranked = bool(s.is_ranked)
        if ranked and (best is None or _better(gib, s.public_score, best)):
            best = s.public_score
        points.append(Point(s.id, s.created_at, s.public_score, s.public_score if best is None else best, ranked))
    return points


def missing_feedback(rows: list[Submission]) -> Submission | None:
    """The newest submission if it is scored but has no feedback yet (scored by a background job):
    the My submissions page records it once."""
    newest = rows[0] if rows else None
    if newest is not None and newest.status == Status.SCORED.value and newest.feedback is None:
        return newest
    return None
