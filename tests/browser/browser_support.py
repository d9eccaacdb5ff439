"""Steps the browser tests share: signing in, screenshots that also check for sideways overflow, a watch on
what a page loads (console errors, failed requests, requests to other hosts) and the axe-core check."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import expect

PASSWORD = "a long enough password"
SIZES = {"wide": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
# Every page is checked at these sizes; 360 px is the narrowest phone we support.
VIEWPORTS = {"360": {"width": 360, "height": 740}, "390": {"width": 390, "height": 844},
             "1280": {"width": 1280, "height": 800}}
# Screenshots land in a git-ignored folder (test-results/ is in .gitignore) unless told otherwise.
SCREENSHOTS = Path(os.environ.get("HOLDOUT_SCREENSHOTS", Path(__file__).parents[2] / "test-results" / "pages"))


def sign_in(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/signin")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("main button[type=submit]").click()
    expect(page.locator("nav .me")).to_have_text(username)


def overflow(page) -> int:
    """How many pixels the page sticks out sideways (0 when it does not scroll horizontally)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def shoot(page, name: str, shots: Path) -> None:
    """Screenshots at both sizes; at each, nothing may stick out sideways."""
    for label, size in SIZES.items():
        page.set_viewport_size(size)
        page.screenshot(path=str(shots / f"{name}-{label}.png"), full_page=True)
        sideways = overflow(page)
        assert sideways <= 0, f"{name} at {label} width overflows by {sideways}px"
    page.set_viewport_size(SIZES["wide"])


def shoot_widths(page, name: str) -> None:
    """Screenshots at 1280 and 390 px wide (SCREENSHOTS/<name>-<width>.png); at 360, 390 and 1280 px
    nothing may stick out sideways. Leaves the page at 1280 px."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, size in VIEWPORTS.items():
        page.set_viewport_size(size)
        if label in ("390", "1280"):
            page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
        assert overflow(page) <= 0, f"{name} at {label} px scrolls sideways by {overflow(page)} px"
    page.set_viewport_size(VIEWPORTS["1280"])


# --- what a page did ------------------------------------------------------------------------------

@dataclass
class Watch:
    """Everything a page did that a clean page never does, recorded as one line each."""

    origin: str
    problems: list[str] = field(default_factory=list)

    def attach(self, page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.problems.append(f"uncaught exception: {exc} ({page.url})"))
        page.on("requestfailed", lambda r: self.problems.append(f"request failed: {r.url} ({r.failure})"))
        page.on("request", self._request)
        page.on("response", self._response)

    def _console(self, msg) -> None:
        if msg.type == "error":
            self.problems.append(f"console error: {msg.text} (at {msg.location.get('url')})")

    def _request(self, request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("data", "blob", "about"):
            return
        if f"{parts.scheme}://{parts.netloc}" != self.origin:
            self.problems.append(f"request to another host: {request.url}")

    def _response(self, response) -> None:
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def take(self) -> list[str]:
        taken, self.problems = self.problems, []
        return taken


# --- accessibility: axe-core from the installed axe-playwright-python package (never a CDN) -------

@cache
def axe_source() -> str:
    return resources.files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")


def axe_problems(page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """axe-core's violations of the given impacts, one line each with the first offending elements.

    Playwright's evaluate runs outside the page's Content-Security-Policy, so axe needs no inline script."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                        targets: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")
    return [f"axe {v['impact']} {v['id']}: {v['help']} at {', '.join(v['targets'])}"
            for v in result if v["impact"] in impacts]


# --- a live server holding the demo's data ----------------------------------------------------------

@dataclass
class SeededServer:
    url: str
    app: object
    passwords: dict[str, str]


def serve_demo(db_url: str, data_dir: Path):
    """Generator for a fixture: the app on a loopback port, CSRF on, holding the demo (four competitions,
    a study group, teams, discussion, a write-up) plus an admin `site_admin` and a learner `newcomer` who has
    joined nothing. Yields a SeededServer."""
    import logging
    import threading

    from werkzeug.serving import WSGIRequestHandler, make_server

    from competitions import accounts
    from webapp import clock, create_app
    from webapp.db import get_session
    from webapp.demo import seed
    from webapp.storage import get_storage

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, *args, **kwargs) -> None:
            pass

    logging.getLogger("werkzeug").addHandler(logging.NullHandler())
    app = create_app({"DATABASE_URL": db_url, "SECRET_KEY": "test-secret", "DATA_DIR": str(data_dir),
                      "TESTING": False, "WTF_CSRF_ENABLED": True, "RATELIMIT_ENABLED": False, "REDIS_URL": None,
                      # Jobs (tie marks, large files) run in this process as they are queued.
                      "JOBS_IMMEDIATE": True, "REFUSED_FILE_GRACE_SECONDS": 0})
    with app.app_context():
        session = get_session()
        now = clock.now()
        report = seed(session, get_storage(), now)
        passwords = dict(report.credentials)
        # Our own accounts, with a known password: an admin, and a learner who has joined nothing yet.
        for username, role in (("site_admin", "admin"), ("newcomer", "learner")):
            if accounts.find_user(session, username) is None:
                accounts.create_user(session, username, PASSWORD, role=role, now=now)
            passwords[username] = PASSWORD
        session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="seeded-server", daemon=True)
    thread.start()
    try:
        yield SeededServer(url=f"http://127.0.0.1:{server.server_port}", app=app, passwords=passwords)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        app.extensions["holdout.engine"].dispose()
