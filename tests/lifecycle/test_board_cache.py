"""Cached leaderboards are never stale: every kind of change a board shows changes the standings
version in its own transaction, and the API's cached answer then equals a board computed afresh.

Each test fills the cache (two reads, the second from the cache), makes one kind of change through
its domain use case in a session of its own, then reads through the cache again.
"""
from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from lifecycle_support import AFTER, DEADLINE, DURING, START, predictions
from sqlalchemy import select

from competitions import (
    accounts,
    board_version,
    catalog,
    leaderboard,
    lifecycle,
    moderation,
    rescoring,
    selection,
    standings,
    teams,
)
from competitions.models import Competition, Submission, User
from webapp import board_cache

SLUG = "house-prices"
API = f"/api/v1/competitions/{SLUG}/leaderboard"


@pytest.fixture
def world(app, people, make_competition, join, submit, clock):
    make_competition(people.org)
    for user, err in ((people.alice, 0.5), (people.bob, 0.8)):
        join(make_competition_slug(), user)
        submit(make_competition_slug(), user, predictions(err, err))
    join(make_competition_slug(), people.carol)
    return people


def make_competition_slug():
    class _C:  # the fixtures take anything with a slug
        slug = SLUG
    return _C


def fresh(sessions, which: str = "public", viewer=None, page: int = 1, per_page: int = 100) -> dict:
    """The board computed now, from the database, in the API's shape."""
    with sessions() as s:
        competition = catalog.get_competition(s, SLUG)
        entries = leaderboard.board(s, competition, which, s.merge(viewer) if viewer else None, DURING)
        rows, total = leaderboard.page_of(entries, page, per_page)
        body = {"board": which, "total": total, "page": page, "per_page": per_page,
                "entries": [e.to_dict() for e in rows]}
    return json.loads(json.dumps(body))


def read(client, which: str = "public", headers=None, **query) -> dict:
    answer = client.get(API, query_string={"board": which, **query}, headers=headers or {})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()


def version(sessions) -> int:
    with sessions() as s:
        return s.scalar(select(Competition.standings_version).where(Competition.slug == SLUG))


def change_and_check(client, sessions, change, which: str = "public", headers=None, viewer=None) -> dict:
    before = read(client, which, headers)
    assert read(client, which, headers) == before  # now from the cache
    old_version = version(sessions)
    with sessions() as s:
        change(s, catalog.get_competition(s, SLUG))
        s.commit()
    assert version(sessions) != old_version, "the change did not bump the standings version"
    after = read(client, which, headers)
    assert after == fresh(sessions, which, viewer), "the cache served a stale board"
    assert after != before, "the change should show on the board"
    return after


def user(s, who) -> User:
    return s.merge(who)


def _team_id(s, who) -> int:
    from competitions.models import TeamMember
    return s.scalar(select(TeamMember.team_id).where(TeamMember.user_id == who.id))


def test_upload_shows_at_once(client, world, sessions, submit):
    before = read(client)
    assert [e["team"] for e in before["entries"]] == ["alice", "bob"]
    submit(make_competition_slug(), world.carol, predictions(0.1, 0.1))
    after = read(client)
    assert after == fresh(sessions) and [e["team"] for e in after["entries"]] == ["carol", "alice", "bob"]


def test_disqualify_and_reinstate_a_submission(client, world, sessions):
    alice_sub = lambda s: s.scalar(select(Submission.id).where(Submission.user_id == world.alice.id))  # noqa: E731
    after = change_and_check(client, sessions, lambda s, c: moderation.disqualify_submission(
        s, c, user(s, world.org), alice_sub(s), "copied", DURING))
    assert [e["team"] for e in after["entries"]] == ["bob"]
    after = change_and_check(client, sessions, lambda s, c: moderation.reinstate_submission(
        s, c, user(s, world.org), alice_sub(s), DURING))
    assert [e["team"] for e in after["entries"]] == ["alice", "bob"]


def test_disqualify_and_reinstate_a_team(client, world, sessions):
    after = change_and_check(client, sessions, lambda s, c: moderation.disqualify_team(
        s, c, user(s, world.org), _team_id(s, world.bob), "shared accounts", DURING))
    assert [e["team"] for e in after["entries"]] == ["alice"]
    change_and_check(client, sessions, lambda s, c: moderation.reinstate_team(
        s, c, user(s, world.org), _team_id(s, world.bob), DURING))


def test_deadline_moves(client, world, sessions):
    # Before every submission: all late, the board empties; back again: they count.
    after = change_and_check(client, sessions, lambda s, c: lifecycle.move_deadline(
        s, c, user(s, world.org), START + timedelta(hours=1), DURING))
    assert after["entries"] == [] and after["total"] == 0
    after = change_and_check(client, sessions, lambda s, c: lifecycle.move_deadline(
        s, c, user(s, world.org), DEADLINE, DURING))
    assert after["total"] == 2


def test_finalize_and_reopen_never_leak_the_private_board(app, client, world, sessions, bearer, clock):
    org = bearer(world.org)
    preview = read(client, "private", org)  # the organizer's preview fills the cache
    assert read(client, "private", org) == preview
    assert client.get(API, query_string={"board": "private"}).status_code == 403  # never from the cache
    clock.now = AFTER
    with sessions() as s:
        lifecycle.finalize(s, catalog.get_competition(s, SLUG), user(s, world.org), AFTER)
        s.commit()
    revealed = read(client, "private")
    with sessions() as s:
        entries = leaderboard.private_board(s, catalog.get_competition(s, SLUG))
    assert [e["team"] for e in revealed["entries"]] == [e.team for e in entries]
    with sessions() as s:
        lifecycle.reopen(s, catalog.get_competition(s, SLUG), user(s, world.admin), "a wrong key", AFTER)
        s.commit()
    assert client.get(API, query_string={"board": "private"}).status_code == 403
    assert read(client, "private", org)["entries"] == revealed["entries"]


def test_merge_then_leave_and_removal(client, world, sessions):
    def merge(s, c):
        invitation = teams.invite(s, c, user(s, world.alice), DURING, username="carol")
        teams.accept(s, invitation.code, user(s, world.carol), DURING)

    after = change_and_check(client, sessions, merge)
    assert [e["members"] for e in after["entries"]] == [["alice", "carol"], ["bob"]]

    after = change_and_check(client, sessions, lambda s, c: teams.leave(s, c, user(s, world.carol), DURING))
    assert [e["members"] for e in after["entries"]] == [["alice"], ["bob"]]

    change_and_check(client, sessions, merge)
    after = change_and_check(client, sessions, lambda s, c: teams.remove_member(
        s, c, user(s, world.org), _team_id(s, world.alice), world.carol.id, DURING))
    assert [e["members"] for e in after["entries"]] == [["alice"], ["bob"]]


def test_team_rename(client, world, sessions):
    after = change_and_check(client, sessions, lambda s, c: teams.rename(s, c, user(s, world.bob), "Bobcats", DURING))
    assert after["entries"][1]["team"] == "Bobcats"


def test_rescore(client, world, sessions):
    def rescore(s, c):
        rows = list(s.scalars(select(Submission).where(Submission.competition_id == c.id)))
        changes = [(row, rescoring.ScoreChange(row.id, "", row.public_score, row.public_score * 3,
                                               row.private_score, row.private_score, row.status))
                   for row in rows if row.user_id == world.alice.id]
        rescoring.apply_rescore(s, c, 99, changes, DURING, actor=user(s, world.org), from_version=1)

    after = change_and_check(client, sessions, rescore)
    assert [e["team"] for e in after["entries"]] == ["bob", "alice"]


def test_role_change_marks_staff(client, world, sessions):
    after = change_and_check(client, sessions, lambda s, c: accounts.set_role(s, "bob", "admin"))
    assert [e["staff"] for e in after["entries"]] == [False, True]


def test_a_bulk_update_bumps_too(client, world, sessions, submit):
    # Final selections are cleared with one UPDATE statement; the private board follows them.
    submit(make_competition_slug(), world.alice, predictions(0.9, 0.05))

    def select_worse(s, c):
        worst = s.scalars(select(Submission).where(Submission.user_id == world.alice.id)
                          .order_by(Submission.id)).first()
        selection.select_final(s, c, user(s, world.alice), [worst.id], DURING)

    change_and_check(client, sessions, select_worse, "private", viewer=world.org,
                     headers=_headers(sessions, world.org))


def _headers(sessions, who) -> dict:
    from competitions import tokens

    with sessions() as s:
        _, plaintext = tokens.create_token(s, s.merge(who), "t", now=DURING)
        s.commit()
    return {"Authorization": f"Bearer {plaintext}"}


def test_recompute_without_change_keeps_the_version(world, sessions):
    """Recomputing standings that come out the same is no change: the cache stays warm."""
    old = version(sessions)
    with sessions() as s:
        standings.refresh_all(s, catalog.get_competition(s, SLUG))
        s.commit()
    assert version(sessions) == old


def test_paging(client, world, sessions, submit):
    submit(make_competition_slug(), world.carol, predictions(0.1, 0.1))
    page2 = read(client, per_page="1", page="2")
    assert (page2["total"], page2["page"], page2["per_page"]) == (3, 2, 1)
    assert [e["team"] for e in page2["entries"]] == ["alice"] and page2["entries"][0]["rank"] == 2
    assert page2 == fresh(sessions, page=2, per_page=1)
    assert read(client, page="9")["entries"] == []
    assert read(client)["per_page"] == leaderboard.PER_PAGE
    for bad in ({"page": "0"}, {"page": "x"}, {"per_page": "1001"}, {"per_page": "0"}, {"per_page": "-5"},
                {"page": "1.5"}, {"page": "9" * 40}):
        answer = client.get(API, query_string=bad)
        assert answer.status_code == 400, bad
        body = answer.get_json()
        assert body["error"] == "bad_request" and body["field"] in bad, body


def test_csv_export_is_cached_and_fresh(client, world, sessions, submit):
    first = client.get(f"/c/{SLUG}/leaderboard.csv").get_data(as_text=True)
    assert client.get(f"/c/{SLUG}/leaderboard.csv").get_data(as_text=True) == first
    submit(make_competition_slug(), world.carol, predictions(0.1, 0.1))
    again = client.get(f"/c/{SLUG}/leaderboard.csv").get_data(as_text=True)
    assert again != first and again.splitlines()[1].startswith("1,carol,")


def test_fragment_for_the_html_page(app, world, sessions):
    calls = []

    def render(entries):
        calls.append(1)
        return "".join(f"<tr><td>{e.rank}</td><td>{e.team}</td></tr>" for e in entries)

    with app.test_request_context("/"), sessions() as s:
        c = catalog.get_competition(s, SLUG)
        one = board_cache.fragment(s, c, "public", None, "table", render, DURING, page=1)
        two = board_cache.fragment(s, c, "public", None, "table", render, DURING, page=1)
        assert one == two == "<tr><td>1</td><td>alice</td></tr><tr><td>2</td><td>bob</td></tr>"
        assert len(calls) == 1
        with pytest.raises(Exception) as refused:
            board_cache.fragment(s, c, "private", None, "table", render, DURING)
        assert getattr(refused.value, "status", None) == 403


def test_memory_store_is_bounded():
    store = board_cache.MemoryStore(max_entries=2)
    store.set("a", b"1")
    store.set("b", b"2")
    assert store.get("a") == b"1"  # a is now the most recent
    store.set("c", b"3")
    assert store.get("b") is None and store.get("a") == b"1" and len(store) == 2
    by_size = board_cache.MemoryStore(max_entries=10, max_bytes=5)
    by_size.set("x", b"123")
    by_size.set("y", b"45")
    by_size.set("z", b"6")  # 6 bytes in all: the oldest goes
    assert by_size.get("x") is None and by_size.get("y") == b"45" and by_size.get("z") == b"6"
    by_size.set("big", b"123456")  # larger than the whole cache: not kept, nothing evicted for it
    assert by_size.get("big") is None and len(by_size) == 2


def test_redis_store_is_shared_between_nodes(redis_url, db_url, tmp_path, world, sessions, submit):
    """Two apps (two nodes) with one Redis: what one stored, the other serves, and a change shows on both."""
    from webapp import create_app

    prefix = f"holdout-test:{uuid.uuid4().hex}:"
    nodes = [create_app({"DATABASE_URL": db_url, "SECRET_KEY": "test-secret", "DATA_DIR": str(tmp_path / "data"),
                         "TESTING": True, "RATELIMIT_ENABLED": False, "REDIS_URL": redis_url,
                         "JOBS_IMMEDIATE": True, "BOARD_CACHE_PREFIX": prefix}) for _ in range(2)]
    try:
        first = read(nodes[0].test_client())
        with nodes[1].app_context():
            store = board_cache.store()
            assert isinstance(store, board_cache.RedisStore)
            keys = store.client.keys(prefix + "*")
            assert len(keys) == 1  # node 0 stored it where node 1 looks
            store.client.set(keys[0], json.dumps({**first, "marker": "from redis"}))
        assert read(nodes[1].test_client())["marker"] == "from redis"  # node 1 served node 0's copy
        submit(make_competition_slug(), world.carol, predictions(0.1, 0.1))
        for node in nodes:
            assert read(node.test_client()) == fresh(sessions)
    finally:
        for node in nodes:
            with node.app_context():
                client = board_cache.store().client
                for key in client.keys(prefix + "*"):
                    client.delete(key)
            node.extensions["holdout.engine"].dispose()


def test_version_is_random_not_a_counter(sessions, world):
    with sessions() as s:
        c = catalog.get_competition(s, SLUG)
        first = c.standings_version
        board_version.bump(s, c.id)
        s.commit()
        assert s.scalar(select(Competition.standings_version).where(Competition.id == c.id)) not in (first, first + 1)


def test_the_html_page_reads_every_entry_from_the_cache_and_never_a_stale_one(app, world, sessions, submit):
    """The HTML board needs all entries (histogram, neighbourhood): cached as JSON, equal to a fresh
    computation, with the same types, and renewed by an upload."""
    def cached_entries():
        with app.test_request_context("/"), sessions() as s:
            return board_cache.board_entries(s, catalog.get_competition(s, SLUG), "public", None, DURING)

    def computed():
        with sessions() as s:
            return leaderboard.board(s, catalog.get_competition(s, SLUG), "public", None, DURING)

    first = cached_entries()
    assert first == computed() and [e.team for e in first] == ["alice", "bob"]
    assert isinstance(first[0].ci, tuple) and isinstance(first[0].members, tuple)
    assert first[0].last_submission_at.tzinfo is not None
    with app.test_request_context("/"), sessions() as s:  # a second read is a cache hit
        store_size = len(board_cache.store())
        board_cache.board_entries(s, catalog.get_competition(s, SLUG), "public", None, DURING)
        assert len(board_cache.store()) == store_size
    submit(make_competition_slug(), world.carol, predictions(0.1, 0.1))
    after = cached_entries()
    assert after == computed() and after[0].team == "carol"
