"""`holdout team ...`: show, rename, invite, invitations, accept (code or link), decline, leave, refused merges."""
from __future__ import annotations

import json
import urllib.parse

import pytest
from client_support import predictions


@pytest.fixture
def people(world, make_user, make_token, monkeypatch):
    """Tokens by username (alice is the world's learner); the server comes from the environment."""
    monkeypatch.setenv("HOLDOUT_SERVER", world.server)
    tokens = {"alice": world.token}
    for name in ("bob", "carol", "dave"):
        tokens[name] = make_token(make_user(name))
    return tokens


@pytest.fixture
def as_user(people, holdout):
    """as_user(username, *argv) -> Result: `holdout` with that user's token."""

    def _run(username, *argv):
        return holdout(*argv, "--token", people[username])

    return _run


def _json(result):
    assert result.code == 0, result.err
    return json.loads(result.out)


def _one_line_error(result) -> str:
    assert result.code == 1, (result.out, result.err)
    assert result.err.startswith("error: ") and result.err.count("\n") == 1, result.err
    assert "Traceback" not in result.err
    return result.err


def _invite(as_user, slug, inviter, username=None) -> dict:
    return _json(as_user(inviter, "team", "invite", slug, *([username] if username else []), "--json"))


def _merge(as_user, slug, inviter, invitee) -> None:
    code = _invite(as_user, slug, inviter, invitee)["code"]
    done = as_user(invitee, "team", "accept", code)
    assert done.code == 0, done.err


def test_show_before_joining_says_how_to_join(as_user, world):
    err = _one_line_error(as_user("alice", "team", "show", world.slug))
    assert "holdout join" in err


def test_team_without_an_action_is_a_usage_error(as_user):
    err = _one_line_error(as_user("alice", "team"))
    assert "holdout team --help" in err


def test_show_and_rename(as_user, world):
    assert as_user("alice", "join", world.slug).code == 0
    shown = as_user("alice", "team", "show", world.slug)
    assert shown.code == 0, shown.err
    lines = shown.out.splitlines()
    assert lines[0] == "Team: alice"
    assert lines[1] == "Members:" and lines[2].split() == ["username", "joined"]
    assert lines[3].split()[0] == "alice" and lines[3].endswith("UTC")
    assert "Pending invitations: none" in lines
    assert any(line.startswith("Team merger deadline: ") and "still possible" in line for line in lines)
    assert "merged" not in shown.out

    body = _json(as_user("alice", "team", "show", world.slug, "--json"))
    assert body["name"] == "alice" and [m["username"] for m in body["members"]] == ["alice"]
    assert body["invitations"] == [] and body["can_merge"] is True and body["merged_at"] is None

    renamed = as_user("alice", "team", "rename", world.slug, "  Gradient   Descenders ")
    assert renamed.code == 0, renamed.err
    assert renamed.out == f"Your team in {world.slug} is now called Gradient Descenders.\n"
    assert _json(as_user("alice", "team", "rename", world.slug, "Gradient Descenders", "--json"))["name"] == \
        "Gradient Descenders"
    assert _json(as_user("alice", "team", "show", world.slug, "--json"))["name"] == "Gradient Descenders"

    # Names are unique within the competition; the refusal names the field.
    assert as_user("bob", "join", world.slug).code == 0
    err = _one_line_error(as_user("bob", "team", "rename", world.slug, "Gradient Descenders"))
    assert "already called" in err and "[field: name]" in err
    assert _json(as_user("bob", "team", "show", world.slug, "--json"))["name"] == "bob"


def test_invite_by_name_then_accept_by_code_merges_the_teams(as_user, world, tmp_path):
    preds = tmp_path / "preds.csv"
    preds.write_bytes(predictions(0.5))
    for name in ("alice", "bob"):
        assert as_user(name, "join", world.slug).code == 0
        assert as_user(name, "submit", world.slug, preds).code == 0
    assert len(_json(as_user("alice", "leaderboard", world.slug, "--json"))["entries"]) == 2

    invited = as_user("alice", "team", "invite", world.slug, "bob")
    assert invited.code == 0, invited.err
    assert invited.out.startswith("Invited bob to team alice; the invitation is open until ")

    # The inviting team sees the pending invitation.
    shown = as_user("alice", "team", "show", world.slug)
    assert "Pending invitations:" in shown.out and "Pending invitations: none" not in shown.out
    (row,) = [line for line in shown.out.splitlines() if line.startswith("  ") and " bob " in f" {line} "]
    # Who invited, the expiry, and the link the team can pass on.
    assert "alice" in row.split() and " UTC " in row and "/invitations/" in row.split()[-1]
    (pending,) = _json(as_user("alice", "team", "show", world.slug, "--json"))["invitations"]
    assert pending["username"] == "bob" and pending["invited_by"] == "alice"

    # The invited user sees it across competitions, with its code.
    (mine,) = _json(as_user("bob", "team", "invitations", "--json"))
    assert (mine["competition"], mine["team"], mine["invited_by"]) == (world.slug, "alice", "alice")
    listed = as_user("bob", "team", "invitations")
    assert listed.code == 0, listed.err
    header, line, hint = listed.out.splitlines()
    assert header.split() == ["code", "competition", "team", "invited", "by", "expires"]
    assert line.split()[:4] == [mine["code"], world.slug, "alice", "alice"] and line.endswith("UTC")
    assert "holdout team accept CODE" in hint
    assert as_user("carol", "team", "invitations").out == "No pending invitations.\n"

    accepted = as_user("bob", "team", "accept", mine["code"])
    assert accepted.code == 0, accepted.err
    assert accepted.out.splitlines()[0] == "You are now in team alice: alice, bob."
    assert "final selections were reset" in accepted.out

    team = _json(as_user("bob", "team", "show", world.slug, "--json"))
    assert team["name"] == "alice" and [m["username"] for m in team["members"]] == ["alice", "bob"]
    assert team["merged_at"] is not None and team["invitations"] == []
    shown = as_user("bob", "team", "show", world.slug)
    assert "This team was merged on " in shown.out and "final selections were reset" in shown.out
    assert as_user("bob", "team", "invitations").out == "No pending invitations.\n"

    # One row on the leaderboard, with both members and both entries.
    (entry,) = _json(as_user("bob", "leaderboard", world.slug, "--json"))["entries"]
    assert entry["team"] == "alice" and entry["members"] == ["alice", "bob"] and entry["entries"] == 2
    board = as_user("bob", "leaderboard", world.slug).out.splitlines()
    assert board[0].split()[-1] == "members" and board[1].endswith("alice, bob") and len(board) == 2

    # An invitation answers once.
    err = _one_line_error(as_user("bob", "team", "accept", mine["code"]))
    assert "already used" in err


def test_an_invite_link_is_accepted_by_its_url_and_only_once(as_user, world):
    assert as_user("alice", "join", world.slug).code == 0
    made = as_user("alice", "team", "invite", world.slug)
    assert made.code == 0, made.err
    lines = made.out.splitlines()
    assert lines[0].startswith("One-time invite link for team alice, valid until ")
    url = lines[1].strip()
    code = lines[2].split()[1]
    assert lines[2].startswith(f"Code: {code} ")
    # The client takes the code from the link's last path segment: the server's links must keep that shape.
    assert urllib.parse.urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1] == code
    assert url.startswith(world.server + "/")

    link = _invite(as_user, world.slug, "alice")
    assert link["username"] is None and link["code"] != code and link["url"].endswith(link["code"])
    shown = _json(as_user("alice", "team", "show", world.slug, "--json"))
    assert len(shown["invitations"]) == 2 and all(i["username"] is None for i in shown["invitations"])
    assert "anyone with the link" in as_user("alice", "team", "show", world.slug).out

    # carol has not joined: accepting a team's link joins her straight into the team.
    merged = _json(as_user("carol", "team", "accept", url, "--json"))
    assert merged["name"] == "alice" and [m["username"] for m in merged["members"]] == ["alice", "carol"]
    assert _json(as_user("carol", "team", "show", world.slug, "--json"))["id"] == merged["id"]

    err = _one_line_error(as_user("dave", "team", "accept", url))
    assert "already used" in err
    # A trailing slash or a query string does not hide the code.
    done = as_user("dave", "team", "accept", link["url"] + "/?from=mail")
    assert done.code == 0, done.err
    assert [m["username"] for m in _json(as_user("dave", "team", "show", world.slug, "--json"))["members"]] == [
        "alice", "carol", "dave"]


def test_decline_by_code_and_by_url(as_user, world):
    for name in ("alice", "bob"):
        assert as_user(name, "join", world.slug).code == 0
    first = _invite(as_user, world.slug, "alice", "bob")
    declined = as_user("bob", "team", "decline", first["code"])
    assert declined.code == 0 and declined.out == "Invitation declined.\n", declined.err
    assert as_user("bob", "team", "invitations").out == "No pending invitations.\n"
    err = _one_line_error(as_user("bob", "team", "accept", first["code"]))
    assert "declined" in err

    second = _invite(as_user, world.slug, "alice", "bob")
    assert second["code"] != first["code"]
    assert _json(as_user("bob", "team", "decline", second["url"], "--json")) == {"declined": True}
    assert _json(as_user("alice", "team", "show", world.slug, "--json"))["invitations"] == []
    assert [m["username"] for m in _json(as_user("bob", "team", "show", world.slug, "--json"))["members"]] == ["bob"]


def test_a_merge_over_the_team_size_is_refused_with_the_rule_and_the_numbers(as_user, world, make_user,
                                                                             make_competition):
    slug = make_competition(make_user("org2", role="organizer"), slug="pairs", max_team_size=2)
    for name in ("alice", "bob", "carol"):
        assert as_user(name, "join", slug).code == 0
    _merge(as_user, slug, "alice", "bob")
    code = _invite(as_user, slug, "alice", "carol")["code"]

    err = _one_line_error(as_user("carol", "team", "accept", code))
    assert "would have 3 members" in err and "at most 2" in err and "[rule: team_size]" in err

    refused = as_user("carol", "team", "accept", code, "--json")
    assert refused.code == 1
    body = json.loads(refused.out)
    assert body["error"] == "merge_refused" and body["rule"] == "team_size" and "at most 2" in body["message"]
    # Nothing changed: carol is still on her own and the invitation is still open.
    assert [m["username"] for m in _json(as_user("carol", "team", "show", slug, "--json"))["members"]] == ["carol"]
    assert [i["code"] for i in _json(as_user("carol", "team", "invitations", "--json"))] == [code]


def test_a_solo_competition_refuses_invitations(as_user, world, make_user, make_competition):
    slug = make_competition(make_user("org2", role="organizer"), slug="solo", max_team_size=1)
    assert as_user("alice", "join", slug).code == 0
    err = _one_line_error(as_user("alice", "team", "invite", slug, "bob"))
    assert "solo only" in err and "[rule: team_size]" in err


def test_a_merge_over_the_submission_allowance_is_refused(as_user, world, make_user, make_competition, tmp_path):
    slug = make_competition(make_user("org2", role="organizer"), slug="capped", daily_limit=1, total_limit=1)
    preds = tmp_path / "preds.csv"
    preds.write_bytes(predictions())
    for name in ("alice", "bob"):
        assert as_user(name, "join", slug).code == 0
        assert as_user(name, "submit", slug, preds).code == 0
    code = _invite(as_user, slug, "alice", "bob")["code"]
    err = _one_line_error(as_user("bob", "team", "accept", code))
    assert "made 2 submissions together" in err and "at most 1" in err and "[rule: submissions]" in err


def test_leave_a_team_but_not_as_its_last_member(as_user, world):
    for name in ("alice", "bob"):
        assert as_user(name, "join", world.slug).code == 0
    err = _one_line_error(as_user("alice", "team", "leave", world.slug))
    assert "last member cannot leave" in err

    _merge(as_user, world.slug, "alice", "bob")
    left = as_user("bob", "team", "leave", world.slug)
    assert left.code == 0, left.err
    assert left.out.startswith(f"You left your team in {world.slug}; you are now team ") and "team of one" in left.out
    mine = _json(as_user("bob", "team", "show", world.slug, "--json"))
    assert [m["username"] for m in mine["members"]] == ["bob"] and mine["name"] != "alice"
    assert [m["username"] for m in _json(as_user("alice", "team", "show", world.slug, "--json"))["members"]] == [
        "alice"]

    _merge(as_user, world.slug, "alice", "bob")
    again = _json(as_user("alice", "team", "leave", world.slug, "--json"))
    assert [m["username"] for m in again["members"]] == ["alice"]
    assert [m["username"] for m in _json(as_user("bob", "team", "show", world.slug, "--json"))["members"]] == ["bob"]
    err = _one_line_error(as_user("bob", "team", "leave", world.slug))
    assert "last member cannot leave" in err


def test_an_unknown_code_or_a_foreign_link_is_a_clean_error(as_user, world):
    err = _one_line_error(as_user("bob", "team", "accept", "no-such-code"))
    assert "No such invitation" in err
    err = _one_line_error(as_user("bob", "team", "accept", "https://elsewhere.example/invitations/no-such-code"))
    assert "No such invitation" in err and "the link is for https://elsewhere.example" in err
    err = _one_line_error(as_user("bob", "team", "decline", "https://elsewhere.example/"))
    assert "no invitation code" in err


@pytest.mark.parametrize(("given", "code"), [
    ("abc_DEF-123", "abc_DEF-123"),
    ("  abc  ", "abc"),
    ("https://holdout.example/invitations/abc", "abc"),
    ("https://holdout.example/sub/path/teams/join/abc/", "abc"),
    ("http://127.0.0.1:5000/invitations/abc?utm=x#top", "abc"),
    ("/invitations/a%2Db", "a-b"),
])
def test_invitation_code_from_a_code_or_a_link(given, code):
    from holdout_client.commands import invitation_code

    assert invitation_code(given) == code


@pytest.mark.parametrize("given", ["", "   ", "https://holdout.example", "https://holdout.example/"])
def test_invitation_code_refuses_input_without_one(given):
    from holdout_client.commands import invitation_code
    from holdout_client.errors import ClientError

    with pytest.raises(ClientError, match="no invitation code"):
        invitation_code(given)
