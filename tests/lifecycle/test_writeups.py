"""Solution write-ups: only after finalize, only for ranked teams, pointing at a final submission."""
from __future__ import annotations

import pytest
from lifecycle_support import AFTER, predictions

from competitions import writeups

A = "/api/v1/competitions/house-prices"


@pytest.fixture
def finished(app, people, clock, make_competition, join, submit, bearer):
    """alice and bob submitted (alice better); carol joined without submitting; not finalized yet."""
    competition = make_competition(people.org)
    for user in (people.alice, people.bob, people.carol):
        join(competition, user)
    subs = {"alice": submit(competition, people.alice, predictions(0.1)),
            "bob": submit(competition, people.bob, predictions(0.5))}
    headers = {name: bearer(getattr(people, name)) for name in ("alice", "bob", "carol", "org")}
    return subs, headers


def _put(client, headers, sub_id, **extra):
    return client.put(f"{A}/writeup", headers=headers, json={"title": "Tiny errors", "body": "Ridge on logs.",
                                                            "submission_id": sub_id, **extra})


def test_writeups_only_after_finalize_and_only_for_ranked_teams(client, finished, clock):
    subs, h = finished
    refused = _put(client, h["alice"], subs["alice"].id)
    assert refused.status_code == 409 and "finalized" in refused.get_json()["message"]
    assert client.get(f"{A}/writeups").get_json() == []
    clock.now = AFTER
    assert client.post(f"{A}/finalize", headers=h["org"]).status_code == 200
    # carol's team has no ranked submission; org has no team at all.
    assert _put(client, h["carol"], subs["alice"].id).status_code == 409
    assert _put(client, h["org"], subs["alice"].id).status_code == 403
    # Only one of the team's own final submissions.
    wrong = _put(client, h["alice"], subs["bob"].id)
    assert wrong.status_code == 400 and wrong.get_json()["field"] == "submission_id"
    bad_link = _put(client, h["alice"], subs["alice"].id, links=[{"label": "x", "url": "javascript:alert(1)"}])
    assert bad_link.status_code == 400 and bad_link.get_json()["field"] == "links"
    ok = _put(client, h["alice"], subs["alice"].id, links=[{"label": "Code", "url": "https://git.example/a"}])
    assert ok.status_code == 200 and ok.get_json()["rank"] == 1
    assert ok.get_json()["links"] == [{"label": "Code", "url": "https://git.example/a"}]
    assert _put(client, h["bob"], subs["bob"].id, title="Second place").status_code == 200
    # Publishing again replaces the team's write-up.
    assert _put(client, h["alice"], subs["alice"].id, body="Ridge on log prices.").status_code == 200
    listed = client.get(f"{A}/writeups").get_json()
    assert [(w["rank"], w["team"], w["body"]) for w in listed] == [(1, "alice", "Ridge on log prices."),
                                                                    (2, "bob", "Ridge on logs.")]
    assert listed[0]["links"] == []  # PUT replaces the whole write-up, links included


def test_pages_leaderboard_links_and_portfolio_function(client, finished, clock, login, sessions, people):
    subs, h = finished
    clock.now = AFTER
    client.post(f"{A}/finalize", headers=h["org"])
    login(client, "alice")
    form = client.get("/c/house-prices/writeup")
    assert form.status_code == 200 and f"#{subs['alice'].id}" in form.get_data(as_text=True)
    empty = client.post("/c/house-prices/writeup", data={"title": "", "body": "", "submission_id": str(subs["alice"].id)})
    assert empty.status_code == 422 and "the write-up is empty" in empty.get_data(as_text=True)
    made = client.post("/c/house-prices/writeup", data={
        "title": "Tiny errors", "body": "We used **ridge**.", "submission_id": str(subs["alice"].id),
        "links": "Code https://git.example/a\n"})
    assert made.status_code == 303
    page = client.get(made.headers["Location"]).get_data(as_text=True)
    assert "<strong>ridge</strong>" in page and 'href="https://git.example/a" rel="nofollow ugc noopener"' in page
    board = client.get("/c/house-prices/leaderboard?board=private").get_data(as_text=True)
    assert board.count('class="writeup-link"') == 1
    solutions = client.get("/c/house-prices/solutions").get_data(as_text=True)
    assert "Tiny errors" in solutions and "Edit your team’s write-up" in solutions
    # carol (not ranked) is sent back to the Solutions tab with the reason.
    other = client.application.test_client()
    login(other, "carol")
    assert other.get("/c/house-prices/writeup").status_code == 303
    with sessions() as s:
        mine = writeups.writeups_of_user(s, s.merge(people.alice))
        assert [w.title for w in mine] == ["Tiny errors"]
        assert writeups.writeups_of_user(s, s.merge(people.bob)) == []
    # Reopening hides the solutions again (the results may change).
    clock.now = AFTER
    admin = client.application.test_client()
    login(admin, "root")
    assert client.get("/c/house-prices/solutions").status_code == 200
    from competitions.models import User
    with sessions() as s:
        from competitions import catalog, lifecycle
        c = catalog.get_competition(s, "house-prices")
        lifecycle.reopen(s, c, s.get(User, people.admin.id), "typo", AFTER)
        s.commit()
        assert writeups.writeups_of_user(s, s.merge(people.alice)) == []
    assert client.get(f"{A}/writeups").get_json() == []
