"""What the public pages show at a glance."""
from __future__ import annotations


def test_competition_list_counts_teams(client, people, make_competition, join, clock):
    competition = make_competition(people.org)
    make_competition(people.org, slug="empty-one")
    join(competition, people.alice)
    join(competition, people.bob)
    page = client.get("/").get_data(as_text=True)
    assert "2 teams" in page
    assert "0 teams" in page
