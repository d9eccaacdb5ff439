"""Browser fixtures: the app on a real HTTP port, driven by Debian's chromium via Playwright.

Playwright cannot download its own browsers here, so it always launches
/usr/bin/chromium (Debian's package `chromium`; .ci/run installs it).
Without it: CI fails, a local run skips these tests with a loud reason.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("HOLDOUT_CHROMIUM", "/usr/bin/chromium"))
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    # This machine has no network beyond loopback: keep chromium from trying.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Everything under tests/browser/ is a browser test, marked or not.
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        message = (f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium) "
                   "to run the browser tests")
        if IN_CI:
            pytest.fail(message + " -- CI must run them", pytrace=False)
        pytest.skip("!!! BROWSER TESTS NOT RUN: " + message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class PageProblems:
    """Console errors, uncaught exceptions and CSP violations seen by a page."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)

    def all(self) -> list[str]:
        return self.console_errors + self.page_errors + self.csp_violations


# Runs before any page script; Playwright injects it outside the page's CSP.
_CSP_LISTENER = """
document.addEventListener('securitypolicyviolation', (e) => {
  console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline')
                + ' at ' + e.sourceFile + ':' + e.lineNumber);
});
"""


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)
    context.add_init_script(_CSP_LISTENER)
    page = context.new_page()
    problems = PageProblems()

    def on_console(msg):
        if msg.type == "error":
            where = msg.location.get("url") or page.url
            line = msg.location.get("lineNumber")
            entry = f"{msg.text} (at {where}{':' + str(line) if line else ''}; page {page.url})"
            (problems.csp_violations if "Content Security Policy" in msg.text or msg.text.startswith("CSP violation")
             else problems.console_errors).append(entry)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: problems.page_errors.append(f"{exc} ({page.url})"))
    page.problems = problems  # type: ignore[attr-defined]
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def page_problems(page) -> PageProblems:
    """What went wrong in the page's console so far (read it at the end of the test)."""
    return page.problems


@pytest.fixture(scope="module")
def demo_server(_databases, tmp_path_factory, request):
    """The seeded demo on a loopback port, in a database of this test module's own (browser_support.serve_demo)."""
    from browser_support import serve_demo

    from tests.conftest import migrate

    name = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    url = _databases.new(name)
    migrate(url)
    try:
        yield from serve_demo(url, tmp_path_factory.mktemp(f"{name}-data"))
    finally:
        _databases.drop(url)


@pytest.fixture
def demo_page(browser, demo_server):
    """(page, watch, server): a fresh 1280-px page on this module's demo server, every problem it
    meets recorded by a browser_support.Watch."""
    from browser_support import VIEWPORTS, Watch

    context = browser.new_context(base_url=demo_server.url, viewport=VIEWPORTS["1280"])
    context.set_default_timeout(15_000)
    page = context.new_page()
    watch = Watch(demo_server.url)
    watch.attach(page)
    try:
        yield page, watch, demo_server
    finally:
        context.close()
