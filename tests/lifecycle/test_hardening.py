"""Issue 12, accounts and sessions: rate limits, passwords, revocable sessions, input the database
cannot store, formula cells in CSV exports, organizers kept off their own boards, HSTS.

Runs on SQLite and on PostgreSQL (HOLDOUT_TEST_DATABASE_URL); the Redis test needs Redis.
"""
from __future__ import annotations

import csv
import io
import re
import secrets
from datetime import timedelta

import pytest
from lifecycle_support import predictions

from competitions import accounts, catalog, exports, leaderboard, participation
from competitions.errors import DomainError, Forbidden

C = "/c/house-prices"
DEFAULT_PASSWORD = "correct horse battery"  # tests/conftest.py make_user's default
SIGNIN_MESSAGE = "Too many failed sign-in attempts"


def _signin(client, username, password, ip="10.0.0.1"):
    return client.post("/signin", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": ip})


def _assert_429(response, message: str):
    assert response.status_code == 429, response.status_code
    retry = response.headers.get("Retry-After")
    assert retry is not None and retry.isdigit() and int(retry) >= 1, retry
    assert message in response.get_data(as_text=True)


# --- rate limits ------------------------------------------------------------------------------


def test_sign_in_is_refused_after_too_many_failures_for_one_account(limited_app, clock, make_user):
    app = limited_app(LIMIT_SIGNIN_ACCOUNT="3 per 15 minutes", LIMIT_SIGNIN_IP="100 per 15 minutes")
    make_user("alice")
    client = app.test_client()
    for _ in range(3):
        assert _signin(client, "alice", "wrong password!").status_code == 401
    # The fourth attempt is refused before the password is even checked: the right one too.
    refused = _signin(client, "alice", DEFAULT_PASSWORD)
    _assert_429(refused, SIGNIN_MESSAGE)
    assert "_user_id" not in (client.get_cookie("session").value if client.get_cookie("session") else "")
    assert client.get("/profile").status_code == 302
    # Another account from the same address is not affected by alice's limit.
    make_user("bob")
    assert _signin(client, "bob", DEFAULT_PASSWORD).status_code == 302


def test_the_account_limit_holds_across_addresses(limited_app, clock, make_user):
    app = limited_app(LIMIT_SIGNIN_ACCOUNT="3 per 15 minutes", LIMIT_SIGNIN_IP="100 per 15 minutes")
    make_user("alice")
    client = app.test_client()
    for n in range(3):
        assert _signin(client, "ALICE ", "wrong password!", ip=f"10.0.1.{n}").status_code == 401
    _assert_429(_signin(client, "alice", DEFAULT_PASSWORD, ip="10.0.1.99"), SIGNIN_MESSAGE)


def test_the_address_limit_holds_across_accounts(limited_app, clock, make_user):
    app = limited_app(LIMIT_SIGNIN_ACCOUNT="100 per 15 minutes", LIMIT_SIGNIN_IP="3 per 15 minutes")
    make_user("alice")
    client = app.test_client()
    for name in ("x-one", "x-two", "x-three"):
        assert _signin(client, name, "wrong password!").status_code == 401
    _assert_429(_signin(client, "alice", DEFAULT_PASSWORD), SIGNIN_MESSAGE)
    # Another address still signs in.
    assert _signin(client, "alice", DEFAULT_PASSWORD, ip="10.9.9.9").status_code == 302


def test_successful_sign_ins_do_not_count(limited_app, clock, make_user):
    app = limited_app(LIMIT_SIGNIN_ACCOUNT="2 per 15 minutes", LIMIT_SIGNIN_IP="2 per 15 minutes")
    make_user("alice")
    for _ in range(5):
        assert _signin(app.test_client(), "alice", DEFAULT_PASSWORD).status_code == 302


def test_the_default_sign_in_limit_is_ten_failures_in_fifteen_minutes(limited_app, clock, make_user):
    app = limited_app()
    assert app.config["LIMIT_SIGNIN_ACCOUNT"] == "10 per 15 minutes"
    make_user("alice")
    client = app.test_client()
    for n in range(10):
        assert _signin(client, "alice", "wrong password!", ip=f"10.0.2.{n}").status_code == 401
    _assert_429(_signin(client, "alice", "wrong password!", ip="10.0.2.200"), SIGNIN_MESSAGE)


def test_sign_up_is_limited_per_address(limited_app, clock):
    app = limited_app(LIMIT_SIGNUP_IP="2 per hour")
    client = app.test_client()
    for name in ("ada", "bea"):
        made = client.post("/signup", data={"username": name, "password": DEFAULT_PASSWORD,
                                            "confirm": DEFAULT_PASSWORD}, environ_base={"REMOTE_ADDR": "10.1.0.1"})
        assert made.status_code == 302
        client.post("/signout")
    _assert_429(client.post("/signup", data={"username": "cy", "password": DEFAULT_PASSWORD,
                                             "confirm": DEFAULT_PASSWORD}, environ_base={"REMOTE_ADDR": "10.1.0.1"}),
                "Too many sign-ups")


def test_token_creation_is_limited_per_user(limited_app, clock, make_user, login):
    app = limited_app(LIMIT_TOKENS="2 per hour")
    make_user("alice")
    client = app.test_client()
    login(client, "alice")
    for n in range(2):
        assert client.post("/profile/tokens", data={"label": f"t{n}"}).status_code == 302
    _assert_429(client.post("/profile/tokens", data={"label": "t3"}), "many API tokens")


def test_validate_and_uploads_share_a_per_user_limit_on_web_and_api(limited_app, clock, people, bearer, login,
                                                                    make_competition, join):
    app = limited_app(LIMIT_UPLOADS="3 per minute")
    competition = make_competition(people.org)
    join(competition, people.alice)
    join(competition, people.bob)
    alice = bearer(people.alice)
    api = app.test_client()

    def api_validate(headers):
        return api.post("/api/v1/competitions/house-prices/validate", headers=headers,
                        data={"file": (io.BytesIO(predictions(0.2)), "p.csv")}, content_type="multipart/form-data")

    assert api_validate(alice).status_code == 200
    assert api.post("/api/v1/competitions/house-prices/submissions", headers=alice,
                    data={"file": (io.BytesIO(predictions(0.2)), "p.csv")},
                    content_type="multipart/form-data").status_code == 201
    web = app.test_client()
    login(web, "alice")
    assert web.post(f"{C}/submit", data={"file": (io.BytesIO(predictions(0.3)), "p.csv"), "description": ""},
                    content_type="multipart/form-data").status_code == 302
    refused = api_validate(alice)
    _assert_429(refused, "Too many uploads")
    assert refused.get_json()["retry_after"] >= 1
    # The limit is alice's, not everyone's.
    assert api_validate(bearer(people.bob)).status_code == 200


def test_unknown_api_tokens_are_limited_per_address(limited_app, clock):
    app = limited_app(LIMIT_API_AUTH_IP="3 per 15 minutes")
    client = app.test_client()
    headers = {"Authorization": "Bearer not-a-token"}
    for _ in range(3):
        assert client.get("/api/v1/competitions", headers=headers).status_code == 401
    refused = client.get("/api/v1/competitions", headers=headers)
    _assert_429(refused, "unknown or revoked API token")
    assert refused.get_json()["error"] == "too_many_requests"


def test_apps_in_memory_count_apart_but_apps_sharing_redis_count_together(limited_app, clock, make_user,
                                                                          redis_url):
    make_user("alice")
    limits = {"LIMIT_SIGNIN_ACCOUNT": "3 per 15 minutes", "LIMIT_SIGNIN_IP": "100 per 15 minutes"}
    # Two processes each with memory storage: each counts only its own failures.
    one, two = limited_app(**limits), limited_app(**limits)
    for _ in range(2):
        assert _signin(one.test_client(), "alice", "wrong password!").status_code == 401
        assert _signin(two.test_client(), "alice", "wrong password!").status_code == 401
    # Two processes sharing Redis (as HOLDOUT_REDIS_URL makes them): failures on either count for both.
    prefix = f"holdout-test-{secrets.token_hex(6)}"
    shared = {**limits, "RATELIMIT_STORAGE_URI": redis_url, "RATELIMIT_KEY_PREFIX": prefix}
    first, second = limited_app(**shared), limited_app(**shared)
    try:
        assert _signin(first.test_client(), "alice", "wrong password!", ip="10.3.0.1").status_code == 401
        assert _signin(second.test_client(), "alice", "wrong password!", ip="10.3.0.2").status_code == 401
        assert _signin(first.test_client(), "alice", "wrong password!", ip="10.3.0.3").status_code == 401
        _assert_429(_signin(second.test_client(), "alice", DEFAULT_PASSWORD, ip="10.3.0.4"), SIGNIN_MESSAGE)
    finally:
        import redis

        client = redis.Redis.from_url(redis_url)
        for key in client.scan_iter(f"*{prefix}*"):
            client.delete(key)
        client.close()


def test_redis_url_setting_selects_redis_storage(monkeypatch):
    from webapp.config import ConfigError, config_from_env

    base = {"DATABASE_URL": "sqlite://", "SECRET_KEY": "x"}
    assert config_from_env(base)["RATELIMIT_STORAGE_URI"] == "memory://"
    monkeypatch.setenv("HOLDOUT_REDIS_URL", "redis://127.0.0.1:6379/3")
    assert config_from_env(base)["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3"
    monkeypatch.setenv("HOLDOUT_LIMIT_SIGNIN_ACCOUNT", "5 per 10 minutes")
    assert config_from_env(base)["LIMIT_SIGNIN_ACCOUNT"] == "5 per 10 minutes"
    monkeypatch.setenv("HOLDOUT_LIMIT_SIGNIN_ACCOUNT", "lots")
    with pytest.raises(ConfigError, match="HOLDOUT_LIMIT_SIGNIN_ACCOUNT"):
        config_from_env(base)
    monkeypatch.setenv("HOLDOUT_REDIS_URL", "http://nope")
    with pytest.raises(ConfigError, match="HOLDOUT_REDIS_URL"):
        config_from_env(base)


# --- passwords --------------------------------------------------------------------------------


@pytest.mark.parametrize("password, message", [
    ("short pw", "at least 10 characters"),
    ("password123", "common passwords"),
    ("qwertyuiop", "common passwords"),
    ("1234567890", "common passwords"),
])
def test_weak_passwords_are_refused_at_sign_up(client, clock, password, message):
    response = client.post("/signup", data={"username": "ada", "password": password, "confirm": password})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with pytest.raises(DomainError, match=message):
        accounts.check_password(password)


def test_demo_style_and_fixture_passwords_are_accepted():
    accounts.check_password(DEFAULT_PASSWORD)
    accounts.check_password(secrets.token_urlsafe(9))  # what webapp/demo.py makes


def _change(client, current, new, confirm=None):
    return client.post("/profile/password", data={"current_password": current, "new_password": new,
                                                  "confirm": confirm if confirm is not None else new})


def test_changing_the_password_needs_the_current_one_and_ends_other_sessions(app, clock, make_user, login):
    make_user("alice")
    here, elsewhere = app.test_client(), app.test_client()
    login(here, "alice")
    login(elsewhere, "alice")
    assert "Change password" in here.get("/profile").get_data(as_text=True)
    wrong = _change(here, "not my password", "a fresh long passphrase")
    assert wrong.status_code == 422 and "The current password is wrong." in wrong.get_data(as_text=True)
    common = _change(here, DEFAULT_PASSWORD, "password1234")
    assert common.status_code == 422 and "common passwords" in common.get_data(as_text=True)
    done = _change(here, DEFAULT_PASSWORD, "a fresh long passphrase")
    assert done.status_code == 302 and done.headers["Location"].endswith("/profile")
    assert here.get("/profile").status_code == 200          # this browser stays signed in
    assert elsewhere.get("/profile").status_code == 302     # every other session ended
    assert login(app.test_client(), "alice").status_code == 401
    assert login(app.test_client(), "alice", "a fresh long passphrase").status_code == 302


# --- sessions ---------------------------------------------------------------------------------


def _cookies(client) -> dict:
    return {name: client.get_cookie(name).value for name in ("session", "remember_token") if client.get_cookie(name)}


def _replay(app, cookies: dict):
    other = app.test_client()
    for name, value in cookies.items():
        other.set_cookie(name, value)
    return other


def test_a_replayed_cookie_fails_after_sign_out(app, clock, make_user, login):
    make_user("alice")
    client = app.test_client()
    login(client, "alice")
    stolen = _cookies(client)
    assert "remember_token" in stolen and "session" in stolen
    assert _replay(app, stolen).get("/profile").status_code == 200   # a copy works while signed in
    client.post("/signout")
    assert _replay(app, stolen).get("/profile").status_code == 302
    assert _replay(app, {"remember_token": stolen["remember_token"]}).get("/profile").status_code == 302
    # Signing in again works, with a new cookie.
    assert login(app.test_client(), "alice").status_code == 302


def test_sign_out_everywhere_and_password_change_end_a_copied_remember_cookie(app, clock, make_user, login):
    make_user("alice")
    client = app.test_client()
    login(client, "alice")
    stolen = _cookies(client)
    client.post("/profile/sign-out-everywhere")
    assert _replay(app, {"remember_token": stolen["remember_token"]}).get("/profile").status_code == 302
    stolen = _cookies(client)
    assert _change(client, DEFAULT_PASSWORD, "a fresh long passphrase").status_code == 302
    assert _replay(app, stolen).get("/profile").status_code == 302


def test_remember_cookies_last_thirty_days(app):
    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=30)


# --- input the database cannot store ----------------------------------------------------------

HUGE = "99999999999999999999"
JUST_OVER_32_BITS = str(2**31)
_SAMPLE = {"slug": "house-prices", "name": "train.csv", "code": "no-such-code", "username": "alice",
           "token": "no-such-token", "answer": "accept", "filename": "holdout.css"}


def _routes():
    from webapp import create_app

    app = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "x", "DATA_DIR": "/nonexistent"})
    out = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            # Each argument's converter as written in the rule: "int" or another ("default", "path").
            args = dict((name, kind or "default") for kind, name in
                        re.findall(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", rule.rule))
            out.append((method, rule.rule, args))
    return out


ROUTES = _routes()
INT_ROUTES = [r for r in ROUTES if "int" in r[2].values()]
TEXT_ROUTES = [r for r in ROUTES if any(c != "int" for c in r[2].values()) and not r[1].startswith("/static")]
BODY_ROUTES = [r for r in ROUTES if r[0] in ("POST", "PUT", "PATCH", "DELETE")]


def _path(rule: str, converters: dict, *, int_value="1", text=None) -> str:
    def sub(match):
        name = match.group(1).split(":")[-1]
        if converters.get(name) == "int":
            return int_value
        return text if text is not None else _SAMPLE.get(name, "x")

    return re.sub(r"<([^>]+)>", sub, rule)


@pytest.fixture
def callers(app, clock, people, bearer, login, make_competition, join, submit):
    competition = make_competition(people.org)
    join(competition, people.alice)
    submit(competition, people.alice, predictions(0.2))
    admin = app.test_client()
    login(admin, "root")
    return {"web": admin, "api": bearer(people.admin)}


def _send(callers, method, path, **kwargs):
    client = callers["web"]
    headers = callers["api"] if path.startswith("/api/") else {}
    return client.open(path, method=method, headers=headers, **kwargs)


@pytest.mark.parametrize("method, rule, converters", INT_ROUTES, ids=[f"{m} {r}" for m, r, _ in INT_ROUTES])
@pytest.mark.parametrize("number", [HUGE, JUST_OVER_32_BITS], ids=["20-digits", "2**31"])
def test_ids_too_large_for_the_column_are_404(callers, method, rule, converters, number):
    response = _send(callers, method, _path(rule, converters, int_value=number))
    # No route matches such an id: 404 (or 405 where another rule shares the path).
    assert response.status_code in (404, 405), response.status_code


@pytest.mark.parametrize("method, rule, converters", TEXT_ROUTES, ids=[f"{m} {r}" for m, r, _ in TEXT_ROUTES])
def test_nul_bytes_in_urls_are_400(callers, method, rule, converters):
    response = _send(callers, method, _path(rule, converters, text="house\x00prices"))
    assert response.status_code == 400, response.status_code
    response = _send(callers, method, _path(rule, converters) + "?invite=a%00b&board=x%00")
    assert response.status_code == 400, response.status_code


FORM_FIELDS = ("title", "slug", "subtitle", "description", "description_md", "rules_md", "name", "label",
               "username", "email", "password", "reason", "body", "accept_rules", "metric", "id_column",
               "deadline_at", "start_at", "daily_limit", "role", "metadata", "team", "submission_ids")


@pytest.mark.parametrize("method, rule, converters", BODY_ROUTES, ids=[f"{m} {r}" for m, r, _ in BODY_ROUTES])
def test_nul_bytes_in_forms_file_names_and_json_are_refused(callers, method, rule, converters):
    path = _path(rule, converters)
    form = {name: "x\x00y" for name in FORM_FIELDS}
    assert _send(callers, method, path, data=form).status_code == 400
    upload = {"description": "fine", "file": (io.BytesIO(predictions(0.2)), "p\x00.csv"),
              "files": (io.BytesIO(b"id\n1\n"), "a\x00.csv")}
    assert _send(callers, method, path, data=upload, content_type="multipart/form-data").status_code == 400
    # JSON: refused as a bad body wherever a view reads it; never a server error.
    for body in ({name: "x\x00y" for name in FORM_FIELDS}, {"submission_ids": [int(HUGE)], "daily_limit": int(HUGE)}):
        assert _send(callers, method, path, json=body).status_code < 500


@pytest.mark.parametrize("body", [
    '{"title": "x\\u0000y"}',
    '{"daily_limit": 99999999999999999999}',
    '{"public_fraction": NaN}',
    '{"public_fraction": Infinity}',
    '{"public_fraction": 1e999}',
    "[" * 5000 + "]" * 5000,
    '{"a":' * 40 + "1" + "}" * 40,
], ids=["nul", "huge-int", "nan", "infinity", "overflowing-float", "deep-5000", "deep-40"])
def test_json_bodies_the_database_cannot_store_are_400(callers, body):
    response = _send(callers, "PATCH", "/api/v1/competitions/house-prices", data=body,
                     content_type="application/json")
    assert response.status_code == 400, response.get_data(as_text=True)


def test_deeply_nested_metadata_in_a_form_field_is_400(callers):
    response = _send(callers, "POST", "/api/v1/competitions", data={"metadata": "[" * 100000 + "]" * 100000},
                     content_type="multipart/form-data")
    assert response.status_code == 400


@pytest.mark.parametrize("field, value", [
    ("daily_limit", HUGE), ("daily_limit", JUST_OVER_32_BITS), ("total_limit", HUGE), ("seed", HUGE),
    ("final_selections", HUGE), ("public_fraction", "nan"), ("public_fraction", "inf"),
    ("deadline_at", "9999-12-31T23:59"), ("start_at", "0001-01-01T00:00"), ("deadline_at", "0001-01-01T00:00"),
])
def test_competition_settings_out_of_range_are_refused_on_the_form_and_the_api(callers, field, value):
    from test_permissions import competition_form

    form = {**competition_form("house-prices", with_files=False), field: value}
    assert _send(callers, "POST", "/organize/house-prices/edit", data=form).status_code == 422
    api = _send(callers, "PATCH", "/api/v1/competitions/house-prices", json={field: value})
    assert api.status_code in (400, 422), api.get_data(as_text=True)


# --- CSV exports --------------------------------------------------------------------------------


def test_csv_exports_neutralise_formula_cells_and_keep_numbers(app, clock, people, login, make_competition,
                                                              make_user, join, submit, sessions):
    competition = make_competition(people.org)
    join(competition, people.alice)
    submit(competition, people.alice, predictions(0.2), description="=HYPERLINK(\"http://evil\",\"x\")")
    submit(competition, people.alice, predictions(0.3), description="@SUM(A1)")
    with sessions() as s:
        team = participation.team_of(s, catalog.get_competition(s, competition.slug), s.merge(people.alice))
        team.name = "-2+3"
        s.commit()
    organizer = app.test_client()
    login(organizer, "org")
    rows = list(csv.DictReader(io.StringIO(organizer.get("/organize/house-prices/submissions.csv")
                                           .get_data(as_text=True))))
    assert {r["description"] for r in rows} == {"'=HYPERLINK(\"http://evil\",\"x\")", "'@SUM(A1)"}
    assert {r["team"] for r in rows} == {"'-2+3"}
    assert all(float(r["public_score"]) >= 0 for r in rows)  # numbers stay numbers
    board = list(csv.DictReader(io.StringIO(organizer.get(f"{C}/leaderboard.csv").get_data(as_text=True))))
    assert board[0]["team"] == "'-2+3" and float(board[0]["score"]) > 0
    assert exports._cell("+1") == "'+1" and exports._cell(-1.5) == -1.5 and exports._cell("plain") == "plain"
    entry = leaderboard.Entry(1, 1, "=x", -0.25, 1, None, 1, members=("@bob",))
    line = exports.leaderboard_csv([entry], private=False).splitlines()[1]
    assert line.startswith("1,'=x,'@bob,-0.25,")


# --- organizers and their own competition ------------------------------------------------------


def test_the_owner_cannot_join_their_own_competition(app, clock, people, bearer, login, make_competition, sessions):
    competition = make_competition(people.org)
    with sessions() as s:
        with pytest.raises(Forbidden, match="answer key"):
            participation.join(s, catalog.get_competition(s, competition.slug), s.merge(people.org), clock.now)
    api = app.test_client().post("/api/v1/competitions/house-prices/join", headers=bearer(people.org))
    assert api.status_code == 403 and "answer key" in api.get_json()["message"]
    web = app.test_client()
    login(web, "org")
    page = web.post(f"{C}/join", data={"accept_rules": "y"})
    assert page.status_code == 403 and "answer key" in page.get_data(as_text=True)
    with sessions() as s:
        assert participation.team_of(s, catalog.get_competition(s, competition.slug), s.merge(people.org)) is None


def test_an_admin_may_join_to_test_and_is_marked_staff(app, clock, people, bearer, login, make_competition, join,
                                                       submit):
    competition = make_competition(people.org)
    join(competition, people.admin)
    join(competition, people.alice)
    submit(competition, people.admin, predictions(0.1))
    submit(competition, people.alice, predictions(0.2))
    board = app.test_client().get("/api/v1/competitions/house-prices/leaderboard").get_json()["entries"]
    assert {e["team"]: e["staff"] for e in board} == {"root": True, "alice": False}
    page = app.test_client().get(f"{C}/leaderboard").get_data(as_text=True)
    assert page.count('class="badge staff"') == 1


# --- HSTS ----------------------------------------------------------------------------------------


def test_hsts_only_in_production(app, db_url, tmp_path):
    from webapp import create_app

    assert "Strict-Transport-Security" not in app.test_client().get("/").headers
    prod = create_app({"DATABASE_URL": db_url, "SECRET_KEY": "s", "DATA_DIR": str(tmp_path / "d"),
                       "HOLDOUT_ENV": "production", "RATELIMIT_ENABLED": False})
    try:
        header = prod.test_client().get("/", base_url="https://localhost").headers["Strict-Transport-Security"]
        assert header.startswith("max-age=") and int(header.split("=")[1].split(";")[0]) >= 15552000
    finally:
        prod.extensions["holdout.engine"].dispose()
