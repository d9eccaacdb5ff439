"""Kaggle's medal table and points formula, as pure functions of a final rank.

Both take the rank on the private leaderboard and the number of ranked teams
(teams with a ranked submission that are not disqualified). The board's ranks
are distinct: two teams with the same private score are ordered by whose best
submission came first, as the leaderboard shows, so medals and points follow
exactly what the group saw. Only season standings, which add points up, let
ties share a rank (see seasons.standings).
"""
from __future__ import annotations

import math

GOLD, SILVER, BRONZE = "gold", "silver", "bronze"
MEDALS = (GOLD, SILVER, BRONZE)


def medal_cutoffs(teams: int) -> tuple[int, int, int]:
    """(gold, silver, bronze): the last rank that earns each medal; percentages round down."""
    if teams < 100:
        return teams * 10 // 100, teams * 20 // 100, teams * 40 // 100
    if teams < 250:
        return 10, teams * 20 // 100, teams * 40 // 100
    gold = 10 + teams * 2 // 1000  # top 10 + 0.2%
    if teams < 1000:
        return gold, 50, 100
    return gold, teams * 5 // 100, teams * 10 // 100


def medal_for(rank: int, teams: int) -> str | None:
    """The medal for a final rank among `teams` ranked teams, or None."""
    if rank < 1 or rank > teams:
        return None
    gold, silver, bronze = medal_cutoffs(teams)
    if rank <= gold:
        return GOLD
    if rank <= silver:
        return SILVER
    if rank <= bronze:
        return BRONZE
    return None


def points_for(rank: int, teams: int, team_size: int) -> float:
    """Each member's points: 100000 / sqrt(team size) × rank^-0.75 × log10(1 + log10(teams)).

    Kaggle's formula without its time decay. A single ranked team gets none (the
    last factor is 0 there anyway; the rule is stated so nobody relies on rounding).
    """
    if teams < 2 or rank < 1 or rank > teams or team_size < 1:
        return 0.0
    return 100000 / math.sqrt(team_size) * rank ** -0.75 * math.log10(1 + math.log10(teams))


def percentile(rank: int, teams: int) -> float:
    """The share of ranked teams that finished at or below this rank, in percent (1st of 10 = 100)."""
    return round(100 * (teams - rank + 1) / teams, 1) if teams else 0.0
