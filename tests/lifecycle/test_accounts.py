"""Accounts that don't lock people out: the last admin, tokens shown once, e-mail syntax,
password reset links and signing out everywhere, through the web pages and the CLI."""
from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from lifecycle_support import DURING
from sqlalchemy import func, select, text

from competitions import accounts, tokens
from competitions.errors import Conflict
from competitions.models import ApiToken, PasswordReset, User

API_PROBE = "/api/v1/competitions"  # 200 with a live token, 401 with a revoked one
NEW_PASSWORD = "a brand new passphrase"
ASK_ADMIN = "Ask an admin for a new password reset link"


def role_of(sessions, username: str) -> str:
    with sessions() as s:
        return s.scalar(select(User.role).where(User.username == username))


def count(sessions, model) -> int:
    with sessions() as s:
        return s.scalar(select(func.count(model.id)))


def signed_in_client(app, login, username: str, password: str | None = None):
    client = app.test_client()
    response = login(client, username, password) if password else login(client, username)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def is_signed_in(client) -> bool:
    response = client.get("/profile")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def shown_reset_link(html: str) -> str | None:
    match = re.search(r'id="reset-link"[^>]*>([^<]+)<', html)
    return match.group(1).strip() if match else None


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def cli_reset_link(app, username: str) -> str:
    result = app.test_cli_runner().invoke(args=["users", "reset-link", username])
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


def reset(client, link_path: str, password: str = NEW_PASSWORD, *, everywhere: bool = False, confirm=None):
    data = {"password": password, "confirm": confirm if confirm is not None else password}
    if everywhere:
        data["sign_out_everywhere"] = "y"
    return client.post(link_path, data=data)


# --- the last admin --------------------------------------------------------------------------


def test_the_last_admin_cannot_be_demoted_on_the_users_page(app, clock, people, login, sessions):
    root = signed_in_client(app, login, "root")
    for role in ("learner", "organizer"):
        refused = root.post(f"/admin/users/{people.admin.id}/role", data={"role": role})
        assert refused.status_code == 303 and refused.headers["Location"].endswith("/admin/users")
        assert "root is the last admin" in root.get("/admin/users").get_data(as_text=True)
        assert role_of(sessions, "root") == "admin"

    # With a second admin, either can be demoted, and then the other is the last one.
    assert root.post(f"/admin/users/{people.alice.id}/role", data={"role": "admin"}).status_code == 302
    assert root.post(f"/admin/users/{people.admin.id}/role", data={"role": "learner"}).status_code == 302
    assert role_of(sessions, "root") == "learner"
    assert root.get("/admin/users").status_code == 403
    alice = signed_in_client(app, login, "alice")
    refused = alice.post(f"/admin/users/{people.alice.id}/role", data={"role": "organizer"},
                         follow_redirects=True)
    assert refused.status_code == 200 and "alice is the last admin" in refused.get_data(as_text=True)
    assert role_of(sessions, "alice") == "admin"


def test_the_last_admin_cannot_be_demoted_from_the_command_line(app, clock, people, sessions):
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["users", "set-role", "root", "organizer"])
    assert refused.exit_code != 0 and "root is the last admin" in refused.output
    assert role_of(sessions, "root") == "admin"

    assert runner.invoke(args=["users", "set-role", "bob", "admin"]).exit_code == 0
    demoted = runner.invoke(args=["users", "set-role", "root", "learner"])
    assert demoted.exit_code == 0 and "root is now learner." in demoted.output
    assert role_of(sessions, "root") == "learner"
    again = runner.invoke(args=["users", "set-role", "BOB", "learner"])
    assert again.exit_code != 0 and "bob is the last admin" in again.output
    assert role_of(sessions, "bob") == "admin"


def test_a_refused_demotion_leaves_the_callers_other_work_alone(clock, people, sessions):
    with sessions() as s:
        accounts.set_role(s, "alice", "organizer")
        with pytest.raises(Conflict, match="last admin"):
            accounts.set_role(s, "root", "learner")
        s.commit()
    assert role_of(sessions, "alice") == "organizer"
    assert role_of(sessions, "root") == "admin"


# --- API tokens: POST/redirect/GET, shown once -----------------------------------------------


def test_creating_a_token_redirects_and_a_reload_neither_shows_nor_makes_another(app, clock, people, login,
                                                                                  sessions):
    alice = signed_in_client(app, login, "alice")
    created = alice.post("/profile/tokens", data={"label": "laptop"})
    assert created.status_code == 302 and created.headers["Location"].endswith("/profile")
    assert count(sessions, ApiToken) == 1

    shown = alice.get("/profile")
    assert shown.headers["Cache-Control"] == "no-store"  # the back button cannot bring it back from a cache
    page = shown.get_data(as_text=True)
    match = re.search(r'<code class="token" id="new-token" data-copy>(hdt_[A-Za-z0-9_-]+)</code>', page)
    assert match, "the new token is shown once, as selectable text marked for the copy button"
    token = match.group(1)
    with sessions() as s:
        row = s.scalar(select(ApiToken))
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() and row.label == "laptop"
        assert row.created_at == DURING

    reloaded = alice.get("/profile")
    assert reloaded.status_code == 200
    assert token not in reloaded.get_data(as_text=True) and 'id="new-token"' not in reloaded.get_data(as_text=True)
    assert count(sessions, ApiToken) == 1

    clock.now = DURING + timedelta(hours=1)
    assert app.test_client().get(API_PROBE, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    with sessions() as s:
        assert s.scalar(select(ApiToken.last_used_at)) == DURING + timedelta(hours=1)

    # Another account signed in later in the same browser never sees a token carried for alice.
    alice.post("/profile/tokens", data={"label": "second"})
    login(alice, "bob")
    assert 'id="new-token"' not in alice.get("/profile").get_data(as_text=True)


def test_a_bad_token_label_is_refused_and_makes_no_token(app, clock, people, login, sessions):
    alice = signed_in_client(app, login, "alice")
    refused = alice.post("/profile/tokens", data={"label": "x" * 81})
    assert refused.status_code == 422 and "Field cannot be longer than 80 characters" in refused.get_data(as_text=True)
    assert count(sessions, ApiToken) == 0


# --- e-mail syntax at sign-up ----------------------------------------------------------------


def email_field_errors(html: str) -> list[str]:
    block = re.search(r'<div class="field has-error">\s*<label for="email".*?</div>', html, re.S)
    return re.findall(r'<p class="error">([^<]*)</p>', block.group(0)) if block else []


@pytest.mark.parametrize("email", ["not-an-email", "ada@@example.org", "ada@example", "ada @example.org",
                                   "ada@exa mple.org"])
def test_signup_refuses_a_malformed_email_on_the_field(client, clock, sessions, email):
    response = client.post("/signup", data={"username": "ada", "email": email, "password": NEW_PASSWORD,
                                            "confirm": NEW_PASSWORD})
    assert response.status_code == 422
    errors = email_field_errors(response.get_data(as_text=True))
    assert len(errors) == 1 and errors[0].startswith("That is not a valid email address"), errors
    assert count(sessions, User) == 0


def test_signup_accepts_a_good_email_or_none(client, clock, sessions):
    made = client.post("/signup", data={"username": "ada", "email": " Ada@Example.ORG ", "password": NEW_PASSWORD,
                                        "confirm": NEW_PASSWORD})
    assert made.status_code == 302
    other = client.application.test_client()
    assert other.post("/signup", data={"username": "bea", "email": "", "password": NEW_PASSWORD,
                                       "confirm": NEW_PASSWORD}).status_code == 302
    with sessions() as s:
        rows = dict(s.execute(select(User.username, User.email)).all())
        assert rows == {"ada": "Ada@example.org", "bea": None}
        assert s.scalar(select(User.created_at).where(User.username == "ada")) == DURING


def test_the_cli_uses_the_same_email_rule(app, clock, sessions):
    runner = app.test_cli_runner()
    bad = runner.invoke(args=["users", "create", "cid", "--email", "cid@", "--password-stdin"],
                        input=NEW_PASSWORD + "\n")
    assert bad.exit_code != 0 and "not a valid email address" in bad.output
    assert count(sessions, User) == 0
    good = runner.invoke(args=["users", "create", "cid", "--email", "cid@example.org", "--password-stdin"],
                         input=NEW_PASSWORD + "\n")
    assert good.exit_code == 0, good.output


def test_a_taken_username_rolls_back_only_its_own_insert(clock, sessions):
    with sessions() as s:
        first = accounts.create_user(s, "dora", NEW_PASSWORD, now=DURING)
        with pytest.raises(Conflict, match="taken"):
            accounts.create_user(s, "DORA", NEW_PASSWORD, now=DURING)
        other = accounts.create_user(s, "eve", NEW_PASSWORD, now=DURING)
        s.commit()
        assert first.id is not None and other.id is not None
    with sessions() as s:
        assert sorted(s.scalars(select(User.username))) == ["dora", "eve"]


# --- password reset links --------------------------------------------------------------------


def test_an_admin_makes_a_reset_link_that_works_once(app, clock, people, login, sessions):
    root = signed_in_client(app, login, "root")
    made = root.post(f"/admin/users/{people.alice.id}/reset-link")
    assert made.status_code == 302 and made.headers["Location"].endswith("/admin/users")
    shown = root.get("/admin/users")
    assert shown.headers["Cache-Control"] == "no-store"
    url = shown_reset_link(shown.get_data(as_text=True))
    assert url and url.startswith("http://localhost/reset/")
    assert shown_reset_link(root.get("/admin/users").get_data(as_text=True)) is None  # shown once
    token = url.rsplit("/", 1)[1]
    with sessions() as s:
        row = s.scalar(select(PasswordReset))
        assert row.user_id == people.alice.id and row.created_by_id == people.admin.id
        assert (row.created_at, row.expires_at, row.used_at) == (DURING, DURING + timedelta(hours=24), None)
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()

    learner = app.test_client()
    form = learner.get(path_of(url))
    assert form.status_code == 200 and "alice" in form.get_data(as_text=True)
    mismatch = reset(learner, path_of(url), confirm="something else entirely")
    assert mismatch.status_code == 422 and "The passwords differ." in mismatch.get_data(as_text=True)
    short = reset(learner, path_of(url), "short")
    assert short.status_code == 422
    done = reset(learner, path_of(url))
    assert done.status_code == 302 and done.headers["Location"].endswith("/profile")
    assert "alice" in learner.get("/profile").get_data(as_text=True)  # signed in by the reset

    assert login(app.test_client(), "alice", NEW_PASSWORD).status_code == 302
    assert login(app.test_client(), "alice").status_code == 401  # the old password is gone
    with sessions() as s:
        assert s.scalar(select(PasswordReset.used_at)) == DURING

    for again in (app.test_client().get(path_of(url)), reset(app.test_client(), path_of(url), "a third password")):
        assert again.status_code == 410 and ASK_ADMIN in again.get_data(as_text=True)
    assert login(app.test_client(), "alice", NEW_PASSWORD).status_code == 302
    unknown = app.test_client().get("/reset/not-a-real-token")
    assert unknown.status_code == 404 and ASK_ADMIN in unknown.get_data(as_text=True)


def test_a_reset_link_expires_after_24_hours(app, clock, people, login, sessions):
    url = cli_reset_link(app, "alice")
    clock.now = DURING + timedelta(hours=24) - timedelta(seconds=1)
    assert app.test_client().get(path_of(url)).status_code == 200
    clock.now = DURING + timedelta(hours=24)
    expired = app.test_client().get(path_of(url))
    assert expired.status_code == 410 and "expired" in expired.get_data(as_text=True)
    assert ASK_ADMIN in expired.get_data(as_text=True)
    assert reset(app.test_client(), path_of(url)).status_code == 410
    assert login(app.test_client(), "alice", NEW_PASSWORD).status_code == 401
    assert login(app.test_client(), "alice").status_code == 302


def test_the_cli_prints_a_reset_link_and_a_newer_link_replaces_older_ones(app, clock, people, login, sessions):
    first = cli_reset_link(app, "ALICE")
    assert re.fullmatch(r"http://127\.0\.0\.1:8000/reset/[A-Za-z0-9_-]{40,}", first), first
    app.config["BASE_URL"] = "https://holdout.example.org/comp"
    second = cli_reset_link(app, "alice")
    assert second.startswith("https://holdout.example.org/comp/reset/")
    with sessions() as s:
        assert [r.created_by_id for r in s.scalars(select(PasswordReset))] == [None, None]

    replaced = app.test_client().get(path_of(first))
    assert replaced.status_code == 410 and "replaced by a newer one" in replaced.get_data(as_text=True)
    learner = app.test_client()
    assert reset(learner, "/reset/" + second.rsplit("/", 1)[1]).status_code == 302
    assert login(app.test_client(), "alice", NEW_PASSWORD).status_code == 302

    missing = app.test_cli_runner().invoke(args=["users", "reset-link", "nobody"])
    assert missing.exit_code != 0 and "No user named 'nobody'" in missing.output


def test_only_admins_make_reset_links(app, clock, people, login, sessions):
    anon = app.test_client().post(f"/admin/users/{people.alice.id}/reset-link")
    assert anon.status_code == 302 and "/signin" in anon.headers["Location"]
    for name in ("alice", "org"):
        client = signed_in_client(app, login, name)
        assert client.post(f"/admin/users/{people.bob.id}/reset-link").status_code == 403
        assert client.get("/admin/users").status_code == 403
    assert count(sessions, PasswordReset) == 0


# --- sessions and tokens across a reset, and signing out everywhere ---------------------------


def remember_only_client(app, login, username: str):
    """A client signed in with "remember me" whose session cookie is gone, as after a browser restart."""
    client = signed_in_client(app, login, username)
    assert client.get_cookie("remember_token") is not None
    client.delete_cookie("session")
    return client


def test_a_reset_keeps_other_sessions_and_tokens_unless_asked(app, clock, people, login, bearer, sessions):
    browser = signed_in_client(app, login, "alice")
    remembered = remember_only_client(app, login, "alice")
    headers = bearer(people.alice)
    assert is_signed_in(remembered)

    assert reset(app.test_client(), path_of(cli_reset_link(app, "alice"))).status_code == 302
    assert is_signed_in(browser) and is_signed_in(remembered)
    assert app.test_client().get(API_PROBE, headers=headers).status_code == 200


def test_a_reset_with_sign_out_everywhere_ends_every_other_session_and_token(app, clock, people, login, bearer,
                                                                             sessions):
    browser = signed_in_client(app, login, "alice")
    remembered = remember_only_client(app, login, "alice")
    headers = bearer(people.alice)
    bob_browser, bob_headers = signed_in_client(app, login, "bob"), bearer(people.bob)
    assert is_signed_in(remembered)

    learner = app.test_client()
    assert reset(learner, path_of(cli_reset_link(app, "alice")), everywhere=True).status_code == 302
    assert is_signed_in(learner)
    assert not is_signed_in(browser) and not is_signed_in(remembered)
    refused = app.test_client().get(API_PROBE, headers=headers)
    assert refused.status_code == 401 and refused.get_json()["error"] == "unauthorized"
    with sessions() as s:
        assert s.scalar(select(ApiToken.revoked_at).where(ApiToken.user_id == people.alice.id)) == DURING
    # Bob is untouched.
    assert is_signed_in(bob_browser)
    assert app.test_client().get(API_PROBE, headers=bob_headers).status_code == 200


def test_sign_out_everywhere_from_the_profile_keeps_this_browser(app, clock, people, login, bearer, sessions):
    here = signed_in_client(app, login, "alice")
    elsewhere = signed_in_client(app, login, "alice")
    headers = bearer(people.alice)
    old_remember = here.get_cookie("remember_token").value

    done = here.post("/profile/sign-out-everywhere")
    assert done.status_code == 302 and done.headers["Location"].endswith("/profile")
    page = here.get("/profile")
    assert page.status_code == 200 and "1 API token revoked" in page.get_data(as_text=True)
    assert not is_signed_in(elsewhere)
    assert app.test_client().get(API_PROBE, headers=headers).status_code == 401

    # This browser's remember-me cookie was renewed with the new id; the old one no longer works.
    assert here.get_cookie("remember_token").value != old_remember
    here.delete_cookie("session")
    assert is_signed_in(here)
    stale = app.test_client()
    stale.set_cookie("remember_token", old_remember)
    assert not is_signed_in(stale)

    # Signing in again works as usual.
    assert is_signed_in(signed_in_client(app, login, "alice"))


def test_plain_id_cookies_from_before_session_versions(app, clock, people, sessions):
    old = app.test_client()
    with old.session_transaction() as cookie:
        cookie["_user_id"], cookie["_fresh"] = str(people.alice.id), True
    assert is_signed_in(old)  # kept working: a plain id means version 0
    with sessions() as s:
        accounts.sign_out_everywhere(s, s.merge(people.alice), now=DURING)
        s.commit()
    assert not is_signed_in(old)
    forged = app.test_client()
    with forged.session_transaction() as cookie:
        cookie["_user_id"] = f"{people.alice.id}:x"
    assert not is_signed_in(forged)


def test_sign_out_everywhere_revokes_tokens_at_the_callers_time(clock, people, sessions):
    with sessions() as s:
        alice = s.merge(people.alice)
        for label in ("a", "b"):
            tokens.create_token(s, alice, label, now=DURING)
        _, kept = tokens.create_token(s, s.merge(people.bob), "bob's", now=DURING)
        later = DURING + timedelta(days=2)
        assert accounts.sign_out_everywhere(s, alice, now=later) == 2
        assert accounts.sign_out_everywhere(s, alice, now=later) == 0
        s.commit()
        assert alice.session_version == 2 and alice.get_id() == f"{alice.id}:2"
        assert tokens.user_for_token(s, kept, now=later).username == "bob"
    with sessions() as s:
        revoked = s.scalars(select(ApiToken.revoked_at).where(ApiToken.user_id == people.alice.id)).all()
        assert revoked == [DURING + timedelta(days=2)] * 2


def test_users_from_before_the_migration_start_at_session_version_zero(fresh_db_url, alembic_config):
    from alembic import command

    from competitions.db import make_engine

    cfg = alembic_config(fresh_db_url)
    command.upgrade(cfg, "0002")
    engine = make_engine(fresh_db_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO users (username, username_key, password_hash, role, created_at) "
                              "VALUES ('old', 'old', 'x', 'admin', '2029-01-01 00:00:00')"))
        command.upgrade(cfg, "0003")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT session_version FROM users")).scalar_one() == 0
        command.downgrade(cfg, "0002")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT username FROM users")).scalar_one() == "old"
    finally:
        engine.dispose()


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has a form with a CSRF token"
    return match.group(1) or match.group(2)


def test_the_new_forms_work_with_csrf_protection_on(csrf_app, clock, people, login, sessions):
    root = csrf_app.test_client()
    assert login(root, "root").status_code == 302
    users_page = root.get("/admin/users").get_data(as_text=True)
    assert root.post(f"/admin/users/{people.alice.id}/reset-link").status_code == 400  # no token, no link
    assert count(sessions, PasswordReset) == 0
    made = root.post(f"/admin/users/{people.alice.id}/reset-link", data={"csrf_token": csrf(users_page)})
    assert made.status_code == 302
    link = path_of(shown_reset_link(root.get("/admin/users").get_data(as_text=True)))

    learner = csrf_app.test_client()
    form_page = learner.get(link).get_data(as_text=True)
    assert 'name="sign_out_everywhere"' in form_page
    done = learner.post(link, data={"csrf_token": csrf(form_page), "password": NEW_PASSWORD,
                                    "confirm": NEW_PASSWORD})
    assert done.status_code == 302

    profile = learner.get("/profile").get_data(as_text=True)
    assert learner.post("/profile/tokens", data={"csrf_token": csrf(profile), "label": "x"}).status_code == 302
    assert learner.post("/profile/sign-out-everywhere").status_code == 400
    out = learner.post("/profile/sign-out-everywhere", data={"csrf_token": csrf(profile)})
    assert out.status_code == 302 and is_signed_in(learner)
    with sessions() as s:
        assert s.scalar(select(User.session_version).where(User.username == "alice")) == 1


@pytest.mark.postgres_only
def test_two_admins_demoting_each_other_at_once_leave_one_admin(clock, people, sessions, engine):
    """Without the row lock both would count two admins and both demotions would pass."""
    import threading

    with sessions() as s:
        accounts.set_role(s, "alice", "admin")
        s.commit()
    first = sessions()
    accounts.set_role(first, "root", "learner")  # holds the admin rows' locks until it commits
    outcome: dict = {}

    def second() -> None:
        with sessions() as s:
            try:
                accounts.set_role(s, "alice", "learner")
                s.commit()
                outcome["result"] = "demoted"
            except Conflict as exc:
                outcome["result"] = exc.message

    thread = threading.Thread(target=second)
    thread.start()
    # Wait until the second demotion is queued behind the first one's lock (or already done).
    with engine.connect() as probe:
        for _ in range(2000):
            waiting = probe.execute(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                         "AND datname = current_database()")).scalar_one()
            if waiting or not thread.is_alive():
                break
            probe.execute(text("SELECT pg_sleep(0.01)"))
    first.commit()
    first.close()
    thread.join(timeout=60)
    assert not thread.is_alive()
    assert "alice is the last admin" in outcome["result"]
    assert (role_of(sessions, "root"), role_of(sessions, "alice")) == ("learner", "admin")
