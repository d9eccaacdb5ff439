"""The shake-up rule (competitions/shakeup.py) and the board's paging (leaderboard.page_of)."""
from __future__ import annotations

from competitions import leaderboard, shakeup
from competitions.leaderboard import Entry


def entry(private_rank: int, public_rank: int | None, entries: int, team_id: int | None = None) -> Entry:
    team_id = team_id or private_rank
    return Entry(private_rank, team_id, f"team{team_id}", 0.5, entries, None, team_id,
                 rank_change=None if public_rank is None else public_rank - private_rank)


def board_of(rows: list[tuple[int, int]]) -> list[Entry]:
    """rows: (public rank, entries) in private-rank order."""
    return [entry(i, public, n) for i, (public, n) in enumerate(rows, start=1)]


def test_a_large_drop_after_many_submissions_gets_a_note():
    # Twenty teams; the median team made 4 submissions, so "many" is 5 or more, and a large drop is 3+.
    rows = [(i + 1, 4) for i in range(20)]
    rows[9] = (2, 30)   # public #2, private #10 after 30 submissions: overfitting the public board
    rows[1] = (10, 4)
    notes = shakeup.notes(board_of(rows))
    assert list(notes) == [10]
    assert "Fell 8 places" in notes[10] and "#2" in notes[10] and "#10" in notes[10]
    assert "30 submissions" in notes[10] and "overfitting the public board" in notes[10]


def test_the_same_drop_after_few_submissions_is_noise_not_overfitting():
    rows = [(i + 1, 4) for i in range(20)]
    rows[9], rows[1] = (2, 3), (10, 4)
    assert shakeup.notes(board_of(rows)) == {}


def test_small_drops_get_no_note_even_after_many_submissions():
    rows = [(i + 1, 4) for i in range(20)]
    rows[2], rows[1], rows[0] = (1, 50), (3, 4), (2, 4)   # fell 2 places: under max(3, 10% of 20)
    assert shakeup.notes(board_of(rows)) == {}


def test_a_large_board_needs_a_proportionally_larger_drop():
    assert shakeup.thresholds(board_of([(i + 1, 8) for i in range(200)])) == (20, 8)
    assert shakeup.thresholds(board_of([(i + 1, 1) for i in range(5)])) == (3, 5)


def test_teams_without_a_public_rank_have_no_drop():
    moves = shakeup.moves([entry(1, None, 99)])
    assert moves[0].drop is None and moves[0].note is None


def test_page_of_gives_one_page_and_the_total():
    rows = list(range(1, 1001))
    assert leaderboard.page_of(rows, 1, 100) == (list(range(1, 101)), 1000)
    assert leaderboard.page_of(rows, 10, 100) == (list(range(901, 1001)), 1000)
    assert leaderboard.page_of(rows, 11, 100) == ([], 1000)
    assert leaderboard.page_of(rows, 2, 1000) == ([], 1000)


def test_the_neighbourhood_is_a_few_rows_either_side():
    board = board_of([(i + 1, 1) for i in range(300)])
    assert [e.rank for e in leaderboard.neighbourhood(board, 250)] == list(range(247, 254))
    assert [e.rank for e in leaderboard.neighbourhood(board, 1)] == [1, 2, 3, 4]
    assert leaderboard.neighbourhood(board, 9999) == []
    assert leaderboard.neighbourhood(board, None) == []
