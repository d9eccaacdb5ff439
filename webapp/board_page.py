"""What the HTML leaderboard shows: one page of the board (competitions.leaderboard.page_of, the API's
paging), the viewer's neighbourhood when their team is not on it, the pictures, the tie brackets and
after finalize the shake-up. The table itself is rendered by a viewer-independent partial, cached
with the board cache when there is one (webapp/board_cache.py); the viewer-specific bits (jump link,
histogram mark, neighbourhood) are rendered around it."""
from __future__ import annotations

import math

from flask import render_template
from markupsafe import Markup

from competitions import leaderboard, shakeup, standings, ties

from . import board_cache, charts_board


def page_number(raw: str | None) -> int:
    """?page=: a whole number from 1; anything else is the viewer's mistake, said plainly."""
    return leaderboard.paging(raw, None)[0]  # the API's rule and words


def context(session, competition, viewer, entries, which: str, team, page: int, writeups, now) -> dict:
    per_page = leaderboard.PER_PAGE
    shown, total = leaderboard.page_of(entries, page, per_page)
    pages = max(1, math.ceil(total / per_page))
    shown_ids = {e.team_id for e in shown}
    my_entry = next((e for e in entries if team is not None and e.team_id == team.id), None)
    hood = [e for e in leaderboard.neighbourhood(entries, my_entry.team_id if my_entry else None)
            if e.team_id not in shown_ids]
    finalized = competition.finalized_at is not None
    notes = shakeup.notes(entries) if which == "private" and finalized else {}
    scatter = Markup("")
    if which == "private" and finalized:
        scatter = charts_board.rank_scatter(shakeup.moves(entries), highlight=set(notes))
    # One scale for every error bar on the page: the page's rows set it (so the cached table is the same
    # for every viewer), and the neighbourhood is drawn on it, with what lies beyond marked as such.
    table_args = {"c": competition, "scale": charts_board.scale_for(shown or hood), "board": which, "writeups": writeups, "notes": notes,
                  "show_members": any(len(e.members) > 1 for e in entries)}
    return {
        "total": total, "page": page, "pages": pages,
        "first_row": (page - 1) * per_page + 1, "last_row": min(page * per_page, total),
        "my_entry": my_entry, "notes": notes, "scatter": scatter,
        "any_tie": any(e.tied_with_above for e in shown + hood),
        "histogram": charts_board.histogram([e.score for e in entries], standings.greater_is_better(competition),
                                            mark=my_entry.score if my_entry else None),
        "table": _table(session, competition, viewer, which, f"page={page}", shown, table_args, now,
                        f"{which.capitalize()} leaderboard"),
        "neighbourhood_table": _table(session, competition, viewer, which,
                                      f"ranks={hood[0].rank}-{hood[-1].rank}:page={page}" if hood else "", hood,
                                      table_args, now, "Your team and its neighbours") if hood else Markup(""),
    }


def _table(session, competition, viewer, which: str, part: str, rows, args: dict, now, caption: str) -> Markup:
    """The partial for these rows, on the page's scale (args["scale"]), from the board cache: its key
    holds the standings version and the UTC day, and ``part`` names the rows (a page, or a range of
    ranks with the page whose scale it shares)."""
    def build() -> bytes:
        return render_template("competitions/_board_table.html", rows=rows, caption=caption,
                               bars={e.team_id: charts_board.error_bar(e, args["scale"]) for e in rows},
                               tie_groups=ties.groups(rows), **args).encode()

    # Write-up links are not part of the standings version: their ids are part of the key instead.
    links = ",".join(f"{k}:{v}" for k, v in sorted((args["writeups"] or {}).items()))
    return Markup(board_cache.cached(session, competition, which, viewer, "html:_board_table", build, now,
                                     rows=part, writeups=links).decode())
