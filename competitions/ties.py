"""Statistical ties on the leaderboards: can a team's score be told apart from the team's directly above?

The rule.  Two adjacent teams are *tied* when the paired bootstrap of their best submissions
(scoring.compare: both files scored here against the same solution, resampled on identical
rows) gives a 95% interval for the difference of their scores that contains zero. A team
tied with the team above shares its bracket on the page; the top team is never "tied above".

When.  Computed when a standing changes, never per page view: standings.refresh_team (and
refresh_all, once) calls refresh_public(); finalize calls refresh(..., "private"). Each team
row keeps the key of the pair it was computed for (solution file, metric, the two submission
ids), so only pairs whose neighbours changed are scored again, a re-score (every key changes)
recomputes every adjacent pair exactly once, and a mark whose key no longer matches the board
(computed before a later change, or never) is not shown: the board under-claims, never lies.

Storage.  Scoring needs the files. Use cases that hold the storage pass it; the others
(disqualifications, merges, deadline moves, finalize) find it where the web app and CLI bound
it to their session (bind_storage): a factory, so no storage is opened unless a pair is stale.
Without a storage nothing is computed and the affected marks simply do not show.
"""
from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

import scoring

from . import solutions
from .models import Competition, Solution, Submission, Team
from .scorer import ScoringFailed, score_against
from .storage import Storage

log = logging.getLogger("holdout.ties")

STORAGE_KEY = "holdout.storage"
# session.info key: a set of competition ids whose marks the caller refreshes after its commit
# (standings.board_changed adds to it instead of scoring inside the caller's transaction).
DEFERRED = "holdout.ties_deferred"
_CACHE_SIZE = 256  # ScoreResults kept per process: the replicates are a few kB each
_cache: OrderedDict = OrderedDict()
_cache_lock = threading.Lock()


def bind_storage(session: Session, storage: Storage | Callable[[], Storage]) -> None:
    """Let use cases that were not handed a storage compute ties in this session."""
    session.info[STORAGE_KEY] = storage


def _resolve(session: Session, storage: Storage | None) -> Storage | None:
    if storage is not None:
        return storage
    found = session.info.get(STORAGE_KEY)
    return found() if callable(found) else found


def scoring_id(competition: Competition, solution: Solution) -> str:
    """Names how files are scored now: a change of solution file, metric or parameters changes it."""
    params = json.dumps(competition.metric_params or {}, sort_keys=True)
    return hashlib.sha256(f"{solution.sha256}|{competition.metric}|{params}".encode()).hexdigest()[:16]


def pair_key(scored_as: str, above_submission: int, own_submission: int) -> str:
    """What a tie mark was computed for: a change of scoring (scoring_id) or of either best makes it stale."""
    return f"{scored_as}:{above_submission}:{own_submission}"


def _columns(which: str):
    if which == "public":
        return "public_tied_above", "public_tie_key", "best_public_submission_id"
    if which == "private":
        return "private_tied_above", "private_tie_key", "best_private_submission_id"
    raise ValueError("which must be 'public' or 'private'")


def refresh_public(session: Session, competition: Competition, storage: Storage | None = None) -> int:
    return refresh(session, competition, "public", storage)


def refresh(session: Session, competition: Competition, which: str, storage: Storage | None = None) -> int:
    """Bring the board's tie marks up to date; returns how many adjacent pairs were compared."""
    from .leaderboard import _teams_ranked  # leaderboard imports standings, which imports us

    tied_col, key_col, best_col = _columns(which)
    session.flush()
    teams = [t for t, _, _ in _teams_ranked(session, competition, which)]
    solution = solutions.current_solution(session, competition)
    if solution is None:
        return 0
    scored_as = scoring_id(competition, solution)
    stale = []
    for above, team in zip([None, *teams], teams):
        if above is None:
            if getattr(team, key_col) is not None or getattr(team, tied_col) is not None:
                setattr(team, key_col, None)
                setattr(team, tied_col, None)
            continue
        key = pair_key(scored_as, getattr(above, best_col), getattr(team, best_col))
        if getattr(team, key_col) != key:
            stale.append((above, team, key))
    if not stale:
        return 0
    storage = _resolve(session, storage)
    if storage is None:
        return 0  # no files to read here: the stale marks stay hidden until a use case with storage runs
    results = _results(session, storage, competition, solution,
                       {getattr(t, best_col) for pair in stale for t in pair[:2]})
    # Lock the rows about to be written in id order: two refreshes of one board then queue
    # instead of deadlocking (an upload holds at most its own team, then the competition).
    session.execute(select(Team.id).where(Team.id.in_(sorted({team.id for _, team, _ in stale})))
                    .order_by(Team.id).with_for_update())
    for above, team, key in stale:
        setattr(team, tied_col, _tied(results.get(getattr(above, best_col)), results.get(getattr(team, best_col)),
                                      which))
        setattr(team, key_col, key)
    session.flush()
    return len(stale)


def _tied(above, own, which: str) -> bool | None:
    if above is None or own is None:
        return None
    try:
        return not scoring.compare(above, own, part=which).distinguishable
    except ValueError:  # no score on that part, or undefined on every resample: unknown, not tied
        return None


def _results(session: Session, storage: Storage, competition: Competition, solution: Solution,
             submission_ids: set[int]) -> dict:
    """Each submission's ScoreResult, scored once per process per solution (an LRU of recent ones)."""
    files = dict(session.execute(select(Submission.id, Submission.file_sha256)
                                 .where(Submission.id.in_(submission_ids))).all())
    parsed, scored_as = None, scoring_id(competition, solution)
    out = {}
    for submission_id, sha256 in files.items():
        cache_key = (scored_as, sha256)
        with _cache_lock:
            if cache_key in _cache:
                _cache.move_to_end(cache_key)
                out[submission_id] = _cache[cache_key]
                continue
        if parsed is None:
            parsed = solutions.load_parsed(storage, competition, solution)
        try:
            result = score_against(storage, competition, parsed, sha256)
        except (scoring.SubmissionError, ScoringFailed, OSError) as exc:
            # A file that no longer scores (or was removed) leaves its pairs unknown, logged for the organizers.
            log.warning("ties: submission %s of %s could not be scored: %s", submission_id, competition.slug, exc)
            continue
        out[submission_id] = result
        with _cache_lock:
            _cache[cache_key] = result
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
    return out


def marks(session: Session, competition: Competition, which: str, teams: list[Team]) -> dict[int, bool | None]:
    """Per team id (in board order), whether it is tied with the team above, or None when not known:
    a stored mark counts only when its key matches the board as it is now. No scoring here."""
    tied_col, key_col, best_col = _columns(which)
    solution = solutions.current_solution(session, competition)
    scored_as = scoring_id(competition, solution) if solution is not None else None
    out: dict[int, bool | None] = {}
    for above, team in zip([None, *teams], teams):
        if above is None or scored_as is None:
            out[team.id] = None
            continue
        key = pair_key(scored_as, getattr(above, best_col), getattr(team, best_col))
        out[team.id] = getattr(team, tied_col) if getattr(team, key_col) == key else None
    return out


def groups(entries) -> dict[int, str]:
    """Where each team sits in its run of statistically tied teams, for drawing one bracket per run:
    'first', 'middle' or 'last' (team id -> position); teams tied with neither neighbour are left out."""
    out: dict[int, str] = {}
    entries = list(entries)
    for index, entry in enumerate(entries):
        tied_above = bool(entry.tied_with_above) and index > 0
        tied_below = index + 1 < len(entries) and bool(entries[index + 1].tied_with_above)
        if tied_above and tied_below:
            out[entry.team_id] = "middle"
        elif tied_above:
            out[entry.team_id] = "last"
        elif tied_below:
            out[entry.team_id] = "first"
    return out
