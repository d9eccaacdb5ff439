"""My submissions in a real browser: a queued upload's row turns 'scored' by itself when its job
runs (static/submission-status.js polls), with no page reload, no console error and no CSP violation."""
from __future__ import annotations

import importlib.util
import logging
import sys
import threading
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

HERE = Path(__file__).resolve().parent
# The job tests' fixtures (an app whose queue keeps its jobs, and running them as a worker would),
# with the lifecycle fixtures they bring. This file lives beside the browser tests so it shares
# their one session-wide chromium: a second Playwright in the same thread cannot start.
_spec = importlib.util.spec_from_file_location("jobs_fixtures", HERE.parent / "jobs" / "conftest.py")
_jobs = sys.modules["jobs_fixtures"] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_jobs)
queued_app, run_jobs_fixture = _jobs.queued_app, _jobs.run_jobs_fixture
clock, storage, sessions, people, bearer = _jobs.clock, _jobs.storage, _jobs.sessions, _jobs.people, _jobs.bearer
make_competition, join, submit = _jobs.make_competition, _jobs.join, _jobs.submit
from browser_support import Watch, sign_in  # noqa: E402
from lifecycle_support import predictions  # noqa: E402


@pytest.fixture
def served(queued_app):
    """The app with a queue that keeps its jobs, CSRF on, on a loopback port."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, *args, **kwargs) -> None:
            pass

    logging.getLogger("werkzeug").addHandler(logging.NullHandler())
    app = queued_app(WTF_CSRF_ENABLED=True, TESTING=False)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="jobs-live-server", daemon=True)
    thread.start()
    try:
        yield app, f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def test_a_queued_row_turns_scored_without_a_reload(browser, served, run_jobs, people, make_competition, join,
                                                    clock, tmp_path):
    from playwright.sync_api import expect

    competition = make_competition(people.org)
    join(competition, people.alice)
    app, url = served
    context = browser.new_context(base_url=url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    watch = Watch(url)
    watch.attach(page)
    csp = []
    page.on("console", lambda m: csp.append(m.text) if "Content Security Policy" in m.text else None)
    try:
        sign_in(page, "alice", "correct horse battery")
        big = tmp_path / "big.csv"
        big.write_bytes(predictions(0.2))
        page.goto(f"/c/{competition.slug}/submit")
        page.locator("input[name=file]").set_input_files(str(big))
        page.locator("main form button[type=submit]").first.click()
        expect(page.locator(".flash").first).to_contain_text("Queued: big.csv is large")
        row = page.locator("tr[data-status]").first
        expect(row).to_have_attribute("data-status", "queued")
        expect(page.get_by_role("link", name="Refresh")).to_be_visible()
        page.evaluate("window.__sameDocument = true")

        assert [name for name, _ in run_jobs(app)] == ["holdout.score_submission", "holdout.ties"]
        expect(row).to_have_attribute("data-status", "scored")
        expect(row).to_contain_text("0.20")
        assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"
        expect(page.locator("#pending-note")).to_have_text("Every submission has been scored.")
        assert watch.take() == [] and csp == []
    finally:
        context.close()
