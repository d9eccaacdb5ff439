"""Study groups, group competitions, seasons, medals and portfolios, through the domain, the web and the API.

The world: alice owns the group "study", bob is its organizer (a learner site-wide), carol
a member, dave an outsider; root is a site admin. bob hosts "group-comp" with visibility
"group". A season covers the whole competition.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from lifecycle_support import AFTER, DEADLINE, DURING, START, metadata, multipart_competition, predictions

from competitions import catalog, groups, lifecycle, participation, seasons, teams
from competitions.models import Award

ROLES = ("anon", "outsider", "member", "group_org", "owner", "admin")
API = "/api/v1"


@dataclass
class World:
    clients: dict
    headers: dict
    invite_code: str
    season_id: int


@pytest.fixture
def world(app, people, make_user, bearer, login, clock, sessions, make_competition) -> World:
    dave = make_user("dave")
    make_user("erin"), make_user("finn")
    with sessions() as s:
        group = groups.create_group(s, s.merge(people.alice), "study", "Study group", "We *learn*.", "private", START)
        groups.set_role(s, group, s.merge(people.alice), "bob", "organizer", START)
        groups.set_role(s, group, s.merge(people.alice), "carol", "member", START)
        # Two more members who compete: the group's hosts manage its competitions, so they may not enter them.
        for name in ("erin", "finn"):
            groups.set_role(s, group, s.merge(people.alice), name, "member", START)
        season = seasons.create_season(s, group, s.merge(people.alice), "Winter", START - timedelta(days=1),
                                       DEADLINE + timedelta(days=30), START)
        s.commit()
        code, season_id = group.invite_code, season.id
    make_competition(people.bob, slug="group-comp", group="study", visibility="group")
    users = {"outsider": dave, "member": people.carol, "group_org": people.bob, "owner": people.alice,
             "admin": people.admin}
    clients, headers = {"anon": app.test_client()}, {"anon": {}}
    for role, user in users.items():
        clients[role] = app.test_client()
        assert login(clients[role], user.username).status_code == 302
        headers[role] = bearer(user)
    return World(clients, headers, code, season_id)


# --- who sees what -----------------------------------------------------------------------------

SEES_GROUP = {"member", "group_org", "owner", "admin"}


@pytest.mark.parametrize("role", ROLES)
def test_group_competition_is_seen_by_members_only_on_web_and_api(world, role):
    web = world.clients[role].get("/c/group-comp")
    api = world.clients["anon"].get(f"{API}/competitions/group-comp", headers=world.headers[role])
    expected = 200 if role in SEES_GROUP else 404
    assert web.status_code == expected and api.status_code == expected
    listed = world.clients["anon"].get(f"{API}/competitions", headers=world.headers[role]).get_json()
    assert ("group-comp" in [c["slug"] for c in listed]) == (role in SEES_GROUP)
    if expected == 200:
        assert api.get_json()["group"] == "study"


@pytest.mark.parametrize("role", ROLES)
def test_private_group_page_and_api_agree(world, role):
    expected = 200 if role in SEES_GROUP else 404
    assert world.clients[role].get("/g/study").status_code == expected
    detail = world.clients["anon"].get(f"{API}/groups/study", headers=world.headers[role])
    assert detail.status_code == expected
    if expected == 200:
        # Only those who manage the group see its invite code.
        assert ("invite_code" in detail.get_json()) == (role in {"owner", "admin"})
    members = world.clients["anon"].get(f"{API}/groups/study/members", headers=world.headers[role])
    assert members.status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_only_group_hosts_manage_the_group_competition(world, role):
    page = world.clients[role].get("/organize/group-comp")
    expected = {"anon": 302, "outsider": 403, "member": 403}.get(role, 200)
    assert page.status_code == expected
    patch = world.clients["anon"].patch(f"{API}/competitions/group-comp", json={"subtitle": "new"},
                                        headers=world.headers[role])
    assert patch.status_code == {"anon": 401, "outsider": 404, "member": 403}.get(role, 200)


def test_joining_a_group_competition_needs_the_group(world, clock):
    assert world.clients["anon"].post(f"{API}/competitions/group-comp/join",
                                      headers=world.headers["outsider"]).status_code == 404
    assert world.clients["anon"].post(f"{API}/competitions/group-comp/join",
                                      headers=world.headers["member"]).status_code == 200


# --- membership -----------------------------------------------------------------------------

def test_invite_link_joins_and_rotating_ends_it(world):
    out = world.clients["anon"]
    wrong = out.post(f"{API}/groups/study/join", json={"code": "nope"}, headers=world.headers["outsider"])
    assert wrong.status_code == 404
    ok = out.post(f"{API}/groups/study/join", json={"code": world.invite_code}, headers=world.headers["outsider"])
    assert ok.status_code == 200 and ok.get_json()["role"] == "member"
    assert out.get(f"{API}/competitions/group-comp", headers=world.headers["outsider"]).status_code == 200
    rotated = out.patch(f"{API}/groups/study", json={"rotate_invite_code": True}, headers=world.headers["owner"])
    assert rotated.get_json()["invite_code"] != world.invite_code
    # A member cannot rotate or change settings.
    assert out.patch(f"{API}/groups/study", json={"name": "x"}, headers=world.headers["member"]).status_code == 403


def test_web_invite_link_page_then_join(world):
    client = world.clients["outsider"]
    assert client.get("/g/study/join/wrong").status_code == 404
    page = client.get(f"/g/study/join/{world.invite_code}")
    assert page.status_code == 200 and "Join the group" in page.get_data(as_text=True)
    joined = client.post(f"/g/study/join/{world.invite_code}")
    assert joined.status_code == 303 and client.get("/g/study").status_code == 200


def test_request_and_approval_in_a_public_group(world, sessions, people):
    owner = world.headers["owner"]
    anon = world.clients["anon"]
    assert anon.patch(f"{API}/groups/study", json={"visibility": "public"}, headers=owner).status_code == 200
    # Public: anyone sees the page; joining still needs approval.
    assert world.clients["anon"].get("/g/study").status_code == 200
    asked = world.clients["outsider"].post("/g/study/request")
    assert asked.status_code == 303
    page = world.clients["owner"].get("/g/study").get_data(as_text=True)
    assert "Requests to join" in page and "dave" in page
    # Only owners answer.
    assert world.clients["member"].post("/g/study/requests/dave/approve").status_code == 403
    assert world.clients["owner"].post("/g/study/requests/dave/approve").status_code == 303
    members = anon.get(f"{API}/groups/study/members").get_json()
    assert {"username": "dave", "role": "member"}.items() <= next(m for m in members if m["username"] == "dave").items()


def test_roles_and_removal_through_the_api(world):
    anon, owner = world.clients["anon"], world.headers["owner"]
    assert anon.put(f"{API}/groups/study/members/carol", json={"role": "boss"}, headers=owner).status_code == 400
    assert anon.put(f"{API}/groups/study/members/carol", json={"role": "organizer"},
                    headers=world.headers["member"]).status_code == 403
    assert anon.put(f"{API}/groups/study/members/carol", json={"role": "organizer"},
                    headers=owner).get_json() == {"username": "carol", "role": "organizer"}
    # The last owner can neither step down nor leave.
    assert anon.put(f"{API}/groups/study/members/alice", json={"role": "member"}, headers=owner).status_code == 409
    assert anon.delete(f"{API}/groups/study/members/alice", headers=owner).status_code == 409
    assert anon.delete(f"{API}/groups/study/members/carol", headers=owner).status_code == 200
    assert anon.get(f"{API}/competitions/group-comp", headers=world.headers["member"]).status_code == 404


def test_create_group_through_the_api_and_the_web(world):
    anon = world.clients["anon"]
    created = anon.post(f"{API}/groups", json={"slug": "ml-club", "name": "ML club", "description": "hi",
                                               "visibility": "public"}, headers=world.headers["outsider"])
    assert created.status_code == 201 and created.get_json()["role"] == "owner" and created.get_json()["invite_code"]
    taken = anon.post(f"{API}/groups", json={"slug": "ml-club", "name": "Again"}, headers=world.headers["member"])
    assert taken.status_code == 409 and taken.get_json()["field"] == "slug"
    assert anon.post(f"{API}/groups", json={"slug": "x", "name": "y"}).status_code == 401
    form = world.clients["member"].post("/groups", data={"slug": "Bad Slug", "name": "N", "description": "",
                                                         "visibility": "public"})
    assert form.status_code == 422 and "lowercase" in form.get_data(as_text=True)
    good = world.clients["member"].post("/groups", data={"slug": "readers", "name": "Readers", "description": "",
                                                         "visibility": "private"})
    assert good.status_code == 303 and good.headers["Location"].endswith("/g/readers")


def test_group_organizer_hosts_without_a_site_role(world, people):
    anon = world.clients["anon"]
    meta = metadata("bob-second", group="study", visibility="group")
    made = anon.post(f"{API}/competitions", data=multipart_competition(meta), headers=world.headers["group_org"])
    assert made.status_code == 201 and made.get_json()["group"] == "study"
    # A plain member may not host for the group, nor a learner without any group.
    denied = anon.post(f"{API}/competitions", data=multipart_competition(metadata("carol-comp", group="study")),
                       headers=world.headers["member"])
    assert denied.status_code == 403
    assert anon.post(f"{API}/competitions", data=multipart_competition(metadata("no-group")),
                     headers=world.headers["member"]).status_code == 403
    needs_group = anon.post(f"{API}/competitions", data=multipart_competition(metadata("x-comp", visibility="group")),
                            headers=world.headers["admin"])
    assert needs_group.status_code == 400 and needs_group.get_json()["field"] == "group"
    # The web form offers the group to its organizer.
    page = world.clients["group_org"].get("/organize/new?group=study")
    assert page.status_code == 200 and 'value="study"' in page.get_data(as_text=True)
    assert world.clients["member"].get("/organize/new").status_code == 403


# --- finalize: medals, points, standings, reopen -----------------------------------------------

def _field(sessions, clock, people, join, submit, *, team_up: bool = False):
    """erin (0.1), carol (0.2) and finn (0.3), members all: three ranked teams in group-comp."""
    from competitions import accounts
    with sessions() as s:
        comp = catalog.get_competition(s, "group-comp")
        erin, carol, finn = (accounts.find_user(s, n) for n in ("erin", "carol", "finn"))
        for user in (erin, carol, finn):
            participation.join(s, comp, user, DURING)
        if team_up:
            inv = teams.invite(s, comp, erin, DURING, username="carol")
            teams.accept(s, inv.code, carol, DURING)
        s.commit()
    comp = type("C", (), {"slug": "group-comp"})
    submit(comp, erin, predictions(0.1))
    if not team_up:
        submit(comp, carol, predictions(0.2))
    submit(comp, finn, predictions(0.3))


def _finalize(sessions, people, when=AFTER):
    with sessions() as s:
        comp = catalog.get_competition(s, "group-comp")
        lifecycle.finalize(s, comp, s.merge(people.bob), when)
        s.commit()


def test_finalize_awards_medals_and_season_points(world, sessions, people, join, submit, clock):
    _field(sessions, clock, people, join, submit)
    _finalize(sessions, people)
    with sessions() as s:
        rows = {a.user.username: (a.rank, a.teams, a.medal, round(a.points)) for a in s.query(Award)}
    # 3 ranked teams: gold 0, silver 0, bronze floor(1.2) = 1.
    from competitions.medals import points_for
    assert rows == {"erin": (1, 3, "bronze", round(points_for(1, 3, 1))),
                    "carol": (2, 3, None, round(points_for(2, 3, 1))),
                    "finn": (3, 3, None, round(points_for(3, 3, 1)))}
    clock.now = AFTER
    body = world.clients["anon"].get(f"{API}/groups/study/seasons/{world.season_id}/standings",
                                     headers=world.headers["member"]).get_json()
    assert [(e["rank"], e["username"]) for e in body["entries"]] == [(1, "erin"), (2, "carol"), (3, "finn")]
    assert body["entries"][0]["medals"] == {"gold": 0, "silver": 0, "bronze": 1}
    assert body["entries"][0]["competitions"][0] | {} == {"slug": "group-comp", "rank": 1, "teams": 3,
                                                          "points": round(points_for(1, 3, 1), 2), "medal": "bronze"}
    page = world.clients["member"].get(f"/g/study/seasons/{world.season_id}").get_data(as_text=True)
    assert "<svg class=\"sparkline\"" in page and "erin" in page
    # Outsiders see neither the standings nor the season.
    assert world.clients["anon"].get(f"{API}/groups/study/seasons/{world.season_id}/standings",
                                     headers=world.headers["outsider"]).status_code == 404


def test_a_team_of_several_shares_its_rank_and_splits_points_by_size(world, sessions, people, join, submit, clock):
    _field(sessions, clock, people, join, submit, team_up=True)
    _finalize(sessions, people)
    from competitions.medals import points_for
    with sessions() as s:
        rows = {a.user.username: (a.rank, a.team_size, a.points) for a in s.query(Award)}
        season = s.get(seasons.Season, world.season_id)
        table = seasons.standings(s, season)
    assert rows["erin"] == rows["carol"] == (1, 2, pytest.approx(points_for(1, 2, 2)))
    # Teammates tie in the standings: they share rank 1 and the next is 3.
    assert [(e.username, e.rank) for e in table] == [("carol", 1), ("erin", 1), ("finn", 3)]


def test_reopen_withdraws_until_finalized_again(world, sessions, people, join, submit, clock):
    _field(sessions, clock, people, join, submit)
    _finalize(sessions, people)
    with sessions() as s:
        lifecycle.reopen(s, catalog.get_competition(s, "group-comp"), s.merge(people.admin), "wrong key", AFTER)
        s.commit()
        assert s.query(Award).count() == 0
    clock.now = AFTER
    folio = world.clients["anon"].get(f"{API}/users/erin", headers=world.headers["member"]).get_json()
    assert folio["medals"] == {"gold": 0, "silver": 0, "bronze": 0}
    _finalize(sessions, people, AFTER + timedelta(hours=1))
    with sessions() as s:
        assert s.query(Award).count() == 3


def test_practice_and_no_season_give_no_points(world, sessions, people, join, submit, clock):
    with sessions() as s:
        comp = catalog.get_competition(s, "group-comp")
        comp.practice = True
        s.commit()
    _field(sessions, clock, people, join, submit)
    _finalize(sessions, people)
    with sessions() as s:
        assert {(a.medal, a.points, a.season_id) for a in s.query(Award)} == {(None, 0.0, None)}
        # Ranks stay, for the portfolio.
        assert sorted(a.rank for a in s.query(Award)) == [1, 2, 3]


def test_finalized_after_the_season_closed_gives_medals_but_no_points(world, sessions, people, join, submit):
    with sessions() as s:
        season = s.get(seasons.Season, world.season_id)
        seasons.close_season(s, season, s.merge(people.alice), DURING)
        s.commit()
    _field(sessions, None, people, join, submit)
    _finalize(sessions, people)
    with sessions() as s:
        rows = {a.user.username: (a.medal, a.points, a.season_id) for a in s.query(Award)}
    assert rows["erin"] == ("bronze", 0.0, None)


def test_seasons_api_and_overlap(world, clock):
    anon, owner = world.clients["anon"], world.headers["owner"]
    listed = anon.get(f"{API}/groups/study/seasons", headers=owner).get_json()
    assert [s["name"] for s in listed] == ["Winter"] and listed[0]["open"] is True
    overlap = anon.post(f"{API}/groups/study/seasons", json={"name": "Spring", "start": "2030-01-15T00:00Z",
                                                            "end": "2030-06-01T00:00Z"}, headers=owner)
    assert overlap.status_code == 409
    later = anon.post(f"{API}/groups/study/seasons", json={"name": "Summer", "start": "2030-06-01T00:00Z",
                                                          "end": "2030-09-01T00:00Z"}, headers=owner)
    assert later.status_code == 201 and {"id", "name", "start", "end"} <= set(later.get_json())
    assert anon.post(f"{API}/groups/study/seasons", json={"name": "S", "start": "2031-01-01", "end": "2031-02-01"},
                     headers=world.headers["group_org"]).status_code == 403


# --- portfolios -------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_portfolio_hides_group_competitions_from_those_outside_the_group(world, sessions, people, join, submit,
                                                                         clock, role):
    _field(sessions, clock, people, join, submit)
    _finalize(sessions, people)
    clock.now = AFTER
    api = world.clients["anon"].get(f"{API}/users/erin", headers=world.headers[role])
    web = world.clients[role].get("/u/erin")
    assert api.status_code == 200 and web.status_code == 200
    slugs = [c["slug"] for c in api.get_json()["competitions"]]
    sees = role in SEES_GROUP
    assert slugs == (["group-comp"] if sees else [])
    assert ("House prices" in web.get_data(as_text=True)) == sees
    assert api.get_json()["medals"]["bronze"] == (1 if sees else 0)
    assert [g["slug"] for g in api.get_json()["groups"]] == (["study"] if sees else [])
    if sees:
        entry = api.get_json()["competitions"][0]
        assert (entry["rank"], entry["teams"], entry["percentile"], entry["medal"], entry["submissions"]) == \
            (1, 3, 100.0, "bronze", 1)
        assert entry["best_private_score"] == pytest.approx(0.1, abs=1e-3)


@pytest.mark.parametrize("visibility, sees", [
    ("public", set(ROLES)),
    ("members", set(ROLES) - {"anon"}),
    ("private", {"member", "admin"}),  # carol herself, and admins
])
def test_profile_visibility_for_every_viewer(world, visibility, sees):
    saved = world.clients["member"].post("/profile/public", data={
        "display_name": "Carol C.", "bio": "Learning ML", "github": "https://github.com/carol", "website": "",
        "visibility": visibility})
    assert saved.status_code == 303
    for role in ROLES:
        web = world.clients[role].get("/u/carol")
        api = world.clients["anon"].get(f"{API}/users/carol", headers=world.headers[role])
        expected = 200 if role in sees else 403
        assert (web.status_code, api.status_code) == (expected, expected), role
        if expected == 200:
            assert api.get_json()["display_name"] == "Carol C."
            assert world.clients[role].get("/u/carol/print").status_code == 200


def test_profile_links_must_be_web_addresses(world):
    bad = world.clients["member"].post("/profile/public", data={
        "display_name": "", "bio": "", "github": "javascript:alert(1)", "website": "", "visibility": "public"})
    assert bad.status_code == 422 and "not a web address" in bad.get_data(as_text=True)


def test_running_competition_shows_the_current_public_rank_only(world, sessions, people, join, submit, clock):
    _field(sessions, clock, people, join, submit)
    entry = world.clients["anon"].get(f"{API}/users/carol", headers=world.headers["member"]).get_json()["competitions"][0]
    assert (entry["rank"], entry["teams"], entry["final"], entry["medal"], entry["best_private_score"]) == \
        (2, 3, False, None, None)
    assert world.clients["anon"].get(f"{API}/users/carol", headers=world.headers["outsider"]).get_json()[
        "competitions"] == []
    assert world.clients["anon"].get(f"{API}/users/nobody").status_code == 404


# --- found by review: access that must follow the group, not a leftover team --------------------


def test_a_member_removed_from_the_group_no_longer_sees_its_competition(world, people, sessions, join):
    join(_Slug("group-comp"), people.carol)  # carol competes, then leaves the group
    with sessions() as s:
        groups.remove_member(s, groups.get_group(s, "study"), s.merge(people.alice), "carol")
        s.commit()
    assert world.clients["member"].get("/c/group-comp").status_code == 404
    assert world.clients["anon"].get(f"{API}/competitions/group-comp",
                                     headers=world.headers["member"]).status_code == 404


def test_a_host_who_competes_gets_no_manager_rights_in_that_competition(world, people, sessions, join):
    join(_Slug("group-comp"), people.carol)
    with sessions() as s:
        groups.set_role(s, groups.get_group(s, "study"), s.merge(people.alice), "carol", "organizer", START)
        s.commit()
    carol = world.clients["member"]
    assert carol.get("/organize/group-comp/solution").status_code == 403
    assert carol.get("/c/group-comp/leaderboard?board=private").status_code == 403
    assert world.clients["anon"].get(f"{API}/competitions/group-comp/leaderboard?board=private",
                                     headers=world.headers["member"]).status_code == 403
    # The host who does not compete keeps them.
    assert world.clients["group_org"].get("/organize/group-comp/solution").status_code == 200


def test_a_private_groups_name_is_not_shown_on_its_public_competitions(world, people, make_competition):
    make_competition(people.bob, slug="open-comp", group="study", visibility="public")
    anon = world.clients["anon"].get(f"{API}/competitions/open-comp").get_json()
    assert anon["group"] is None
    member = world.clients["anon"].get(f"{API}/competitions/open-comp", headers=world.headers["member"]).get_json()
    assert member["group"] == "study"


class _Slug:
    def __init__(self, slug: str):
        self.slug = slug


def test_a_bad_role_form_says_what_was_wrong_on_the_group_page(world):
    page = world.clients["owner"].post("/g/study/members/carol/role", data={"role": "emperor"},
                                       follow_redirects=True)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Not a valid choice" in text and "is now" not in text
