"""The HTML leaderboard: error bars, the distribution, tie brackets and their explanation, the jump
link, the members column, paging with the viewer's neighbourhood, and the shake-up after finalize."""
from __future__ import annotations

import re
from datetime import datetime

from lifecycle_support import AFTER, DURING, UTC, predictions
from test_board_ties import nudged, scaled

from competitions import catalog, lifecycle, teams, ties
from competitions.models import Team

URL = "/c/house-prices/leaderboard"
EXPLANATION = "are statistically tied"


def at(hour: int) -> datetime:
    return datetime(2030, 1, 10, hour, tzinfo=UTC)


def rows_of(page: str) -> list[str]:
    return re.findall(r'<tr id="team-\d+"', page)


def test_error_bars_distribution_ties_and_jump_link(client, clock, sessions, people, make_competition, join,
                                                    submit, login):
    competition = make_competition(people.org)
    for user in (people.alice, people.bob, people.carol):
        join(competition, user)
    submit(competition, people.alice, scaled(1.0), at(9))
    submit(competition, people.bob, nudged(), at(10))
    submit(competition, people.carol, scaled(4.0), at(11))
    page = client.get(URL).get_data(as_text=True)
    assert page.count('<svg class="ci-bar"') == 3 and 'aria-label="Score ' in page
    assert '<svg class="score-hist"' in page and "Distribution of 3 teams" in page
    assert EXPLANATION in page
    assert page.count('class="tie tie-') == 2 and "tied with the team above" in page
    assert 'href="/static/leaderboard.css"' in page
    assert "Jump to my team" not in page      # anonymous: no team to jump to
    assert '<th class="members"' not in page  # every team has one member
    assert "<style" not in page and "<script>" not in page  # the strict CSP: no inline style or script

    login(client, "carol")
    page = client.get(URL).get_data(as_text=True)
    carol = next(t for t in re.findall(r'<tr id="team-(\d+)"', page))
    assert "Jump to my team (#3)" in page
    with sessions() as s:
        carol_id = s.query(Team).filter_by(name="carol").one().id
    assert f'href="#team-{carol_id}"' in page and f'<tr id="team-{carol_id}"' in page and carol


def test_no_explanation_without_ties_and_a_day_column(client, clock, people, make_competition, join, submit):
    competition = make_competition(people.org)
    for user in (people.alice, people.bob):
        join(competition, user)
    submit(competition, people.alice, scaled(1.0), at(9))
    submit(competition, people.bob, scaled(4.0), at(10))
    page = client.get(URL).get_data(as_text=True)
    assert EXPLANATION not in page and 'class="tie ' not in page
    assert ">Today</abbr>" in page and page.count('<span class="badge info">new</span>') == 2


def test_members_column_appears_when_a_team_has_several(client, clock, sessions, people, make_competition, join,
                                                        submit):
    competition = make_competition(people.org, max_team_size=3)
    for user in (people.alice, people.bob, people.carol):
        join(competition, user)
    submit(competition, people.alice, predictions(0.2), at(9))
    submit(competition, people.carol, predictions(0.4), at(9))
    with sessions() as s:
        c = catalog.get_competition(s, competition.slug)
        code = teams.invite(s, c, s.merge(people.alice), at(10), username="bob").code
        teams.accept(s, code, s.merge(people.bob), at(10))
        s.commit()
    page = client.get(URL).get_data(as_text=True)
    assert '<th class="members"' in page and "alice, bob" in page


def test_names_are_escaped_in_the_table_and_the_shake_up_chart(client, clock, sessions, people, make_competition,
                                                               join, submit):
    competition = make_competition(people.org)
    for user in (people.alice, people.bob):
        join(competition, user)
    submit(competition, people.alice, predictions(0.1, 0.9), at(9))
    submit(competition, people.bob, predictions(0.3, 0.2), at(10))
    with sessions() as s:
        c = catalog.get_competition(s, competition.slug)
        teams.rename(s, c, s.merge(people.alice), '<b>"Al" & co</b>', at(11))
        lifecycle.finalize(s, c, s.merge(people.org), AFTER)
        s.commit()
    clock.now = AFTER
    page = client.get(URL + "?board=private").get_data(as_text=True)
    assert "<b>" not in page
    assert "&lt;b&gt;&#34;Al&#34; &amp; co&lt;/b&gt;" in page
    assert '<svg class="rank-scatter"' in page and "public #1, private #2 (fell 1)" in page
    assert "Public rank against private rank for 2 teams: 1 rose, 1 fell" in page
    assert "Δ public" in page and "↓1" in page and "↑1" in page


def test_the_shake_up_note_after_finalize(client, clock, sessions, people, make_competition, join, submit,
                                          storage):
    competition = make_competition(people.org, daily_limit=10)
    users = [people.alice, people.bob, people.carol, people.org2, people.admin]
    for user in users:
        join(competition, user)
    # alice tops the public board after many tries and falls to last in private.
    for k in range(6):
        submit(competition, people.alice, predictions(0.05 + k * 0.001, 0.9), at(9))
    for k, user in enumerate(users[1:], start=1):
        submit(competition, user, predictions(0.1 * k, 0.1 * k), at(10))
    with sessions() as s:
        c = catalog.get_competition(s, competition.slug)
        ties.bind_storage(s, storage)
        lifecycle.finalize(s, c, s.merge(people.org), AFTER)
        s.commit()
    clock.now = AFTER
    page = client.get(URL + "?board=private").get_data(as_text=True)
    assert page.count('class="shake-note"') == 1
    assert "Fell 4 places, from #1 on the public board to #5 on the private one, after 6 submissions" in page
    assert "overfitting the public board" in page and "Hollow dots have a note" in page


def test_a_long_board_is_paged_and_shows_the_viewers_neighbourhood(client, clock, sessions, people,
                                                                   make_competition, join, login):
    competition = make_competition(people.org)
    join(competition, people.alice)
    with sessions() as s:
        c = catalog.get_competition(s, competition.slug)
        # Standing rows are what the board reads: 150 ranked teams, alice's at rank 140.
        for i in range(1, 151):
            if i == 140:
                team = s.query(Team).filter_by(competition_id=c.id, name="alice").one()
            else:
                team = Team(competition_id=c.id, name=f"t{i:03d}", created_at=DURING)
                s.add(team)
            team.best_public_score, team.best_public_at, team.entries = i / 100, DURING, 1
        s.commit()
    page = client.get(URL).get_data(as_text=True)
    assert len(rows_of(page)) == 100 and "Rows 1–100 of 150" in page
    assert 'href="/c/house-prices/leaderboard?page=2"' in page and "Around your team" not in page
    login(client, "alice")
    page = client.get(URL).get_data(as_text=True)
    assert "Around your team" in page and len(rows_of(page)) == 107  # 100 + ranks 137..143
    assert "Jump to my team (#140)" in page
    page2 = client.get(URL + "?page=2").get_data(as_text=True)
    assert len(rows_of(page2)) == 50 and "Around your team" not in page2 and "Rows 101–150 of 150" in page2
    assert client.get(URL + "?page=abc").status_code == 400
    assert client.get(URL + "?page=0").status_code == 400
    # The page and the API read ?page= and ?board= by the same rule, in the same words.
    huge = client.get(URL + "?page=99999999999999999999")
    assert huge.status_code == 400 and "page is a whole number of at least 1." in huge.get_data(as_text=True)
    api = client.get("/api/v1/competitions/house-prices/leaderboard?page=99999999999999999999").get_json()
    assert api["message"] == "page is a whole number of at least 1."
    unknown = client.get(URL + "?board=xyz")
    assert unknown.status_code == 400 and "board is &#39;public&#39; or &#39;private&#39;." in unknown.get_data(as_text=True)
    assert client.get("/api/v1/competitions/house-prices/leaderboard?board=xyz").status_code == 400
    assert len(rows_of(client.get(URL + "?page=9").get_data(as_text=True))) == 7  # past the end: only yours


def test_the_cached_table_is_never_stale(client, clock, people, make_competition, join, submit):
    competition = make_competition(people.org)
    for user in (people.alice, people.bob):
        join(competition, user)
    submit(competition, people.alice, scaled(1.0), at(9))
    assert len(rows_of(client.get(URL).get_data(as_text=True))) == 1  # cached now
    submit(competition, people.bob, nudged(), at(10))
    page = client.get(URL).get_data(as_text=True)
    assert len(rows_of(page)) == 2 and EXPLANATION in page  # the new standing and its tie mark, at once
