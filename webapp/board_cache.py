"""Serialized leaderboards, cached under the competition's standings version.

Holdout computes nothing at read time (each team's standing is a row), yet turning 1,000
standings into JSON, CSV or HTML costs tens of milliseconds a request. So the serialized
board is kept, keyed by everything the bytes depend on: the competition, its standings
version (changed in the same transaction as anything a board shows, see
competitions/board_version.py), the board, the format, the page and page size, and the UTC
day (the public board's "since yesterday" rank changes). A changed board has a new key, so
no entry is ever stale and none needs to expire; old ones fall out of the bounded LRU.

Where: this process's memory by default; Redis when HOLDOUT_REDIS_URL is set, so every
node and worker process shares one copy (entries there get a day's TTL, only to give the
memory back). Redis trouble is logged and the board is served uncached, never a 500.

Who: the private board is checked (leaderboard.require_board) before the cache is asked,
and nothing here depends on the viewer otherwise, so a cached board never reaches someone
who may not see it.

A consistent read: the version is read before and after building; only when both agree is
the result stored (on PostgreSQL each statement sees the latest commit, and a board built
across a commit must not be filed under either version).
"""
from __future__ import annotations

import dataclasses
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timezone

from flask import Flask, current_app
from sqlalchemy.orm import Session

from competitions import board_version, exports, leaderboard
from competitions.models import Competition, User

log = logging.getLogger(__name__)

DEFAULT_ENTRIES = 512
DEFAULT_BYTES = 64 << 20  # per process
REDIS_TTL_SECONDS = 24 * 3600
_INIT_LOCK = threading.Lock()


class MemoryStore:
    """A thread-safe LRU of bytes, bounded in entries and in total size (a 1,000-row page is ~270 kB)."""

    def __init__(self, max_entries: int = DEFAULT_ENTRIES, max_bytes: int = DEFAULT_BYTES) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def set(self, key: str, value: bytes) -> None:
        if len(value) > self.max_bytes:
            return
        with self._lock:
            old = self._items.pop(key, None)
            self._size -= len(old) if old is not None else 0
            self._items[key] = value
            self._size += len(value)
            while len(self._items) > self.max_entries or self._size > self.max_bytes:
                _, dropped = self._items.popitem(last=False)
                self._size -= len(dropped)

    def __len__(self) -> int:
        return len(self._items)


class RedisStore:
    """Shared by every process and node that uses the same Redis and prefix."""

    def __init__(self, url: str, prefix: str = "holdout:board:") -> None:
        import redis  # only when configured: `import webapp` stays light

        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.prefix = prefix

    def get(self, key: str) -> bytes | None:
        return self.client.get(self.prefix + key)

    def set(self, key: str, value: bytes) -> None:
        self.client.set(self.prefix + key, value, ex=REDIS_TTL_SECONDS)


def init_app(app: Flask) -> None:
    """Choose the store now (create_app may call this; otherwise the first board does)."""
    app.extensions["holdout.board_cache"] = _make_store(app)


def _make_store(app: Flask):
    url = app.config.get("BOARD_CACHE_REDIS_URL") or app.config.get("REDIS_URL")
    if url and app.config.get("BOARD_CACHE", True):
        return RedisStore(url, app.config.get("BOARD_CACHE_PREFIX", "holdout:board:"))
    return MemoryStore(int(app.config.get("BOARD_CACHE_ENTRIES", DEFAULT_ENTRIES)),
                       int(app.config.get("BOARD_CACHE_BYTES", DEFAULT_BYTES)))


def store():
    app = current_app._get_current_object()
    found = app.extensions.get("holdout.board_cache")
    if found is None:
        with _INIT_LOCK:
            found = app.extensions.get("holdout.board_cache")
            if found is None:
                found = app.extensions["holdout.board_cache"] = _make_store(app)
    return found


def cached(session: Session, competition: Competition, which: str, viewer: User | None, fmt: str,
           build: Callable[[], bytes], now: datetime, **parts) -> bytes:
    """The bytes `build()` makes for this board, from the cache when the standings have not changed.

    `fmt` and `parts` name everything else the bytes depend on (a template, a page...): they are
    part of the key. `build` must depend on nothing the viewer may change (no "your team" marks).
    Raises Forbidden, before the cache is consulted, when `viewer` may not see the board.
    """
    leaderboard.require_board(competition, which, viewer)
    if not current_app.config.get("BOARD_CACHE", True):
        return build()
    before = board_version.current(session, competition.id)
    extra = ":".join(f"{name}={parts[name]}" for name in sorted(parts))
    key = f"{competition.id}:{before}:{which}:{fmt}:{_utc_day(now)}:{extra}"
    the_store = store()
    try:
        hit = the_store.get(key)
    except Exception:  # noqa: BLE001 - a cache that is down must not take the board down
        log.warning("board cache unavailable; serving the board uncached", exc_info=True)
        return build()
    if hit is not None:
        return hit
    value = build()
    if board_version.current(session, competition.id) == before:
        try:
            the_store.set(key, value)
        except Exception:  # noqa: BLE001
            log.warning("board cache unavailable; board not stored", exc_info=True)
    return value


def board_json(session: Session, competition: Competition, which: str, viewer: User | None,
               page: int, per_page: int, now: datetime) -> bytes:
    """The API's board: {"board", "total", "page", "per_page", "entries"} as UTF-8 JSON."""
    def build() -> bytes:
        entries = leaderboard.board(session, competition, which, viewer, now)
        rows, total = leaderboard.page_of(entries, page, per_page)
        body = {"board": which, "total": total, "page": page, "per_page": per_page,
                "entries": [e.to_dict() for e in rows]}
        return json.dumps(body, separators=(",", ":")).encode()

    return cached(session, competition, which, viewer, "json", build, now, page=page, per_page=per_page)


def board_entries(session: Session, competition: Competition, which: str, viewer: User | None,
                  now: datetime) -> list[leaderboard.Entry]:
    """Every entry of the board, from the cache when the standings have not changed: the HTML page
    needs them all (the histogram, the viewer's row and neighbourhood), not only the rows it shows.
    Stored as JSON, never pickled: a shared Redis must not be able to run code in a web node."""
    def build() -> bytes:
        entries = leaderboard.board(session, competition, which, viewer, now)
        return json.dumps([_entry_to_json(e) for e in entries], separators=(",", ":")).encode()

    raw = cached(session, competition, which, viewer, "entries", build, now)
    return [_entry_from_json(item) for item in json.loads(raw)]


def _entry_to_json(entry: leaderboard.Entry) -> dict:
    out = dataclasses.asdict(entry)
    out["last_submission_at"] = entry.last_submission_at.isoformat() if entry.last_submission_at else None
    return out


def _entry_from_json(item: dict) -> leaderboard.Entry:
    item["last_submission_at"] = (datetime.fromisoformat(item["last_submission_at"])
                                  if item["last_submission_at"] else None)
    item["ci"] = tuple(item["ci"]) if item["ci"] is not None else None
    item["members"] = tuple(item["members"])
    return leaderboard.Entry(**item)


def board_csv(session: Session, competition: Competition, which: str, viewer: User | None,
              now: datetime) -> bytes:
    """The whole board as the CSV download."""
    def build() -> bytes:
        entries = leaderboard.board(session, competition, which, viewer, now)
        return exports.leaderboard_csv(entries, private=which == "private").encode()

    return cached(session, competition, which, viewer, "csv", build, now)


def fragment(session: Session, competition: Competition, which: str, viewer: User | None, name: str,
             render: Callable[[list[leaderboard.Entry]], str], now: datetime, **parts) -> str:
    """A viewer-independent piece of the HTML page, e.g. the table of one page of the board.

    `render(entries)` gets the whole board and returns the HTML; `name` (the template) and
    `parts` (page, per_page...) are part of the key. It must not mark the viewer's own team:
    that is added around the cached piece.
    """
    def build() -> bytes:
        return render(leaderboard.board(session, competition, which, viewer, now)).encode()

    return cached(session, competition, which, viewer, f"html:{name}", build, now, **parts).decode()


def _utc_day(now: datetime) -> str:
    return now.astimezone(timezone.utc).date().isoformat()
