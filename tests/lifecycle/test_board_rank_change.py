"""The public rank change since the previous UTC day (leaderboard.previous_day_ranks): rebuilt from
submission history under today's rules, so deadlines and disqualifications move both days alike."""
from __future__ import annotations

from datetime import datetime, timedelta

from lifecycle_support import UTC, predictions

from competitions import catalog, leaderboard, lifecycle, moderation
from competitions.models import Team


def day(d: int, hour: int = 12) -> datetime:
    return datetime(2030, 1, d, hour, tzinfo=UTC)


def changes(sessions, competition, now) -> list[tuple[str, int, int | None, bool]]:
    with sessions() as s:
        c = catalog.get_competition(s, competition.slug)
        return [(e.team, e.rank, e.rank_change_day, e.new_today) for e in leaderboard.public_board(s, c, now)]


def test_rank_change_since_the_end_of_yesterday(sessions, people, make_competition, join, submit, client, clock):
    competition = make_competition(people.org)
    for user in (people.alice, people.bob, people.carol):
        join(competition, user, day(8))
    submit(competition, people.alice, predictions(1.0), day(9, 10))
    submit(competition, people.bob, predictions(2.0), day(9, 23))      # still yesterday at 23:00 UTC
    # Nothing happened today yet: yesterday's end is today's board.
    assert changes(sessions, competition, day(10, 0)) == [("alice", 1, 0, False), ("bob", 2, 0, False)]
    bob_today = submit(competition, people.bob, predictions(0.5), day(10, 0))  # 00:00 UTC is today
    submit(competition, people.carol, predictions(0.7), day(10, 1))
    now = day(10, 12)
    assert changes(sessions, competition, now) == [("bob", 1, 1, False), ("carol", 2, None, True),
                                                   ("alice", 3, -2, False)]
    # The API says the same, with `new_today` for a team that was not ranked yesterday.
    clock.now = now
    entries = client.get("/api/v1/competitions/house-prices/leaderboard").get_json()["entries"]
    assert [(e["team"], e["rank_change_day"], e["new_today"]) for e in entries] == [
        ("bob", 1, False), ("carol", None, True), ("alice", -2, False)]
    # Without a clock the board carries no day change at all.
    with sessions() as s:
        assert all(e.rank_change_day is None and not e.new_today
                   for e in leaderboard.public_board(s, catalog.get_competition(s, competition.slug)))

    # Disqualifying bob's new best puts him back where he was yesterday.
    with sessions() as s:
        c = catalog.get_competition(s, competition.slug)
        moderation.disqualify_submission(s, c, s.merge(people.org), bob_today.id, "Leak", now)
        s.commit()
    assert changes(sessions, competition, now) == [("carol", 1, None, True), ("alice", 2, -1, False),
                                                   ("bob", 3, -1, False)]
    # A disqualified team leaves both days' boards: nobody "rises" because of it.
    with sessions() as s:
        c = catalog.get_competition(s, competition.slug)
        alice = s.query(Team).filter_by(competition_id=c.id, name="alice").one()
        moderation.disqualify_team(s, c, s.merge(people.org), alice.id, "Two accounts", now)
        s.commit()
    assert changes(sessions, competition, now) == [("carol", 1, None, True), ("bob", 2, -1, False)]


def test_a_deadline_moved_before_today_leaves_no_change(sessions, people, make_competition, join, submit):
    competition = make_competition(people.org)
    for user in (people.alice, people.bob):
        join(competition, user, day(8))
    submit(competition, people.alice, predictions(1.0), day(9))
    submit(competition, people.bob, predictions(2.0), day(9))
    submit(competition, people.bob, predictions(0.5), day(10, 8))
    assert changes(sessions, competition, day(10, 12)) == [("bob", 1, 1, False), ("alice", 2, -1, False)]
    with sessions() as s:
        c = catalog.get_competition(s, competition.slug)
        lifecycle.move_deadline(s, c, s.merge(people.org), day(10, 0), day(10, 12))
        s.commit()
    # bob's upload of today is late now, so neither board counts it.
    assert changes(sessions, competition, day(10, 12)) == [("alice", 1, 0, False), ("bob", 2, 0, False)]
    # The day after, the board has not moved since the end of the day before.
    assert changes(sessions, competition, day(10, 12) + timedelta(days=1)) == [
        ("alice", 1, 0, False), ("bob", 2, 0, False)]
