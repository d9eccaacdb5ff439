"""Leaderboard order: tie-breaking, best-per-team, entries, final selections and moderation."""
from __future__ import annotations

from datetime import datetime

import pytest
from lifecycle_support import AFTER, UTC, invalid_predictions, predictions

from competitions import catalog, leaderboard, lifecycle, moderation, selection, submitting

API = "/api/v1"


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2030, 1, 10, hour, minute, tzinfo=UTC)


def board(sessions, competition, which="public"):
    with sessions() as s:
        c = catalog.get_competition(s, competition.slug)
        return [(e.rank, e.team, round(e.score, 2), e.entries, e.rank_change)
                for e in leaderboard.board(s, c, which, None)]


def test_ties_go_to_the_earlier_submission_and_the_best_score_counts(client, clock, sessions, people,
                                                                      make_competition, join, submit):
    competition = make_competition(people.org)
    # carol joins first, so her team has the smallest id: ties must not fall back on team order.
    for user in (people.carol, people.alice, people.bob):
        join(competition, user)
    submit(competition, people.alice, predictions(0.3), at(9))     # alice's best, first to reach 0.3
    submit(competition, people.carol, predictions(0.3), at(10))    # the same score, an hour later
    submit(competition, people.bob, predictions(0.2), at(11))
    submit(competition, people.alice, predictions(0.5), at(12))    # worse: the best still counts
    submit(competition, people.alice, predictions(0.3), at(13))    # equal to her best: does not reset its time
    with pytest.raises(submitting.InvalidSubmission):
        submit(competition, people.carol, invalid_predictions(), at(14))  # not an entry

    assert board(sessions, competition) == [(1, "bob", 0.2, 1, None), (2, "alice", 0.3, 3, None),
                                            (3, "carol", 0.3, 1, None)]
    entries = client.get(f"{API}/competitions/house-prices/leaderboard").get_json()["entries"]
    assert [(e["team"], e["entries"]) for e in entries] == [("bob", 1), ("alice", 3), ("carol", 1)]
    assert entries[1]["score"] == entries[2]["score"]
    assert datetime.fromisoformat(entries[1]["last_submission_at"]) == at(13)
    assert datetime.fromisoformat(entries[2]["last_submission_at"]) == at(10)  # the invalid upload is no entry


def test_greater_is_better_metrics_rank_high_scores_first(sessions, people, make_competition, join, submit):
    competition = make_competition(people.org, metric="r2")
    for user in (people.alice, people.bob):
        join(competition, user)
    submit(competition, people.alice, predictions(2.0), at(9))
    submit(competition, people.bob, predictions(0.5), at(10))
    assert [row[1] for row in board(sessions, competition)] == ["bob", "alice"]


@pytest.fixture
def three_submissions(sessions, people, make_competition, join, submit):
    """alice: s1 public .1/private .9, s2 .2/.3, s3 .3/.05; bob: .15/.2. Two final selections."""
    competition = make_competition(people.org, final_selections=2)
    for user in (people.alice, people.bob):
        join(competition, user)
    s1 = submit(competition, people.alice, predictions(0.1, 0.9), at(9))
    s2 = submit(competition, people.alice, predictions(0.2, 0.3), at(10))
    s3 = submit(competition, people.alice, predictions(0.3, 0.05), at(11))
    submit(competition, people.bob, predictions(0.15, 0.2), at(12))
    return competition, (s1, s2, s3)


def select_and_finalize(sessions, competition, people, ids):
    with sessions() as s:
        c = catalog.get_competition(s, competition.slug)
        if ids is not None:
            selection.select_final(s, c, s.merge(people.alice), ids, at(15))
        lifecycle.finalize(s, c, s.merge(people.org), AFTER)
        s.commit()


def test_without_selection_the_best_n_by_public_score_count(sessions, people, three_submissions):
    competition, _ = three_submissions
    select_and_finalize(sessions, competition, people, None)
    assert board(sessions, competition) == [(1, "alice", 0.1, 3, None), (2, "bob", 0.15, 1, None)]
    # alice's best two public (s1, s2) give private .3 (s3's .05 is not among them); bob's .2 wins.
    assert board(sessions, competition, "private") == [(1, "bob", 0.2, 1, 1), (2, "alice", 0.3, 3, -1)]


def test_with_selection_the_best_private_among_selected_counts(sessions, people, three_submissions):
    competition, (s1, s2, s3) = three_submissions
    select_and_finalize(sessions, competition, people, [s3.id, s1.id])
    assert board(sessions, competition, "private") == [(1, "alice", 0.05, 3, 0), (2, "bob", 0.2, 1, 0)]


def test_a_single_selection_is_all_that_counts(sessions, people, three_submissions):
    competition, (s1, s2, s3) = three_submissions
    select_and_finalize(sessions, competition, people, [s1.id])
    assert board(sessions, competition, "private") == [(1, "bob", 0.2, 1, 1), (2, "alice", 0.9, 3, -1)]


def test_clearing_the_selection_goes_back_to_the_automatic_choice(sessions, people, three_submissions):
    competition, (s1, s2, s3) = three_submissions
    with sessions() as s:
        c = catalog.get_competition(s, competition.slug)
        selection.select_final(s, c, s.merge(people.alice), [s3.id], at(15))
        s.commit()
    select_and_finalize(sessions, competition, people, [])
    assert board(sessions, competition, "private")[1][1:3] == ("alice", 0.3)


def test_selection_through_the_api_then_finalize(client, people, bearer, clock, three_submissions):
    competition, (s1, s2, s3) = three_submissions
    alice = bearer(people.alice)
    response = client.put(f"{API}/competitions/house-prices/selection", headers=alice,
                          json={"submission_ids": [s3.id]})
    assert response.status_code == 200 and response.get_json() == {"selected": [s3.id]}
    selected = [s["id"] for s in client.get(f"{API}/competitions/house-prices/submissions", headers=alice).get_json()
                if s["selected"]]
    assert selected == [s3.id]
    clock.now = AFTER
    assert client.post(f"{API}/competitions/house-prices/finalize", headers=bearer(people.org)).status_code == 200
    entries = client.get(f"{API}/competitions/house-prices/leaderboard?board=private").get_json()["entries"]
    assert [(e["team"], e["rank_change"]) for e in entries] == [("alice", 0), ("bob", 0)]
    assert abs(entries[0]["score"] - 0.05) < 1e-3


def test_disqualified_submissions_and_teams_leave_the_boards(sessions, people, three_submissions):
    competition, (s1, s2, s3) = three_submissions
    with sessions() as s:
        c = catalog.get_competition(s, competition.slug)
        moderation.disqualify_submission(s, c, s.merge(people.org), s1.id, "Hand-labelled test rows", AFTER)
        s.commit()
    assert board(sessions, competition)[0][1:3] == ("bob", 0.15)
    assert ("alice", 0.2) in [row[1:3] for row in board(sessions, competition)]
    with sessions() as s:
        c = catalog.get_competition(s, competition.slug)
        bob_team = next(e.team_id for e in leaderboard.public_board(s, c) if e.team == "bob")
        moderation.disqualify_team(s, c, s.merge(people.org), bob_team, "Two accounts", AFTER)
        s.commit()
    assert [row[1] for row in board(sessions, competition)] == ["alice"]


def test_organizer_disqualifies_and_reinstates_a_team_through_the_pages(app, people, login, sessions, clock,
                                                                         three_submissions):
    from sqlalchemy import select

    from competitions.models import Team

    with sessions() as s:
        team = s.scalars(select(Team).where(Team.name == "alice")).one()
    clock.now = at(13)
    client = app.test_client()
    login(client, people.org.username)
    slug = "house-prices"
    refused = client.post(f"/organize/{slug}/teams/{team.id}/disqualify", data={"reason": ""})
    assert refused.status_code == 303

    def teams_on_board():
        return [e["team"] for e in client.get(f"/api/v1/competitions/{slug}/leaderboard").get_json()["entries"]]

    assert teams_on_board() == ["alice", "bob"]
    client.post(f"/organize/{slug}/teams/{team.id}/disqualify", data={"reason": "Shared accounts"})
    assert teams_on_board() == ["bob"]
    assert "Reinstate team" in client.get(f"/organize/{slug}").get_data(as_text=True)
    client.post(f"/organize/{slug}/teams/{team.id}/reinstate")
    assert teams_on_board() == ["alice", "bob"]
