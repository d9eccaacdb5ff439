"""Statistical ties on the boards (competitions/ties.py), with real files scored by the real scorer:
computed when a standing changes, only for the pairs whose neighbours changed, never per view."""
from __future__ import annotations

import random
from datetime import datetime

from lifecycle_support import AFTER, MARK, N_ROWS, UTC

from competitions import catalog, leaderboard, lifecycle, moderation, ties
from competitions.models import Team

BASE = [round(random.Random(7).uniform(-1.0, 1.0), 3) for _ in range(N_ROWS)]  # varied errors: a real spread


def at(hour: int) -> datetime:
    return datetime(2030, 1, 10, hour, tzinfo=UTC)


def rows(errors: list[float]) -> bytes:
    """A submission off by errors[i] on id i + 1: its rmse differs from row to row, so resampling matters."""
    body = "id,target\n" + "".join(f"{i + 1},{i + 1 + float('0.' + MARK) + e:.3f}\n" for i, e in enumerate(errors))
    assert MARK not in body
    return body.encode()


def scaled(factor: float) -> bytes:
    return rows([e * factor for e in BASE])


def nudged() -> bytes:
    """BASE but 0.002 further off on one public row: a hair worse, the same on almost every resample."""
    return rows([e + (0.002 if i == 0 and e >= 0 else -0.002 if i == 0 else 0) for i, e in enumerate(BASE)])


def public_marks(sessions, competition) -> list[tuple[str, bool | None]]:
    with sessions() as s:
        c = catalog.get_competition(s, competition.slug)
        return [(e.team, e.tied_with_above) for e in leaderboard.public_board(s, c)]


def team_keys(sessions, competition) -> dict[str, str | None]:
    with sessions() as s:
        c = catalog.get_competition(s, competition.slug)
        return {t.name: t.public_tie_key for t in s.query(Team).filter(Team.competition_id == c.id)}


def test_near_identical_teams_are_tied_and_clearly_different_ones_are_not(sessions, people, make_competition,
                                                                         join, submit, client, clock):
    competition = make_competition(people.org)
    for user in (people.alice, people.bob, people.carol):
        join(competition, user)
    submit(competition, people.alice, scaled(1.0), at(9))
    submit(competition, people.bob, nudged(), at(10))        # a hair behind alice: cannot be told apart
    submit(competition, people.carol, scaled(4.0), at(11))   # four times the error: clearly behind
    assert public_marks(sessions, competition) == [("alice", None), ("bob", True), ("carol", False)]
    # The API says the same as the page.
    response = client.get("/api/v1/competitions/house-prices/leaderboard")
    assert response.status_code == 200, response.get_data(as_text=True)
    entries = response.get_json()["entries"]
    assert [e["tied_with_above"] for e in entries] == [None, True, False]
    # Everything was computed when the standings changed: nothing is left to do at read time.
    with sessions() as s:
        c = catalog.get_competition(s, competition.slug)
        assert ties.refresh(s, c, "public") == 0


def test_only_pairs_whose_neighbours_changed_are_recomputed(sessions, people, make_competition, join, submit,
                                                           storage):
    competition = make_competition(people.org)
    for user in (people.alice, people.bob, people.carol):
        join(competition, user)
    submit(competition, people.alice, scaled(1.0), at(9))
    submit(competition, people.bob, nudged(), at(10))
    before = team_keys(sessions, competition)
    submit(competition, people.carol, scaled(4.0), at(11))   # joins at the bottom: one new pair only
    after = team_keys(sessions, competition)
    assert after["alice"] is None and after["bob"] == before["bob"] and after["carol"] is not None
    # carol jumps to the top: alice now has a neighbour above, and bob's pair (alice above) stays.
    submit(competition, people.carol, scaled(0.2), at(12))
    assert public_marks(sessions, competition) == [("carol", None), ("alice", False), ("bob", True)]
    assert team_keys(sessions, competition)["bob"] == before["bob"]


def test_a_disqualification_re_marks_the_new_neighbours_and_stale_marks_never_show(
        sessions, people, make_competition, join, submit, storage):
    competition = make_competition(people.org)
    for user in (people.alice, people.bob, people.carol):
        join(competition, user)
    submit(competition, people.alice, scaled(1.0), at(9))
    submit(competition, people.carol, scaled(1.5), at(10))
    submit(competition, people.bob, nudged(), at(11))
    assert public_marks(sessions, competition) == [("alice", None), ("bob", True), ("carol", False)]
    with sessions() as s:  # a session with no storage bound: the new pair cannot be scored here
        c = catalog.get_competition(s, competition.slug)
        bob = s.query(Team).filter_by(competition_id=c.id, name="bob").one()
        moderation.disqualify_team(s, c, s.merge(people.org), bob.id, "Two accounts", at(12))
        s.commit()
    # carol's stored mark was for (bob, carol): stale, so it is not shown as either answer.
    assert public_marks(sessions, competition) == [("alice", None), ("carol", None)]
    with sessions() as s:
        c = catalog.get_competition(s, competition.slug)
        ties.bind_storage(s, lambda: storage)  # as the web app and the CLI do
        bob = s.query(Team).filter_by(competition_id=c.id, name="bob").one()
        moderation.reinstate_team(s, c, s.merge(people.org), bob.id, at(12))
        s.commit()
    assert public_marks(sessions, competition) == [("alice", None), ("bob", True), ("carol", False)]


def test_private_ties_are_marked_at_finalize(sessions, people, make_competition, join, submit, storage):
    competition = make_competition(people.org)
    for user in (people.alice, people.bob, people.carol):
        join(competition, user)
    submit(competition, people.alice, scaled(1.0), at(9))
    submit(competition, people.bob, nudged(), at(10))
    submit(competition, people.carol, scaled(4.0), at(11))
    with sessions() as s:
        c = catalog.get_competition(s, competition.slug)
        ties.bind_storage(s, storage)
        lifecycle.finalize(s, c, s.merge(people.org), AFTER)
        s.commit()
    with sessions() as s:
        c = catalog.get_competition(s, competition.slug)
        marks = [(e.team, e.tied_with_above) for e in leaderboard.private_board(s, c)]
    assert marks == [("alice", None), ("bob", True), ("carol", False)]


def test_a_new_solution_recomputes_every_pair_once(sessions, people, make_competition, join, submit, storage):
    competition = make_competition(people.org)
    for user in (people.alice, people.bob, people.carol):
        join(competition, user)
    submit(competition, people.alice, scaled(1.0), at(9))
    submit(competition, people.bob, nudged(), at(10))
    submit(competition, people.carol, scaled(4.0), at(11))
    with sessions() as s:
        c = catalog.get_competition(s, competition.slug)
        # Another scoring of the same files (a metric change) makes every key stale: both pairs once.
        c.metric = "mae"
        assert [(e.team, e.tied_with_above) for e in leaderboard.public_board(s, c)][1:] == [
            ("bob", None), ("carol", None)]
        assert ties.refresh(s, c, "public", storage) == 2
        assert ties.refresh(s, c, "public", storage) == 0
        assert [e.tied_with_above for e in leaderboard.public_board(s, c)] == [None, True, False]
        s.rollback()


def test_tie_groups_bracket_runs_of_tied_teams():
    class E:
        def __init__(self, team_id, tied):
            self.team_id, self.tied_with_above = team_id, tied

    board = [E(1, None), E(2, True), E(3, True), E(4, False), E(5, None), E(6, True)]
    assert ties.groups(board) == {1: "first", 2: "middle", 3: "last", 5: "first", 6: "last"}
    assert ties.groups([E(1, None), E(2, False)]) == {}
