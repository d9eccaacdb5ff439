"""Teams through the HTML views: the Team tab, invitations, merges and their refusals, leaving,
and the organizer's Teams section, signed in with the session cookie."""
from __future__ import annotations

import html as htmllib
import re
from datetime import timedelta

from lifecycle_support import DEADLINE, predictions

C = "/c/house-prices"
O = "/organize/house-prices"


def signed_in(app, login, username: str):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def text_of(response) -> str:
    return htmllib.unescape(response.get_data(as_text=True))


def field_errors(response, name: str) -> list[str]:
    """The error messages shown next to the form field called `name`."""
    page = response.get_data(as_text=True)
    for block in re.findall(r'<div class="field[^"]*has-error[^"]*">(.*?)</div>', page, re.S):
        if f'name="{name}"' in block:
            return [htmllib.unescape(e) for e in re.findall(r'<p class="error">(.*?)</p>', block, re.S)]
    return []


def invitation_codes(response) -> list[str]:
    return re.findall(r"/invitations/([A-Za-z0-9_-]{20,})", response.get_data(as_text=True))


def leaderboard_members(client, slug: str = "house-prices") -> list[str]:
    page = client.get(f"/c/{slug}/leaderboard")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    if '<th class="members"' not in html:
        # Only teams of one: the board shows no members column, and each team is its one member.
        return [htmllib.unescape(m).strip() for m in re.findall(r'<td class="team">([^<]+)', html)]
    return [htmllib.unescape(m) for m in re.findall(r'<td class="members">(.*?)</td>', html)]


def flashes(response) -> list[str]:
    return [htmllib.unescape(m) for m in
            re.findall(r'<p class="flash[^"]*" role="status">(.*?)</p>', response.get_data(as_text=True), re.S)]


def invite(client, username: str | None = None, slug: str = "house-prices") -> str:
    """Invite by username, or make a link; returns the new invitation's code, read off the Team tab."""
    before = set(invitation_codes(client.get(f"/c/{slug}/team")))
    data = {"username": username} if username else {"link": "1"}
    response = client.post(f"/c/{slug}/team/invitations", data=data)
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/c/{slug}/team")
    new = set(invitation_codes(client.get(f"/c/{slug}/team"))) - before
    assert len(new) == 1, new
    return new.pop()


# --- the Team tab and renaming ----------------------------------------------------------------


def test_the_team_tab_renames_the_team_and_refuses_a_taken_or_bad_name(app, people, login, clock,
                                                                        make_competition, join):
    competition = make_competition(people.org)
    join(competition, people.alice)
    join(competition, people.bob)
    alice, bob, carol = (signed_in(app, login, n) for n in ("alice", "bob", "carol"))

    tab = alice.get(f"{C}/team")
    page = text_of(tab)
    assert tab.status_code == 200 and f'href="{C}/team" class="active"' in page
    assert 'name="name"' in page and 'value="alice"' in page
    assert "Team merger deadline" in page and "2030-01-25 00:00 UTC" in page  # 7 days before the deadline
    assert "Maximum team size" in page
    # Not joined: the Team tab sends you to the Overview, where the join form is; the tab is not offered.
    assert carol.get(f"{C}/team").headers["Location"].endswith(C)
    assert f'href="{C}/team"' not in carol.get(C).get_data(as_text=True)

    renamed = alice.post(f"{C}/team/name", data={"name": "  Gradient   Descenders "})
    assert renamed.status_code == 303 and renamed.headers["Location"].endswith(f"{C}/team")
    after = alice.get(f"{C}/team")
    assert "Your team is now called Gradient Descenders." in flashes(after)
    assert 'value="Gradient Descenders"' in after.get_data(as_text=True)

    taken = bob.post(f"{C}/team/name", data={"name": "Gradient Descenders"})
    assert taken.status_code == 409
    assert field_errors(taken, "name") == ["Another team is already called 'Gradient Descenders'."]
    assert 'value="Gradient Descenders"' in taken.get_data(as_text=True)  # what bob typed is kept

    for bad in ("", "   ", "x" * 81):
        refused = bob.post(f"{C}/team/name", data={"name": bad})
        assert refused.status_code == 422, bad
        assert field_errors(refused, "name") == ["A team name is 1 to 80 characters."]
    assert bob.post(f"{C}/team/name", data={"name": "y" * 80}).status_code == 303
    assert 'value="' + "y" * 80 + '"' in bob.get(f"{C}/team").get_data(as_text=True)
    # Only members rename: anyone else gets the page that says to join first.
    assert carol.post(f"{C}/team/name", data={"name": "Sneaky"}).status_code == 403


# --- inviting by username, accepting, declining -----------------------------------------------


def test_an_invitation_by_username_shows_to_the_invitee_and_accepting_merges(app, people, login, clock,
                                                                             make_competition, join, submit):
    competition = make_competition(people.org)
    join(competition, people.alice)
    join(competition, people.bob)
    join(competition, people.carol)
    submit(competition, people.alice, predictions(0.2))
    submit(competition, people.bob, predictions(0.5))
    alice, bob, carol = (signed_in(app, login, n) for n in ("alice", "bob", "carol"))
    assert sorted(leaderboard_members(alice)) == ["alice", "bob"]  # two teams of one

    code = invite(alice, "bob")
    tab = text_of(alice.get(f"{C}/team"))
    assert "For bob" in re.sub(r"<[^>]+>", "", tab)
    assert f"http://localhost/invitations/{code}" in tab  # the full link, to copy

    # bob sees it on the competition's Overview and on his profile; carol does not.
    assert invitation_codes(bob.get(C)) == [code]
    profile = text_of(bob.get("/profile"))
    assert f"/invitations/{code}" in profile and "House prices" in profile
    assert invitation_codes(carol.get(C)) == [] and invitation_codes(carol.get("/profile")) == []
    # It is bob's: for anyone else the address leads nowhere.
    assert carol.get(f"/invitations/{code}").status_code == 404

    page = bob.get(f"/invitations/{code}")
    body = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", text_of(page)))
    assert page.status_code == 200
    assert "alice invites you to join team alice in House prices" in body
    assert "Accepting merges your team, bob (bob), into alice" in body
    assert 'name="accept_rules"' not in page.get_data(as_text=True)  # bob joined already

    accepted = bob.post(f"/invitations/{code}/accept", data={})
    assert accepted.status_code == 303 and accepted.headers["Location"].endswith(f"{C}/team")
    merged = bob.get(f"{C}/team")
    assert "You are in team alice." in flashes(merged)
    merged_text = text_of(merged)
    assert "The merge reset the final selections" in merged_text and "automatic choice" in merged_text
    assert re.findall(r"<tr><td>(\w+)", merged.get_data(as_text=True)) == ["alice", "bob"]

    # One leaderboard row for the merged team, naming both members; My submissions says who uploaded each.
    assert leaderboard_members(carol) == ["alice, bob"]
    mine = bob.get(f"{C}/submissions").get_data(as_text=True)
    assert sorted(re.findall(r'<td class="by">(\w+)</td>', mine)) == ["alice", "bob"]
    # Answered: gone from the profile, and the address says it was used.
    assert invitation_codes(bob.get("/profile")) == []
    used = bob.get(f"/invitations/{code}")
    assert used.status_code == 409 and "This invitation was already used." in text_of(used)
    assert 'action="/invitations/' not in used.get_data(as_text=True)  # no buttons


def test_declining_and_withdrawing_an_invitation(app, people, login, clock, make_competition, join):
    competition = make_competition(people.org)
    for user in (people.alice, people.bob, people.carol):
        join(competition, user)
    alice, bob, carol = (signed_in(app, login, n) for n in ("alice", "bob", "carol"))

    code = invite(alice, "bob")
    declined = bob.post(f"/invitations/{code}/decline")
    assert declined.status_code == 303 and declined.headers["Location"].endswith("/profile")
    profile = bob.get("/profile")
    assert "You declined the invitation to team alice." in flashes(profile)
    assert invitation_codes(profile) == [] and invitation_codes(bob.get(C)) == []
    gone = bob.get(f"/invitations/{code}")
    assert gone.status_code == 409 and "This invitation was declined or withdrawn." in text_of(gone)
    # Accepting it afterwards is refused on the invitation page, and nothing merges.
    late = bob.post(f"/invitations/{code}/accept", data={})
    assert late.status_code == 409 and text_of(late).count("This invitation was declined or withdrawn.") == 1
    assert code not in invitation_codes(alice.get(f"{C}/team"))
    assert sorted(leaderboard_members(alice)) == []  # no scored submissions: no rows at all

    withdrawn = invite(alice, "carol")
    assert invitation_codes(carol.get(C)) == [withdrawn]
    team_page = alice.get(f"{C}/team").get_data(as_text=True)
    revoke_path = re.search(r'action="(/c/house-prices/team/invitations/\d+/revoke)"', team_page).group(1)
    response = alice.post(revoke_path)
    assert response.status_code == 303 and response.headers["Location"].endswith(f"{C}/team")
    assert "Invitation withdrawn: its link no longer works." in flashes(alice.get(f"{C}/team"))
    assert invitation_codes(carol.get(C)) == []
    assert carol.get(f"/invitations/{withdrawn}").status_code == 409
    # Another team's member cannot withdraw it: it is not theirs (404).
    assert bob.post(revoke_path).status_code == 404


# --- refused merges ------------------------------------------------------------------------------


def test_a_refused_merge_says_which_rule_failed_with_the_numbers(app, people, login, clock, make_competition, join,
                                                                 submit):
    competition = make_competition(people.org, max_team_size=2)
    for user in (people.alice, people.bob, people.carol):
        join(competition, user)
    alice, bob, carol = (signed_in(app, login, n) for n in ("alice", "bob", "carol"))
    assert bob.post(f"/invitations/{invite(alice, 'bob')}/accept").status_code == 303

    full = text_of(alice.get(f"{C}/team"))
    assert "Your team is full" in full
    code = invite(alice, "carol")
    refused = carol.post(f"/invitations/{code}/accept", data={})
    assert refused.status_code == 409
    assert ("The merged team would have 3 members; this competition allows at most 2."
            in flashes(refused))
    assert 'action="/invitations/' in refused.get_data(as_text=True)  # still open: the buttons stay
    assert re.findall(r"<tr><td>(\w+)", carol.get(f"{C}/team").get_data(as_text=True)) == ["carol"]

    # The submissions rule: one team could have made 1 in all, the two made 2.
    other = make_competition(people.org, slug="totals", total_limit=1)
    join(other, people.alice)
    join(other, people.bob)
    submit(other, people.alice, predictions(0.2))
    submit(other, people.bob, predictions(0.3))
    code = invite(alice, "bob", slug="totals")
    refused = bob.post(f"/invitations/{code}/accept", data={})
    assert refused.status_code == 409
    assert any("The two teams have made 2 submissions together; a merged team may have at most 1 so far" in m
               for m in flashes(refused))
    assert sorted(leaderboard_members(bob, "totals")) == ["alice", "bob"]


def test_after_the_merger_deadline_invitations_expire_and_merging_is_closed(app, people, login, clock,
                                                                            make_competition, join):
    competition = make_competition(people.org)
    join(competition, people.alice)
    join(competition, people.bob)
    alice, bob = signed_in(app, login, "alice"), signed_in(app, login, "bob")
    code = invite(alice, "bob")

    clock.now = DEADLINE - timedelta(days=7)  # the default merger deadline: merging is over from this moment
    expired = "This invitation expired at the team merger deadline, 2030-01-25 00:00 UTC."
    page = bob.get(f"/invitations/{code}")
    assert page.status_code == 409 and expired in text_of(page)
    refused = bob.post(f"/invitations/{code}/accept", data={})
    assert refused.status_code == 409 and expired in text_of(refused)
    assert invitation_codes(bob.get(C)) == []

    tab = alice.get(f"{C}/team")
    assert "Merging is closed: the team merger deadline has passed." in text_of(tab)
    assert 'name="username"' not in tab.get_data(as_text=True)  # no invite forms
    assert 'name="link"' not in tab.get_data(as_text=True)
    late = alice.post(f"{C}/team/invitations", data={"link": "1"})
    assert late.status_code == 409
    assert "Teams can merge teams only before the team merger deadline" in text_of(late)


# --- leaving -------------------------------------------------------------------------------------


def test_leaving_a_team(app, people, login, clock, make_competition, join, submit):
    competition = make_competition(people.org)
    join(competition, people.alice)
    join(competition, people.bob)
    submit(competition, people.alice, predictions(0.2))
    alice, bob = signed_in(app, login, "alice"), signed_in(app, login, "bob")

    alone = alice.post(f"{C}/team/leave")
    assert alone.status_code == 303 and alone.headers["Location"].endswith(f"{C}/team")
    assert "The last member cannot leave a team." in flashes(alice.get(f"{C}/team"))
    assert "Leave team" not in text_of(alice.get(f"{C}/team"))  # a team of one is not offered to leave

    assert bob.post(f"/invitations/{invite(alice, 'bob')}/accept").status_code == 303
    confirm = bob.get(f"{C}/team/leave")  # the confirmation, without JavaScript
    assert confirm.status_code == 200 and "Yes, leave the team" in text_of(confirm)
    assert f'href="{C}/team/leave"' in alice.get(f"{C}/team").get_data(as_text=True)

    refused = alice.post(f"{C}/team/leave")
    assert refused.status_code == 303
    assert any("alice has 1 submission in this team" in m for m in flashes(alice.get(f"{C}/team")))

    left = bob.post(f"{C}/team/leave")
    assert left.status_code == 303 and left.headers["Location"].endswith(f"{C}/team")
    tab = bob.get(f"{C}/team")
    assert "You left alice. You are now on your own, as team bob." in flashes(tab)
    assert re.findall(r"<tr><td>(\w+)", tab.get_data(as_text=True)) == ["bob"]
    assert re.findall(r"<tr><td>(\w+)", alice.get(f"{C}/team").get_data(as_text=True)) == ["alice"]


# --- invite links --------------------------------------------------------------------------------


def test_an_invite_link_joins_a_newcomer_straight_into_the_team(app, people, login, clock, make_competition, join):
    competition = make_competition(people.org)
    join(competition, people.alice)
    alice, bob, carol = (signed_in(app, login, n) for n in ("alice", "bob", "carol"))
    code = invite(alice)
    assert "Invite link" in text_of(alice.get(f"{C}/team"))

    page = carol.get(f"/invitations/{code}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "Be nice." in body and 'name="accept_rules"' in body
    assert "You have not joined this competition yet" in text_of(page)

    unchecked = carol.post(f"/invitations/{code}/accept", data={})
    assert unchecked.status_code == 422
    assert field_errors(unchecked, "accept_rules") == ["Accept the rules to join the competition with this team."]
    assert carol.get(f"{C}/team").status_code == 302  # still not joined

    accepted = carol.post(f"/invitations/{code}/accept", data={"accept_rules": "y"})
    assert accepted.status_code == 303 and accepted.headers["Location"].endswith(f"{C}/team")
    tab = carol.get(f"{C}/team")
    assert "You joined the competition as a member of team alice." in flashes(tab)
    assert re.findall(r"<tr><td>(\w+)", tab.get_data(as_text=True)) == ["alice", "carol"]
    assert carol.get(f"{C}/submit").status_code == 200  # a member now

    # One use only.
    used = bob.get(f"/invitations/{code}")
    assert used.status_code == 409 and "This invitation was already used." in text_of(used)
    # Its own team opening it is told so, without buttons.
    own = alice.get(f"/invitations/{invite(alice)}")
    assert own.status_code == 200 and "You are already in this team." in text_of(own)
    assert 'action="/invitations/' not in own.get_data(as_text=True)
    # An unknown code is a 404, and anonymous visitors sign in first.
    assert bob.get("/invitations/no-such-code").status_code == 404
    anonymous = app.test_client().get(f"/invitations/{code}")
    assert anonymous.status_code == 302 and "/signin" in anonymous.headers["Location"]


# --- the organizer's Teams section -----------------------------------------------------------------


def test_the_organizer_sees_teams_and_removes_a_member_and_the_audit_log_says_so(app, people, login, clock,
                                                                                  make_competition, join, submit):
    competition = make_competition(people.org)
    team = join(competition, people.alice)
    join(competition, people.bob)
    submit(competition, people.alice, predictions(0.2))
    alice, bob, org = (signed_in(app, login, n) for n in ("alice", "bob", "org"))
    assert bob.post(f"/invitations/{invite(alice, 'bob')}/accept").status_code == 303

    manage = org.get(O)
    page = text_of(manage)
    section = page[page.index('id="teams"'):page.index("All submissions")]
    assert "alice" in section and "bob" in section and "merged" in section
    remove = f"{O}/teams/{team.id}/members/{{}}/remove"
    assert remove.format(people.bob.id) in section and remove.format(people.alice.id) in section

    # Not for learners; refused for a member with submissions; allowed otherwise.
    assert alice.post(remove.format(people.bob.id)).status_code == 403
    refused = org.post(remove.format(people.alice.id))
    assert refused.status_code == 303 and refused.headers["Location"].endswith(O)
    assert any("alice has 1 submission in this team" in m for m in flashes(org.get(O)))
    removed = org.post(remove.format(people.bob.id))
    assert removed.status_code == 303
    after = org.get(O)
    assert "Member removed: they are now on their own, as team bob." in flashes(after)
    assert re.findall(r"<tr><td>(\w+)", bob.get(f"{C}/team").get_data(as_text=True)) == ["bob"]

    audit = text_of(after)
    audit = audit[audit.index("<h2>Audit log</h2>"):]
    assert "<td>merge</td>" in audit and "<td>remove member</td>" in audit
    assert "team: bob; into: alice; by: bob" in audit
    assert "team: alice; member: bob; new team: bob" in audit
    # A member of a team of one has no remove button.
    section = text_of(after)
    section = section[section.index('id="teams"'):section.index("All submissions")]
    assert "/members/" not in section


# --- the competition form and the Overview ------------------------------------------------------


def edit_form(**overrides) -> dict:
    form = {"title": "House prices", "slug": "house-prices", "subtitle": "", "description_md": "d",
            "rules_md": "Be nice.", "metric": "rmse", "metric_params": "", "labels": "", "id_column": "id",
            "start_at": "2030-01-01T00:00", "deadline_at": "2030-02-01T00:00", "daily_limit": "5",
            "total_limit": "", "final_selections": "2", "visibility": "public"}
    form.update(overrides)
    return form


def test_the_competition_form_sets_team_size_and_merger_deadline(app, people, login, clock, make_competition):
    make_competition(people.org)
    org = signed_in(app, login, "org")
    edit = org.get(f"{O}/edit").get_data(as_text=True)
    assert re.search(r'name="max_team_size"[^>]*value="5"', edit)
    assert re.search(r'name="team_merger_deadline"[^>]*value=""', edit)
    overview = text_of(org.get(C))
    assert "Teams of up to 5" in overview and "2030-01-25 00:00 UTC" in overview

    saved = org.post(f"{O}/edit", data=edit_form(max_team_size="3", team_merger_deadline="2030-01-20T06:30"))
    assert saved.status_code == 302, field_errors(saved, "team_merger_deadline")
    overview = text_of(org.get(C))
    assert "Teams of up to 3" in overview and "2030-01-20 06:30 UTC" in overview
    assert 'value="2030-01-20T06:30"' in org.get(f"{O}/edit").get_data(as_text=True)

    late = org.post(f"{O}/edit", data=edit_form(team_merger_deadline="2030-03-01T00:00"))
    assert late.status_code == 422
    assert field_errors(late, "team_merger_deadline") == [
        "The team merger deadline must fall between the start and the deadline."]
    too_big = org.post(f"{O}/edit", data=edit_form(max_team_size="0"))
    assert too_big.status_code == 422 and field_errors(too_big, "max_team_size")

    # Emptied, it goes back to the default, 7 days before the deadline; 1 means solo only.
    assert org.post(f"{O}/edit", data=edit_form(max_team_size="1", team_merger_deadline="")).status_code == 302
    overview = text_of(org.get(C))
    assert "Solo only" in overview and "Teams of up to" not in overview
    assert 'value=""' in re.search(r'<input[^>]*name="team_merger_deadline"[^>]*>',
                                   org.get(f"{O}/edit").get_data(as_text=True)).group(0)


def test_an_invitation_from_ones_own_team_is_no_longer_listed(app, people, login, clock, make_competition, join):
    """bob, invited by name, joins alice's team through her link instead: the named invitation is moot."""
    competition = make_competition(people.org)
    join(competition, people.alice)
    join(competition, people.bob)
    alice, bob = signed_in(app, login, "alice"), signed_in(app, login, "bob")
    named = invite(alice, "bob")
    assert invitation_codes(bob.get(C)) == [named]
    assert bob.post(f"/invitations/{invite(alice)}/accept", data={}).status_code == 303
    assert invitation_codes(bob.get(C)) == [] and invitation_codes(bob.get("/profile")) == []
