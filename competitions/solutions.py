"""The hidden answer key: validating, splitting, storing and loading it."""
from __future__ import annotations

import io
import json
from collections import OrderedDict
from datetime import datetime
from threading import Lock
from typing import BinaryIO

import pandas as pd
from sqlalchemy import select, update
from sqlalchemy.orm import Session

import scoring

from .errors import DomainError
from .models import Competition, Solution
from .storage import Storage

_CACHE_SIZE = 8
_cache: OrderedDict[tuple, object] = OrderedDict()
_cache_lock = Lock()


def current_solution(session: Session, competition: Competition) -> Solution | None:
    return session.scalar(select(Solution).where(
        Solution.competition_id == competition.id, Solution.is_current.is_(True)))


def prepare_solution(storage: Storage, competition: Competition, stream: BinaryIO,
                     public_fraction: float, seed: int) -> tuple[scoring.Solution, bytes, dict]:
    """Validate an uploaded solution; add a Usage split if it has none.

    Returns the parsed solution, the bytes to store (the upload itself, or a
    CSV with the drawn Usage column) and the row counts per split.
    """
    raw = stream.read()
    parsed = _parse(io.BytesIO(raw), competition)
    if parsed.usage is None:
        frame = scoring.assign_usage(text_table(raw), public_fraction, seed)
        raw = frame.to_csv(index=False).encode()
        parsed = _parse(io.BytesIO(raw), competition)
    return parsed, raw, _counts(parsed)


def install_solution(session: Session, storage: Storage, competition: Competition,
                     stream: BinaryIO, now: datetime, public_fraction: float = 0.3, seed: int = 0) -> Solution:
    """Store a new solution version and make it current."""
    parsed, data, counts = prepare_solution(storage, competition, stream, public_fraction, seed)
    stored = storage.put(io.BytesIO(data))
    previous = current_solution(session, competition)
    session.execute(update(Solution).where(Solution.competition_id == competition.id).values(is_current=False))
    row = Solution(competition_id=competition.id, version=(previous.version + 1) if previous else 1,
                   sha256=stored.sha256, size=stored.size, is_current=True, created_at=now, **counts)
    session.add(row)
    session.flush()
    _remember(_key(competition, stored.sha256), parsed)
    return row


def load_parsed(storage: Storage, competition: Competition, solution: Solution):
    """The parsed solution, cached per process so a submission never re-reads it."""
    key = _key(competition, solution.sha256)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    with storage.open(solution.sha256) as handle:
        parsed = _parse(handle, competition)
    _remember(key, parsed)
    return parsed


def _key(competition: Competition, sha256: str) -> tuple:
    # JSON text: parameters may hold lists (declared labels), which a tuple key could not.
    params = json.dumps(competition.metric_params or {}, sort_keys=True)
    return sha256, competition.metric, params, competition.id_column


def _remember(key: tuple, parsed) -> None:
    with _cache_lock:
        _cache[key] = parsed
        _cache.move_to_end(key)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)


def _parse(source, competition: Competition):
    try:
        return scoring.read_solution(source, competition.metric, id_column=competition.id_column,
                                     **(competition.metric_params or {}))
    except (scoring.SolutionError, ValueError) as exc:
        raise DomainError(f"The solution file is not usable: {exc}", field="solution") from None


def text_table(raw: bytes) -> pd.DataFrame:
    """A .csv, .csv.gz or .zip table as text cells, read as written (no index inference)."""
    compression = "gzip" if raw[:2] == b"\x1f\x8b" else "zip" if raw[:2] == b"PK" else None
    return pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False, compression=compression,
                       index_col=False)


def _counts(parsed) -> dict:
    return {"n_public": parsed.count("public"), "n_private": parsed.count("private"),
            "n_ignored": parsed.n_rows - parsed.count("overall")}
