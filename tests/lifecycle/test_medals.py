"""Kaggle's medal table at every boundary, the points formula against worked examples, and shared ranks."""
from __future__ import annotations

import math

import pytest

from competitions.medals import medal_cutoffs, medal_for, percentile, points_for
from competitions.seasons import Standing, assign_shared_ranks

# teams -> (last gold rank, last silver rank, last bronze rank), worked out by hand from the table.
TABLE = {
    1: (0, 0, 0),        # 10%, 20%, 40% of 1 round down to nothing
    9: (0, 1, 3),
    10: (1, 2, 4),
    99: (9, 19, 39),
    100: (10, 20, 40),   # gold becomes "top 10"
    101: (10, 20, 40),
    249: (10, 49, 99),
    250: (10, 50, 100),  # gold "top 10 + 0.2%" (0.5 rounds down), silver 50, bronze 100
    999: (11, 50, 100),
    1000: (12, 50, 100),  # silver 5%, bronze 10%
    1001: (12, 50, 100),
}


@pytest.mark.parametrize("teams", sorted(TABLE))
def test_medal_cutoffs_at_every_boundary(teams):
    assert medal_cutoffs(teams) == TABLE[teams]


@pytest.mark.parametrize("teams", sorted(TABLE))
def test_medal_for_each_rank_follows_the_cutoffs(teams):
    gold, silver, bronze = TABLE[teams]
    for rank in {1, gold, gold + 1, silver, silver + 1, bronze, bronze + 1, teams}:
        if rank < 1 or rank > teams:
            continue
        expected = ("gold" if rank <= gold else "silver" if rank <= silver
                    else "bronze" if rank <= bronze else None)
        assert medal_for(rank, teams) == expected, (rank, teams)


def test_no_medal_outside_the_board():
    assert medal_for(0, 10) is None and medal_for(11, 10) is None and medal_for(1, 0) is None


def test_points_worked_examples():
    # 10 ranked teams, the winner alone: 100000 × 1 × log10(1 + log10 10) = 100000 × log10 2.
    assert points_for(1, 10, 1) == pytest.approx(30103.0, abs=0.5)
    # 3rd of 10 in a team of two: 100000 / √2 × 3^-0.75 × log10 2.
    assert points_for(3, 10, 2) == pytest.approx(9338.0, abs=0.5)
    # 1st of 100: log10(1 + 2) = 0.4771.
    assert points_for(1, 100, 1) == pytest.approx(47712.1, abs=0.5)
    # 16th of 100 solo: 16^-0.75 = 1/8.
    assert points_for(16, 100, 1) == pytest.approx(47712.1 / 8, abs=0.5)


def test_single_ranked_team_gives_no_points():
    assert points_for(1, 1, 1) == 0.0


def test_points_fall_with_rank_and_team_size():
    assert points_for(1, 50, 1) > points_for(2, 50, 1) > points_for(3, 50, 1)
    assert points_for(1, 50, 4) == pytest.approx(points_for(1, 50, 1) / 2)
    assert math.isclose(points_for(2, 50, 1), points_for(1, 50, 1) * 2 ** -0.75)


def test_percentile():
    assert percentile(1, 10) == 100.0 and percentile(10, 10) == 10.0 and percentile(1, 1) == 100.0
    assert percentile(2, 3) == 66.7


def _standing(name, points):
    return Standing(0, name, points, {"gold": 0, "silver": 0, "bronze": 0})


def test_equal_points_share_a_rank_and_the_next_rank_skips():
    rows = assign_shared_ranks([_standing("a", 300.0), _standing("b", 200.0), _standing("c", 200.0 + 1e-9),
                                _standing("d", 100.0)])
    assert [(r.username, r.rank) for r in rows] == [("a", 1), ("b", 2), ("c", 2), ("d", 4)]
