"""The shake-up after finalize: how far each team moved from the public board to the private one,
and a plain-words note for teams whose drop looks like overfitting the public board.

The rule (one place, used by the page and the API).  A team *fell* ``drop = private rank -
public rank`` places. A drop is *large* when it is at least ``max(3, 10% of the teams on the
private board)`` places: smaller moves happen to anyone when the private rows differ a little.
It is large *for the number of submissions* when the team also made at least
``max(5, the median number of submissions on the board)``: every submission scored on the
public rows is one more chance to pick what fits those rows by luck, so a team that tried many
times and then fell far most likely tuned its choices to the public rows. A team that fell far
after few submissions gets no note: that is the noise of a small test set, not something it did.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import median

MIN_DROP = 3
DROP_SHARE = 0.10
MIN_SUBMISSIONS = 5


@dataclass(frozen=True)
class Move:
    team_id: int
    team: str
    public_rank: int | None
    private_rank: int
    entries: int
    note: str | None = None

    @property
    def drop(self) -> int | None:
        return None if self.public_rank is None else self.private_rank - self.public_rank


def thresholds(private_entries) -> tuple[int, int]:
    """(places, submissions): a drop of at least ``places`` after at least ``submissions`` gets a note."""
    entries = list(private_entries)
    places = max(MIN_DROP, math.ceil(DROP_SHARE * len(entries)))
    typical = median([e.entries for e in entries]) if entries else 0
    return places, max(MIN_SUBMISSIONS, math.ceil(typical))


def moves(private_entries) -> list[Move]:
    """One Move per team on the private board (Entry.rank_change is public rank - private rank)."""
    entries = list(private_entries)
    places, submissions = thresholds(entries)
    out = []
    for e in entries:
        public_rank = None if e.rank_change is None else e.rank + e.rank_change
        move = Move(e.team_id, e.team, public_rank, e.rank, e.entries)
        if move.drop is not None and move.drop >= places and e.entries >= submissions:
            move = Move(e.team_id, e.team, public_rank, e.rank, e.entries, note=_note(move, submissions))
        out.append(move)
    return out


def _note(move: Move, submissions: int) -> str:
    return (f"Fell {move.drop} places, from #{move.public_rank} on the public board to #{move.private_rank} "
            f"on the private one, after {move.entries} submissions (many here: {submissions} or more). "
            "Many tries scored on the same public rows can fit those rows by luck: "
            "a sign of overfitting the public board.")


def notes(private_entries) -> dict[int, str]:
    """Team id -> its note, for the teams that get one."""
    return {m.team_id: m.note for m in moves(private_entries) if m.note}
