"""States under frozen time: draft -> open -> closed (late) -> finalized."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from lifecycle_support import AFTER, BEFORE, DEADLINE, DURING, START, predictions

from competitions import catalog, participation, selection, submitting
from competitions.errors import Conflict, Forbidden
from competitions.models import State

API = "/api/v1"


def upload(data: bytes) -> dict:
    return {"file": (io.BytesIO(data), "sub.csv")}


def test_draft_is_invisible_to_learners_and_closed_to_joining(app, client, people, bearer, login, clock,
                                                              make_competition):
    make_competition(people.org)
    clock.now = BEFORE
    alice = bearer(people.alice)

    assert client.get(f"{API}/competitions").get_json() == []
    assert client.get(f"{API}/competitions", headers=alice).get_json() == []
    for path in ("", "/files", "/files/train.csv", "/leaderboard"):
        response = client.get(f"{API}/competitions/house-prices{path}", headers=alice)
        assert response.status_code == 404, path
        assert response.get_json()["error"] == "not_found"
    # Joining, validating and submitting answer like an unknown slug: a draft does not leak its existence.
    for path in ("/join", "/submissions", "/validate"):
        response = client.post(f"{API}/competitions/house-prices{path}", headers=alice, data=upload(predictions(0.1)))
        assert response.status_code == 404, path

    browser = app.test_client()
    login(browser, "alice")
    assert "House prices" not in browser.get("/").get_data(as_text=True)
    for path in ("/c/house-prices", "/c/house-prices/data", "/c/house-prices/leaderboard",
                 "/c/house-prices/files/train.csv"):
        assert browser.get(path).status_code == 404, path
    assert browser.post("/c/house-prices/join", data={"accept_rules": "y"}).status_code == 404

    # Its organizer and admins see it, in the draft state.
    owner = client.get(f"{API}/competitions/house-prices", headers=bearer(people.org))
    assert owner.status_code == 200 and owner.get_json()["state"] == "draft"
    assert [c["slug"] for c in client.get(f"{API}/competitions", headers=bearer(people.org)).get_json()] == [
        "house-prices"]
    assert client.get(f"{API}/competitions/house-prices", headers=bearer(people.admin)).status_code == 200
    assert client.get(f"{API}/competitions/house-prices", headers=bearer(people.org2)).status_code == 404

    # At the start it opens.
    clock.now = START
    assert client.get(f"{API}/competitions/house-prices", headers=alice).get_json()["state"] == "open"
    assert client.post(f"{API}/competitions/house-prices/join", headers=alice).status_code == 200


def test_domain_refuses_joining_and_submitting_before_the_start(sessions, storage, people, make_competition, join):
    competition = make_competition(people.org)
    join(competition, people.alice, DURING)
    with sessions() as s:
        c = catalog.get_competition(s, competition.slug)
        with pytest.raises(Forbidden):
            participation.join(s, c, s.merge(people.bob), BEFORE)
        # Even a team that exists (the start was moved later) cannot submit before the start.
        with pytest.raises(Forbidden, match="not started"):
            submitting.submit(s, storage, c, s.merge(people.alice), "a.csv", io.BytesIO(predictions(0.1)), "",
                              START - timedelta(seconds=1))


@pytest.mark.parametrize("when, state, late", [
    (START, State.OPEN, False),
    (DEADLINE - timedelta(microseconds=1), State.OPEN, False),
    (DEADLINE, State.CLOSED, True),
    (AFTER, State.CLOSED, True),
])
def test_submissions_at_the_boundaries(sessions, people, make_competition, join, submit, when, state, late):
    competition = make_competition(people.org)
    join(competition, people.alice, START)
    assert competition.state_at(when) == state
    row = submit(competition, people.alice, predictions(0.2), when)
    assert (row.status, row.is_late) == ("scored", late)
    with sessions() as s:
        from competitions import leaderboard

        entries = leaderboard.public_board(s, catalog.get_competition(s, competition.slug))
        # Late submissions are kept and scored, never ranked.
        assert [e.team for e in entries] == ([] if late else ["alice"])


def test_closed_competition_still_accepts_practice_but_not_selection(client, people, bearer, clock,
                                                                      make_competition, join, submit):
    competition = make_competition(people.org)
    join(competition, people.alice)
    on_time = submit(competition, people.alice, predictions(0.3))
    clock.now = AFTER
    alice = bearer(people.alice)
    detail = client.get(f"{API}/competitions/house-prices", headers=alice).get_json()
    assert detail["state"] == "closed"
    # Joining after the deadline is allowed: this is a practice platform.
    bob = bearer(people.bob)
    assert client.post(f"{API}/competitions/house-prices/join", headers=bob).status_code == 200
    late = client.post(f"{API}/competitions/house-prices/submissions", headers=bob, data=upload(predictions(0.01)))
    assert late.status_code == 201 and late.get_json()["late"] is True
    chosen = client.put(f"{API}/competitions/house-prices/selection", headers=alice,
                        json={"submission_ids": [on_time.id]})
    assert chosen.status_code == 409
    board = client.get(f"{API}/competitions/house-prices/leaderboard").get_json()["entries"]
    assert [e["team"] for e in board] == ["alice"]
    assert client.get(f"{API}/competitions/house-prices/leaderboard?board=private").status_code == 403

    finalized = client.post(f"{API}/competitions/house-prices/finalize", headers=bearer(people.org))
    assert finalized.get_json()["state"] == "finalized"
    clock.now = AFTER + timedelta(days=30)
    assert client.get(f"{API}/competitions/house-prices").get_json()["state"] == "finalized"
    assert client.get(f"{API}/competitions/house-prices/leaderboard?board=private").status_code == 200
    # Still a practice ground after finalize: scored, late, unranked.
    after = client.post(f"{API}/competitions/house-prices/submissions", headers=bob, data=upload(predictions(0.02)))
    assert after.status_code == 201 and after.get_json()["late"] is True
    private = client.get(f"{API}/competitions/house-prices/leaderboard?board=private").get_json()["entries"]
    assert [e["team"] for e in private] == ["alice"]


def test_selection_is_refused_outside_the_open_state(sessions, people, make_competition, join, submit):
    competition = make_competition(people.org)
    join(competition, people.alice)
    row = submit(competition, people.alice, predictions(0.3))
    with sessions() as s:
        c = catalog.get_competition(s, competition.slug)
        with pytest.raises(Conflict):
            selection.select_final(s, c, s.merge(people.alice), [row.id], DEADLINE)
        assert [r.id for r in selection.select_final(s, c, s.merge(people.alice), [row.id], DURING)] == [row.id]
