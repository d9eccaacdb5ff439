"""Error pages for people, JSON errors under /api/, request ids, size limits and security headers."""
from __future__ import annotations

import io

import pytest
from lifecycle_support import predictions

SECRET = "very-secret-internal-detail"


def _page(response) -> str:
    return response.get_data(as_text=True)


def test_not_found_and_forbidden_pages(app, client, people, login, bearer):
    missing = client.get("/c/no-such-thing")
    assert missing.status_code == 404 and missing.mimetype == "text/html"
    assert "No competition called &#39;no-such-thing&#39;." in _page(missing)
    api_missing = client.get("/api/v1/competitions/no-such-thing")
    assert api_missing.status_code == 404 and api_missing.is_json
    assert set(api_missing.get_json()) == {"error", "message"} and api_missing.get_json()["error"] == "not_found"
    assert client.get("/api/v1/no/endpoint").get_json()["error"] == "not_found"

    browser = app.test_client()
    login(browser, "alice")
    forbidden = browser.get("/admin/users")
    assert forbidden.status_code == 403 and "permission" in _page(forbidden)
    api_forbidden = client.post("/api/v1/competitions", content_type="multipart/form-data", headers=bearer(people.alice),
                                data={"metadata": "{}", "solution": (io.BytesIO(b"x"), "s.csv")})
    assert api_forbidden.status_code == 403 and api_forbidden.get_json()["error"] == "forbidden"
    assert "organizers" in api_forbidden.get_json()["message"]
    wrong_method = client.delete("/api/v1/competitions")
    assert wrong_method.status_code == 405 and wrong_method.is_json
    bad_json = client.post("/api/v1/competitions", headers=bearer(people.org), data={"metadata": "{nope"})
    assert bad_json.status_code == 400 and bad_json.get_json()["field"] == "metadata"


def test_uploads_over_the_limit_get_413(app, people, bearer, login, clock, make_competition, join):
    competition = make_competition(people.org)
    join(competition, people.alice)
    app.config["MAX_CONTENT_LENGTH"] = 2048
    big = predictions(0.1) * 40
    assert len(big) > 2048
    client = app.test_client()
    api = client.post("/api/v1/competitions/house-prices/submissions", headers=bearer(people.alice),
                      data={"file": (io.BytesIO(big), "big.csv")})
    assert api.status_code == 413 and api.is_json
    assert api.get_json()["error"] == "request_entity_too_large" and "larger" in api.get_json()["message"]
    login(client, "alice")
    page = client.post("/c/house-prices/submit", data={"file": (io.BytesIO(big), "big.csv")})
    assert page.status_code == 413 and "larger than this server accepts" in _page(page)
    small = client.post("/c/house-prices/submit", data={"file": (io.BytesIO(predictions(0.1)), "ok.csv")})
    assert small.status_code == 302


def test_unexpected_errors_show_a_request_id_and_no_traceback(app, db_url, tmp_path):
    from webapp import create_app

    test_app = create_app({"DATABASE_URL": db_url, "SECRET_KEY": "x", "DATA_DIR": str(tmp_path),
                           "TESTING": False, "WTF_CSRF_ENABLED": False})

    @test_app.route("/boom")
    def boom():
        raise RuntimeError(SECRET)

    @test_app.route("/api/v1/boom-inside")
    def inside():
        raise RuntimeError(SECRET)

    client = test_app.test_client()
    try:
        page = client.get("/boom")
        assert page.status_code == 500
        request_id = page.headers["X-Request-ID"]
        body = _page(page)
        assert request_id in body and "Something went wrong" in body
        assert "Traceback" not in body and SECRET not in body and "RuntimeError" not in body
        assert_security_headers(page)

        api = client.get("/api/v1/boom-inside")
        assert api.status_code == 500 and api.is_json
        assert api.get_json()["error"] == "internal_error" and SECRET not in api.get_data(as_text=True)
        # An incoming request id is echoed, so logs and reports line up.
        echoed = client.get("/boom", headers={"X-Request-ID": "abc123"})
        assert echoed.headers["X-Request-ID"] == "abc123" and "abc123" in _page(echoed)
    finally:
        test_app.extensions["holdout.engine"].dispose()


def test_the_error_page_works_for_a_signed_in_user(db_url, tmp_path, make_user, login):
    """The 500 page reads the signed-in user for its header; it must not fail on a rolled-back session."""
    from webapp import create_app

    test_app = create_app({"DATABASE_URL": db_url, "SECRET_KEY": "x", "DATA_DIR": str(tmp_path),
                           "TESTING": False, "WTF_CSRF_ENABLED": False})

    @test_app.route("/boom")
    def boom():
        raise RuntimeError(SECRET)

    make_user("olga", role="organizer")
    client = test_app.test_client()
    try:
        assert login(client, "olga").status_code == 302
        page = client.get("/boom")
        body = _page(page)
        assert page.status_code == 500 and "Something went wrong" in body
        assert "olga" in body and "Host a competition" in body  # the full page, for this user
    finally:
        test_app.extensions["holdout.engine"].dispose()


def test_a_replacement_split_is_checked_like_a_new_one(client, people, bearer, make_competition, clock, login):
    from lifecycle_support import solution_csv

    make_competition(people.org)
    org = bearer(people.org)
    no_usage = solution_csv(shift=1, usage=False)
    for fraction, seed, field in (("1.5", "0", "public_fraction"), ("nan", "0", "public_fraction"),
                                  ("0", "0", "public_fraction"), ("0.3", "-1", "seed"), ("0.3", "1.5", "seed"),
                                  ("0.3", "99999999999999999999999", "seed")):
        refused = client.post("/api/v1/competitions/house-prices/solution", headers=org,
                              content_type="multipart/form-data",
                              data={"solution": (io.BytesIO(no_usage), "v2.csv"), "public_fraction": fraction,
                                    "seed": seed})
        assert refused.status_code == 400 and refused.get_json()["field"] == field, (fraction, seed)
    login(client, "org")
    page = client.post("/organize/house-prices/solution/preview", content_type="multipart/form-data",
                       data={"solution": (io.BytesIO(no_usage), "v2.csv"), "public_fraction": "1.5", "seed": "0"},
                       follow_redirects=True)
    assert page.status_code == 200 and "strictly between 0 and 1" in _page(page)


def assert_security_headers(response) -> None:
    csp = response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in csp and "default-src 'self'" in csp and "script-src 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("path", ["/", "/signin", "/c/no-such-thing", "/api/v1/competitions", "/api/v1/nothing",
                                  "/static/holdout.css"])
def test_security_headers_everywhere(client, path):
    response = client.get(path)
    assert response.status_code in (200, 404)
    assert_security_headers(response)
    assert response.headers.get("X-Request-ID")


def test_a_draft_looks_exactly_like_a_missing_competition(client, people, make_competition, clock):
    make_competition(people.org, slug="secret-draft", start="2030-06-01T00:00Z", deadline="2030-07-01T00:00Z")
    draft = client.get("/c/secret-draft")
    missing = client.get("/c/secret-draft-x")
    assert draft.status_code == missing.status_code == 404
    assert "No competition called &#39;secret-draft&#39;." in _page(draft)


def test_a_file_housekeeping_removed_is_a_404_not_a_500(client, people, make_competition, join, submit, storage,
                                                        login, clock):
    from lifecycle_support import predictions

    competition = make_competition(people.org)
    join(competition, people.alice)
    row = submit(competition, people.alice, predictions(0.2))
    storage._path(row.file_sha256).unlink()
    login(client, "alice")
    gone = client.get(f"/c/house-prices/submissions/{row.id}/file")
    assert gone.status_code == 404 and "no longer kept" in _page(gone)
