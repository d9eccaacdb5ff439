"""Every route against every kind of caller, and no route serving the solution to the wrong person.

Callers: anonymous, a learner who has not joined, a joined learner (who has one scored
submission), another organizer, the competition's owner and an admin. The competition is
public and open; the frozen clock sits between its start and its deadline.

An expected status is an int, or "302>/suffix" for a redirect whose Location ends so. For HTML
routes, anonymous 302s must go to the sign-in page.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta

import pytest
from lifecycle_support import AFTER, TEST_CSV, assert_no_solution, predictions, sha256, solution_csv

ROLES = ("anon", "outsider", "member", "other_org", "owner", "admin")
MANAGERS = {"owner", "admin"}
C = "/c/house-prices"
O = "/organize/house-prices"
A = "/api/v1/competitions"


@dataclass
class World:
    app: object
    sid: int       # the member's submission
    tid: int       # the member's team
    uid: int       # a bystander whose role the admin may change
    headers: dict  # role -> API headers
    clients: dict  # role -> signed-in test client
    iid: int = 0   # a pending invitation of the member's team (a link: its code is LINK)
    mid: int = 0   # the member's user id


# The member's team's invite link, with a fixed code so the expected redirects can name it.
LINK = "matrix-invite-link-code"


@pytest.fixture
def world(app, people, bearer, login, clock, make_user, make_competition, join, submit, sessions) -> World:
    from competitions import catalog, teams

    competition = make_competition(people.org)
    team = join(competition, people.alice)
    sub = submit(competition, people.alice, predictions(0.2))
    with sessions() as s:
        link = teams.invite(s, catalog.get_competition(s, competition.slug), s.merge(people.alice), clock.now)
        link.code = LINK
        s.commit()
        iid = link.id
    dave = make_user("dave")
    users = {"outsider": people.carol, "member": people.alice, "other_org": people.org2, "owner": people.org,
             "admin": people.admin}
    names = {"outsider": "carol", "member": "alice", "other_org": "org2", "owner": "org", "admin": "root"}
    clients = {"anon": app.test_client()}
    headers = {"anon": {}}
    for role, user in users.items():
        clients[role] = app.test_client()
        assert login(clients[role], names[role]).status_code == 302
        headers[role] = bearer(user)
    return World(app, sub.id, team.id, dave.id, headers, clients, iid=iid, mid=people.alice.id)


def competition_form(slug: str, with_files: bool = True) -> dict:
    form = {"title": "Another", "slug": slug, "subtitle": "", "description_md": "d", "rules_md": "r",
            "metric": "rmse", "metric_params": "", "id_column": "id", "start_at": "2030-01-01T00:00",
            "deadline_at": "2030-02-01T00:00", "daily_limit": "5", "total_limit": "", "final_selections": "2",
            "visibility": "public", "public_fraction": "0.3", "seed": "0"}
    if with_files:
        form["solution"] = (io.BytesIO(solution_csv()), "solution.csv")
        form["files"] = [(io.BytesIO(TEST_CSV), "test.csv")]
    return form


def api_competition(slug: str) -> dict:
    from lifecycle_support import metadata, multipart_competition

    return multipart_competition(metadata(slug))


def upload(role: str) -> dict:
    return {"file": (io.BytesIO(predictions(0.3)), "p.csv"), "description": role}


# (id, method, path, data factory(role, world) or None, expected per ROLES, json body?)
SIGNIN = 302
HTML = [
    ("index", "get", "/", None, (200, 200, 200, 200, 200, 200)),
    ("overview", "get", C, None, (200, 200, 200, 200, 200, 200)),
    ("data", "get", f"{C}/data", None, (200, 200, 200, 200, 200, 200)),
    ("download", "get", f"{C}/files/train.csv", None, (403, 403, 200, 403, 200, 200)),
    ("download-solution-name", "get", f"{C}/files/solution.csv", None, (404,) * 6),
    ("download-all", "get", f"{C}/data.zip", None, (403, 403, 200, 403, 200, 200)),
    ("leaderboard", "get", f"{C}/leaderboard", None, (200,) * 6),
    ("leaderboard-private", "get", f"{C}/leaderboard?board=private", None, (403, 403, 403, 403, 200, 200)),
    ("leaderboard-csv", "get", f"{C}/leaderboard.csv", None, (200,) * 6),
    ("leaderboard-csv-private", "get", f"{C}/leaderboard.csv?board=private", None,
     (403, 403, 403, 403, 200, 200)),
    # Its owner holds the answer key, so cannot join as a learner; an admin may, to test (marked staff).
    ("join", "post", f"{C}/join", lambda r, w: {"accept_rules": "y"},
     (SIGNIN,) + (f"302>{C}/submit",) * 3 + (403, f"302>{C}/submit")),
    ("submit-page", "get", f"{C}/submit", None, (SIGNIN, f"302>{C}", 200, f"302>{C}", f"302>{C}", f"302>{C}")),
    ("submit", "post", f"{C}/submit", lambda r, w: upload(r),
     (SIGNIN, f"302>{C}", f"302>{C}/submissions", f"302>{C}", f"302>{C}", f"302>{C}")),
    ("my-submissions", "get", f"{C}/submissions", None,
     (SIGNIN, f"302>{C}", 200, f"302>{C}", f"302>{C}", f"302>{C}")),
    # Only members select; anyone else gets the 403 page that says to join first.
    ("selection", "post", f"{C}/selection", lambda r, w: {"submission_ids": [str(w.sid)]},
     (SIGNIN, 403, f"303>{C}/submissions", 403, 403, 403)),
    ("submission-file", "get", f"{C}/submissions/{{sid}}/file", None, (SIGNIN, 404, 200, 404, 200, 200)),
    ("submission-status", "get", f"{C}/submissions/{{sid}}/status", None, (SIGNIN, 404, 200, 404, 200, 200)),
    ("health", "get", "/healthz", None, (200,) * 6),
    ("organize-new-page", "get", "/organize/new", None, (SIGNIN, 403, 403, 200, 200, 200)),
    ("organize-new", "post", "/organize/new", lambda r, w: competition_form(f"made-by-{r.replace('_', '-')}"),
     (SIGNIN, 403, 403, "302>/organize/made-by-other-org", "302>/organize/made-by-owner",
      "302>/organize/made-by-admin")),
    ("manage", "get", O, None, (SIGNIN, 403, 403, 403, 200, 200)),
    ("edit-page", "get", f"{O}/edit", None, (SIGNIN, 403, 403, 403, 200, 200)),
    ("edit", "post", f"{O}/edit", lambda r, w: competition_form("house-prices", with_files=False),
     (SIGNIN, 403, 403, 403, f"302>{O}", f"302>{O}")),
    ("add-files", "post", f"{O}/files", lambda r, w: {"files": [(io.BytesIO(b"id\n1\n"), f"{r}.csv")]},
     (SIGNIN, 403, 403, 403, f"303>{O}", f"303>{O}")),
    ("delete-file", "post", f"{O}/files/{{victim}}/delete", None, (SIGNIN, 403, 403, 403, f"303>{O}", f"303>{O}")),
    ("download-solution", "get", f"{O}/solution", None, (SIGNIN, 403, 403, 403, 200, 200)),
    ("preview-solution", "post", f"{O}/solution/preview",
     lambda r, w: {"solution": (io.BytesIO(solution_csv(shift=1)), "v2.csv")}, (SIGNIN, 403, 403, 403, 200, 200)),
    ("confirm-solution", "post", f"{O}/solution/confirm", lambda r, w: {"sha256": sha256(solution_csv())},
     (SIGNIN, 403, 403, 403, f"303>{O}", f"303>{O}")),
    ("disqualify-submission", "post", f"{O}/submissions/{{sid}}/disqualify", lambda r, w: {"reason": "copied"},
     (SIGNIN, 403, 403, 403, f"303>{O}", f"303>{O}")),
    ("disqualify-team", "post", f"{O}/teams/{{tid}}/disqualify", lambda r, w: {"reason": "two accounts"},
     (SIGNIN, 403, 403, 403, f"303>{O}", f"303>{O}")),
    ("finalize", "post", f"{O}/finalize", lambda r, w: {}, (SIGNIN, 403, 403, 403, f"303>{O}", f"303>{O}")),
    # Drafts (competitions/drafts.py): this one is published, so publishing again or deleting it is refused
    # with a message on the Manage tab; the confirmation pages work without JavaScript.
    ("finalize-page", "get", f"{O}/finalize", None, (SIGNIN, 403, 403, 403, 200, 200)),
    ("publish", "post", f"{O}/publish", lambda r, w: {}, (SIGNIN, 403, 403, 403, f"303>{O}", f"303>{O}")),
    ("delete-draft-page", "get", f"{O}/delete", None, (SIGNIN, 403, 403, 403, 200, 200)),
    ("delete-draft", "post", f"{O}/delete", lambda r, w: {}, (SIGNIN, 403, 403, 403, f"303>{O}", f"303>{O}")),
    ("disqualify-submission-page", "get", f"{O}/submissions/{{sid}}/disqualify", None,
     (SIGNIN, 403, 403, 403, 200, 200)),
    # Not disqualified: refused with a message on the Manage tab.
    ("reinstate-submission", "post", f"{O}/submissions/{{sid}}/reinstate", None,
     (SIGNIN, 403, 403, 403, f"303>{O}", f"303>{O}")),
    ("close-page", "get", f"{O}/close", None, (SIGNIN, 403, 403, 403, 200, 200)),
    ("close", "post", f"{O}/close", lambda r, w: {}, (SIGNIN, 403, 403, 403, f"303>{O}", f"303>{O}")),
    # Only admins reopen; the owner's refusal is a 403 page, the admin's (not finalized) a message.
    ("reopen", "post", f"{O}/reopen", lambda r, w: {"reason": "typo in the key"},
     (SIGNIN, 403, 403, 403, 403, f"303>{O}")),
    ("submissions-csv", "get", f"{O}/submissions.csv", None, (SIGNIN, 403, 403, 403, 200, 200)),
    # Teams. The member's team is alice alone, with one submission: she may rename and invite, but not
    # leave (the last member: a message on the Team tab); an organizer cannot remove her either.
    ("team", "get", f"{C}/team", None, (SIGNIN, f"302>{C}", 200, f"302>{C}", f"302>{C}", f"302>{C}")),
    ("team-rename", "post", f"{C}/team/name", lambda r, w: {"name": f"Team {r}"},
     (SIGNIN, 403, f"303>{C}/team", 403, 403, 403)),
    ("team-invite", "post", f"{C}/team/invitations", lambda r, w: {"username": "dave"},
     (SIGNIN, 403, f"303>{C}/team", 403, 403, 403)),
    ("team-invite-link", "post", f"{C}/team/invitations", lambda r, w: {"link": "1"},
     (SIGNIN, 403, f"303>{C}/team", 403, 403, 403)),
    ("team-revoke", "post", f"{C}/team/invitations/{{iid}}/revoke", None,
     (SIGNIN, 403, f"303>{C}/team", 403, 403, 403)),
    ("team-leave-page", "get", f"{C}/team/leave", None, (SIGNIN, f"302>{C}", 200, f"302>{C}", f"302>{C}", f"302>{C}")),
    ("team-leave", "post", f"{C}/team/leave", None, (SIGNIN, 403, f"303>{C}/team", 403, 403, 403)),
    # The link is a capability: anyone signed in may open it (its own team is told it is already in).
    ("invitation", "get", f"/invitations/{LINK}", None, (SIGNIN, 200, 200, 200, 200, 200)),
    ("invitation-unknown", "get", "/invitations/no-such-code", None, (SIGNIN, 404, 404, 404, 404, 404)),
    # The outsider accepts first (joining the member's team); for everyone after, the link is used.
    ("invitation-accept", "post", f"/invitations/{LINK}/accept", lambda r, w: {"accept_rules": "y"},
     (SIGNIN, f"303>{C}/team", 409, 409, 409, 409)),
    # A link is never declined (that would use it up for everyone): the refusal shows on its page.
    ("invitation-decline", "post", f"/invitations/{LINK}/decline", None,
     (SIGNIN,) + (f"303>/invitations/{LINK}",) * 5),
    ("remove-member", "post", f"{O}/teams/{{tid}}/members/{{mid}}/remove", None,
     (SIGNIN, 403, 403, 403, f"303>{O}", f"303>{O}")),
    ("admin-users", "get", "/admin/users", None, (SIGNIN, 403, 403, 403, 403, 200)),
    ("admin-set-role", "post", "/admin/users/{uid}/role", lambda r, w: {"role": "organizer"},
     (SIGNIN, 403, 403, 403, 403, "302>/admin/users")),
    ("profile", "get", "/profile", None, (SIGNIN, 200, 200, 200, 200, 200)),
    ("create-token", "post", "/profile/tokens", lambda r, w: {"label": "x"}, (SIGNIN,) + ("302>/profile",) * 5),
    ("sign-out-everywhere", "post", "/profile/sign-out-everywhere", None, (SIGNIN,) + ("302>/profile",) * 5),
    ("admin-reset-link", "post", "/admin/users/{uid}/reset-link", None, (SIGNIN, 403, 403, 403, 403, "302>/admin/users")),
    # Discussion: everyone who sees the competition reads; joined learners, its organizer and admins post.
    ("discussion", "get", f"{C}/discussion", None, (200,) * 6),
    ("discussion-new-page", "get", f"{C}/discussion/new", None, (SIGNIN, 403, 200, 403, 200, 200)),
    ("discussion-new", "post", f"{C}/discussion/new", lambda r, w: {"title": f"by {r}", "body": "hello"},
     (SIGNIN, 403, "303>", 403, "303>", "303>")),
    ("discussion-topic-unknown", "get", f"{C}/discussion/999999", None, (404,) * 6),
    # Write-ups open at finalize: before, a member is sent back to the Solutions tab; others have no team.
    ("solutions", "get", f"{C}/solutions", None, (200,) * 6),
    ("writeup-page", "get", f"{C}/writeup", None, (SIGNIN, 403, f"303>{C}/solutions", 403, 403, 403)),
    ("notifications", "get", "/notifications", None, (SIGNIN, 200, 200, 200, 200, 200)),
    ("notifications-read", "post", "/notifications/read", None, (SIGNIN,) + ("303>/notifications",) * 5),
    ("notifications-settings", "post", "/notifications/settings", lambda r, w: {"email_reply": "1"},
     (SIGNIN,) + ("303>/notifications#settings",) * 5),
    ("forgot-without-smtp", "get", "/forgot", None, (404,) * 6),
    # Groups and portfolios (issue 9): any signed-in user may create a group; portfolios are public by default.
    ("groups", "get", "/groups", None, (200,) * 6),
    ("group-create", "post", "/groups", lambda r, w: {"slug": f"g-{r.replace('_', '-')}", "name": "G",
                                                      "description": "", "visibility": "private"},
     (SIGNIN, "303>/g/g-outsider", "303>/g/g-member", "303>/g/g-other-org", "303>/g/g-owner", "303>/g/g-admin")),
    ("group-unknown", "get", "/g/no-such-group", None, (404,) * 6),
    ("portfolio", "get", "/u/alice", None, (200,) * 6),
    ("portfolio-print", "get", "/u/alice/print", None, (200,) * 6),
    ("profile-edit-page", "get", "/profile/public", None, (SIGNIN, 200, 200, 200, 200, 200)),
    ("profile-edit", "post", "/profile/public", lambda r, w: {"display_name": r, "bio": "", "github": "",
                                                              "website": "", "visibility": "members"},
     (SIGNIN,) + ("303>/u/carol", "303>/u/alice", "303>/u/org2", "303>/u/org", "303>/u/root")),
]

API = [
    ("api-list", "get", A, None, (200,) * 6),
    ("api-create", "post", A, lambda r, w: api_competition(f"api-by-{r.replace('_', '-')}"),
     (401, 403, 403, 201, 201, 201)),
    ("api-detail", "get", f"{A}/house-prices", None, (200,) * 6),
    ("api-join", "post", f"{A}/house-prices/join", None, (401, 200, 200, 200, 403, 200)),
    ("api-files", "get", f"{A}/house-prices/files", None, (200,) * 6),
    ("api-file", "get", f"{A}/house-prices/files/train.csv", None, (403, 403, 200, 403, 200, 200)),
    ("api-file-solution-name", "get", f"{A}/house-prices/files/solution.csv", None, (404,) * 6),
    ("api-submit", "post", f"{A}/house-prices/submissions", lambda r, w: upload(r), (401, 403, 201, 403, 403, 403)),
    ("api-validate", "post", f"{A}/house-prices/validate", lambda r, w: upload(r), (401, 403, 200, 403, 403, 403)),
    ("api-submissions", "get", f"{A}/house-prices/submissions", None, (401, 403, 200, 403, 200, 200)),
    ("api-submission", "get", f"{A}/house-prices/submissions/{{sid}}", None, (401, 403, 200, 403, 200, 200)),
    ("api-selection", "put", f"{A}/house-prices/selection", "json", (401, 403, 200, 403, 403, 403)),
    ("api-leaderboard", "get", f"{A}/house-prices/leaderboard", None, (200,) * 6),
    # The same rule as the web page: managers preview the private board before finalize.
    ("api-leaderboard-private", "get", f"{A}/house-prices/leaderboard?board=private", None,
     (403, 403, 403, 403, 200, 200)),
    ("api-finalize-early", "post", f"{A}/house-prices/finalize", None, (401, 403, 403, 403, 409, 409)),
    ("api-update", "patch", f"{A}/house-prices", {"title": "Renamed"}, (401, 403, 403, 403, 200, 200)),
    ("api-solution", "post", f"{A}/house-prices/solution",
     lambda r, w: {"solution": (io.BytesIO(solution_csv(shift=1)), "v2.csv")}, (401, 403, 403, 403, 200, 200)),
    # The owner disqualifies first, so the admin's second try is a conflict.
    ("api-dq-submission", "post", f"{A}/house-prices/submissions/{{sid}}/disqualify", {"reason": "copied"},
     (401, 403, 403, 403, 200, 409)),
    ("api-dq-team", "post", f"{A}/house-prices/teams/{{tid}}/disqualify", {"reason": "two accounts"},
     (401, 403, 403, 403, 200, 409)),
    ("api-reinstate", "post", f"{A}/house-prices/teams/{{tid}}/reinstate", None, (401, 403, 403, 403, 200, 200)),
    # Not disqualified, and already published: conflicts for its managers.
    ("api-reinstate-submission", "post", f"{A}/house-prices/submissions/{{sid}}/reinstate", None,
     (401, 403, 403, 403, 409, 409)),
    ("api-publish", "post", f"{A}/house-prices/publish", None, (401, 403, 403, 403, 409, 409)),
    # The owner closes it first, so the admin's try finds it closed already.
    ("api-close", "post", f"{A}/house-prices/close", None, (401, 403, 403, 403, 200, 409)),
    ("api-reopen", "post", f"{A}/house-prices/reopen", {"reason": "typo in the key"}, (401, 403, 403, 403, 403, 409)),
    ("api-audit", "get", f"{A}/house-prices/audit", None, (401, 403, 403, 403, 200, 200)),
    ("api-groups", "get", "/api/v1/groups", None, (200,) * 6),
    # One slug for all: the first caller creates it, everyone after finds it taken.
    ("api-group-create", "post", "/api/v1/groups", {"slug": "same-group", "name": "Same"},
     (401, 201, 409, 409, 409, 409)),
    ("api-group-unknown", "get", "/api/v1/groups/no-such-group", None, (404,) * 6),
    ("api-portfolio", "get", "/api/v1/users/alice", None, (200,) * 6),
    ("api-portfolio-unknown", "get", "/api/v1/users/nobody-here", None, (404,) * 6),
    ("api-unknown", "get", "/api/v1/nothing-here", None, (404,) * 6),
    ("api-topics", "get", f"{A}/house-prices/topics", None, (200,) * 6),
    ("api-topic-create", "post", f"{A}/house-prices/topics", {"title": "Q", "body": "?"},
     (401, 403, 201, 403, 201, 201)),
    ("api-topic-unknown", "get", "/api/v1/topics/999999", None, (404,) * 6),
    ("api-post-unknown", "patch", "/api/v1/posts/999999", {"body": "x"}, (401, 404, 404, 404, 404, 404)),
    ("api-writeups", "get", f"{A}/house-prices/writeups", None, (200,) * 6),
    ("api-writeup-put", "put", f"{A}/house-prices/writeup", {"body": "how", "submission_id": 1},
     (401, 403, 409, 403, 403, 403)),
    ("api-notifications", "get", "/api/v1/notifications", None, (401, 200, 200, 200, 200, 200)),
    ("api-notifications-read", "post", "/api/v1/notifications/read", {"all": True}, (401, 200, 200, 200, 200, 200)),
]


def call(world: World, role: str, method: str, path: str, factory, api: bool):
    path = path.format(sid=world.sid, tid=world.tid, uid=world.uid, iid=world.iid, mid=world.mid,
                       victim="train.csv" if role != "admin" else "test.csv")
    kwargs = {}
    if factory == "json":
        kwargs["json"] = {"submission_ids": [world.sid]}
    elif isinstance(factory, dict):
        kwargs["json"] = factory
    elif factory is not None:
        data = factory(role, world)
        kwargs["data"] = data
        if any(isinstance(v, (tuple, list)) and not isinstance(v, str) for v in data.values()):
            kwargs["content_type"] = "multipart/form-data"
    if api:
        return getattr(world.clients["anon"], method)(path, headers=world.headers[role], **kwargs)
    return getattr(world.clients[role], method)(path, **kwargs)


def check(response, expected, role: str, api: bool) -> None:
    where = f"{role}: {response.status_code} {response.headers.get('Location', '')}"
    if isinstance(expected, str):
        status, suffix = expected.split(">")
        assert response.status_code == int(status), where
        assert response.headers["Location"].split("?")[0].endswith(suffix), where
        return
    assert response.status_code == expected, where
    if expected == 302 and role == "anon" and not api:
        assert "/signin" in response.headers["Location"], where
    if api and response.status_code >= 400:
        body = response.get_json()
        assert set(body) >= {"error", "message"}, where


def run_matrix(world: World, method, path, factory, expected, api: bool) -> None:
    for role, wanted in zip(ROLES, expected):
        response = call(world, role, method, path, factory, api)
        check(response, wanted, role, api)
        if role not in MANAGERS:
            assert_no_solution(response.get_data())


@pytest.mark.parametrize("method, path, factory, expected", [r[1:] for r in HTML], ids=[r[0] for r in HTML])
def test_html_routes(world, method, path, factory, expected):
    run_matrix(world, method, path, factory, expected, api=False)


@pytest.mark.parametrize("method, path, factory, expected", [r[1:] for r in API], ids=[r[0] for r in API])
def test_api_routes(world, method, path, factory, expected):
    run_matrix(world, method, path, factory, expected, api=True)


def test_only_managers_download_the_solution(world):
    solution = solution_csv()
    for role in ROLES:
        response = world.clients[role].get(f"{O}/solution")
        if role in MANAGERS:
            assert response.status_code == 200 and response.get_data() == solution
        else:
            assert response.status_code in (302, 403) and solution not in response.get_data()


@pytest.mark.parametrize("role, status", [("anon", 401), ("member", 403), ("other_org", 403), ("owner", 200),
                                          ("admin", 200)])
def test_finalize_after_the_deadline(world, clock, role, status):
    clock.now = AFTER
    response = world.clients["anon"].post(f"{A}/house-prices/finalize", headers=world.headers[role])
    assert response.status_code == status
    private = world.clients["anon"].get(f"{A}/house-prices/leaderboard?board=private")
    assert private.status_code == (200 if status == 200 else 403)
    assert_no_solution(private.get_data())


def test_no_learner_page_ever_quotes_the_solution(world, clock):
    """A crawl of every learner-facing GET, before and after finalize, for each non-manager."""
    gets = [r for r in HTML + API if r[1] == "get" and not r[2].startswith(("/organize", "/admin"))]
    for finalized in (False, True):
        if finalized:
            clock.now = AFTER
            assert world.clients["owner"].post(f"{O}/finalize").status_code == 303
            assert world.clients["anon"].get(f"{C}/leaderboard?board=private").status_code == 200
        for role in ROLES:
            if role in MANAGERS:
                continue
            for _, method, path, factory, _ in gets:
                response = call(world, role, method, path, factory, api=path.startswith("/api/"))
                assert_no_solution(response.get_data())


def test_draft_and_unlisted_visibility(app, people, bearer, login, clock, make_competition, join):
    make_competition(people.org, slug="unlisted-one", visibility="unlisted")
    draft = make_competition(people.org, slug="draft-one", start=(AFTER + timedelta(days=1)).isoformat(),
                             deadline=(AFTER + timedelta(days=30)).isoformat())
    assert draft.state_at(clock.now).value == "draft"
    with app.app_context():
        from competitions import catalog
        from webapp.db import get_session

        invite = catalog.get_competition(get_session(), "unlisted-one").invite_token
    client = app.test_client()
    alice, admin = bearer(people.alice), bearer(people.admin)

    # Neither shows in the public list.
    assert client.get(A, headers=alice).get_json() == []
    # Unlisted: 404 without the invite, visible and joinable with it.
    assert client.get(f"{A}/unlisted-one", headers=alice).status_code == 404
    assert client.get(f"{A}/unlisted-one?invite=wrong", headers=alice).status_code == 404
    assert client.get(f"{A}/unlisted-one?invite={invite}", headers=alice).status_code == 200
    assert client.post(f"{A}/unlisted-one/join", headers=alice).status_code == 404
    assert client.post(f"{A}/unlisted-one/join?invite={invite}", headers=alice).status_code == 200
    # A member sees it without the invite, and it is listed for them.
    assert client.get(f"{A}/unlisted-one", headers=alice).status_code == 200
    assert [c["slug"] for c in client.get(A, headers=alice).get_json()] == ["unlisted-one"]
    assert "invite_token" not in client.get(f"{A}/unlisted-one", headers=alice).get_json()
    assert client.get(f"{A}/unlisted-one", headers=bearer(people.org)).get_json()["invite_token"] == invite
    # The HTML invite link remembers the invite for the join form.
    browser = app.test_client()
    login(browser, "bob")
    assert browser.get("/c/unlisted-one").status_code == 404
    assert browser.get(f"/c/unlisted-one?invite={invite}").status_code == 200
    assert browser.post("/c/unlisted-one/join", data={"accept_rules": "y"}).status_code == 302
    # Drafts: only the owner and admins.
    for headers, status in ((alice, 404), (bearer(people.org2), 404), (bearer(people.org), 200), (admin, 200)):
        assert client.get(f"{A}/draft-one", headers=headers).status_code == status
