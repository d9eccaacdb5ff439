"""Organizer pages in a real browser at 1280×800 and 390×844: the host form keeps a file after an error and
takes local times, a draft is published with a button, and the disqualify dialog. Screenshots go to the
git-ignored test-results/pages/; no page may scroll sideways from 360 px up, log a console error, fail a
request or ask another host for anything."""
from __future__ import annotations

import io
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from browser_support import PASSWORD, SCREENSHOTS, VIEWPORTS, Watch, axe_problems, overflow, shoot, sign_in
from playwright.sync_api import expect

from competitions import catalog, participation, submitting
from competitions.db import make_session_factory
from competitions.storage import LocalStorage

pytestmark = pytest.mark.browser

SOLUTION = "id,target,Usage\n" + "".join(f"{i},{i % 2},{'Public' if i < 4 else 'Private'}\n" for i in range(10))
ZONE = "Europe/Berlin"


@pytest.fixture
def shots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def berlin(browser, live_server):
    """A page in Berlin's time zone, with a watch on everything it loads."""
    context = browser.new_context(base_url=live_server.url, timezone_id=ZONE, viewport=VIEWPORTS["1280"])
    context.set_default_timeout(10_000)
    page = context.new_page()
    watch = Watch(live_server.url)
    watch.attach(page)
    page.watch = watch  # type: ignore[attr-defined]
    yield page
    context.close()


def _phone_views(page, name: str, shots: Path, selectors: tuple[str, ...]) -> None:
    """Screenshots of parts of the page at 390 px, at readable scale (a full phone page is too tall to look at)."""
    page.set_viewport_size(VIEWPORTS["390"])
    for i, selector in enumerate(selectors):
        page.locator(selector).first.scroll_into_view_if_needed()
        page.screenshot(path=str(shots / f"{name}-phone-part{i + 1}.png"))
    page.set_viewport_size(VIEWPORTS["1280"])


def _no_sideways_scroll(page, name: str) -> None:
    for label, size in VIEWPORTS.items():
        page.set_viewport_size(size)
        assert overflow(page) <= 0, f"{name} overflows sideways at {label} px by {overflow(page)} px"
    page.set_viewport_size(VIEWPORTS["1280"])


def _expected_clean(page) -> None:
    problems = page.watch.take()
    # The host form's refusal is a 422 on purpose (chromium logs it too); nothing else may fail.
    assert [p for p in problems if not p.startswith("HTTP 422") and "status of 422" not in p] == []


def test_the_host_form_keeps_the_file_then_saves_a_draft_that_is_published(berlin, live_server, make_user,
                                                                             engine, shots):
    page = berlin
    make_user("olga", PASSWORD, role="organizer")
    make_user("lena", PASSWORD)
    sign_in(page, "olga")
    page.goto("/organize/new")
    expect(page.locator("[data-tz-note]")).to_contain_text(f"your time zone ({ZONE})")
    page.locator("input[name=title]").fill("Parity")
    page.locator("input[name=slug]").fill("parity")
    page.locator("select[name=metric]").select_option("log_loss")
    expect(page.locator("#metric-about")).to_contain_text("log_loss: lower is better. Binary cross-entropy")
    # Local (Berlin, UTC+1 in January) times; the UTC value shows beside each picker.
    page.locator("input[name=start_at]").fill("2030-01-01T10:00")
    page.locator("input[name=deadline_at]").fill("2029-12-01T10:00")  # before the start: refused
    expect(page.locator("[data-utc-echo=start_at]")).to_have_text("= 2030-01-01 09:00 UTC")
    page.locator("input[name=solution]").set_input_files(
        files=[{"name": "solution.csv", "mimeType": "text/csv", "buffer": SOLUTION.encode()}])
    page.locator("button", has_text="Save draft").click()

    summary = page.locator("#form-errors")
    expect(summary).to_contain_text("Deadline: The deadline must come after the start.")
    expect(page.locator(".field.has-error", has=page.locator("input[name=deadline_at]"))).to_contain_text(
        "The deadline must come after the start.")
    expect(page.locator("[data-kept=solution]")).to_contain_text("solution.csv kept — choose another file to replace it")
    # The times come back in the organizer's own time zone, as they were typed.
    expect(page.locator("input[name=start_at]")).to_have_value("2030-01-01T10:00")
    shoot(page, "organizer-host-form-error", shots)
    assert axe_problems(page) == []
    _phone_views(page, "organizer-host-form-error", shots, ("#form-errors", "[data-kept=solution]", "input[name=deadline_at]"))
    _no_sideways_scroll(page, "host form with an error")

    # Fix the deadline only: no file chosen again.
    page.locator("input[name=deadline_at]").fill("2030-02-01T10:00")
    page.locator("button", has_text="Save draft").click()
    expect(page).to_have_url(re.compile(r"/organize/parity$"))
    expect(page.locator(".draft-banner")).to_contain_text("Draft: only you and admins see it")
    expect(page.locator("body")).to_contain_text("4 public, 6 private")
    with make_session_factory(engine)() as s:
        c = catalog.get_competition(s, "parity")
        assert c.start_at == datetime(2030, 1, 1, 9, 0, tzinfo=timezone.utc)
        assert c.deadline_at == datetime(2030, 2, 1, 9, 0, tzinfo=timezone.utc)
        assert c.published_at is None
    expect(page.locator(".timeline .step.current")).to_contain_text("draft")
    shoot(page, "organizer-manage-draft", shots)
    assert axe_problems(page) == []
    _phone_views(page, "organizer-manage-draft", shots, (".draft-banner", ".timeline"))
    _no_sideways_scroll(page, "manage tab of a draft")

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(".draft-banner button", has_text="Publish").click()
    expect(page.locator(".flash.success")).to_contain_text("Published: learners can see it, and it opens at its start.")
    expect(page.locator(".draft-banner")).to_have_count(0)
    _expected_clean(page)


def _open_competition_with_entries(engine, data_dir, owner, learners) -> int:
    """An open, published competition with one scored entry per learner; the first entry's id."""
    from competitions import hosting
    from competitions.spec import parse_spec

    now = datetime.now(timezone.utc)
    storage = LocalStorage(str(data_dir))
    with make_session_factory(engine)() as s:
        spec = parse_spec({"title": "Parity", "slug": "parity", "metric": "log_loss",
                           "start": (now - timedelta(days=1)).isoformat(),
                           "deadline": (now + timedelta(days=30)).isoformat()})
        hosting.create_competition(s, storage, s.merge(owner), spec, io.BytesIO(SOLUTION.encode()), [], now)
        s.commit()
        ids = []
        for i, learner in enumerate(learners):
            c = catalog.get_competition(s, "parity")
            participation.join(s, c, s.merge(learner), now)
            s.commit()
            body = "id,target\n" + "".join(f"{k},{0.9 - i / 10 if k % 2 else 0.1 + i / 10}\n" for k in range(10))
            ids.append(submitting.submit(s, storage, c, s.merge(learner), "p.csv", io.BytesIO(body.encode()),
                                         "", now).submission.id)
        return ids[0]


def test_the_disqualify_dialog_asks_for_the_reason(berlin, live_server, make_user, engine, shots):
    page = berlin
    olga = make_user("olga", PASSWORD, role="organizer")
    learners = [make_user(f"learner{i}", PASSWORD) for i in range(3)]
    first = _open_competition_with_entries(engine, live_server.data_dir, olga, learners)
    sign_in(page, "olga")
    page.goto("/organize/parity")
    expect(page.locator(".timeline .step.current")).to_contain_text("open")
    row = page.locator(".submissions-table tr", has=page.locator(f"td:text-is('{first}')"))
    row.locator("a", has_text="Disqualify…").click()
    dialog = page.locator("#dq-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(f"Disqualify submission {first}?")
    expect(page.locator("#dq-reason")).to_be_focused()
    shoot(page, "organizer-disqualify-dialog", shots)
    assert axe_problems(page) == []
    _phone_views(page, "organizer-disqualify-dialog", shots, ("#dq-dialog",))
    # An empty reason: the browser holds the form.
    dialog.locator("button", has_text="Disqualify").click()
    expect(dialog).to_be_visible()
    page.locator("#dq-reason").fill("Shared predictions with another team")
    dialog.locator("button", has_text="Disqualify").click()
    expect(page.locator(".flash")).to_contain_text(f"Submission {first} disqualified.")
    row = page.locator(".submissions-table tr", has=page.locator(f"td:text-is('{first}')"))
    expect(row).to_contain_text("DQ: Shared predictions with another team")
    row.locator("button", has_text="Reinstate").click()
    expect(page.locator(".flash")).to_contain_text(f"Submission {first} reinstated.")
    # The team filter narrows the table to one row.
    page.locator("#filter-team").select_option(label="learner1")
    page.locator(".filters button", has_text="Filter").click()
    expect(page.locator(".submissions-table tbody tr")).to_have_count(1)
    shoot(page, "organizer-manage-open", shots)
    _phone_views(page, "organizer-manage-open", shots, (".timeline", "#submissions", ".submissions-table"))
    _no_sideways_scroll(page, "manage tab")
    _expected_clean(page)


def test_without_javascript_the_disqualify_link_opens_a_page(browser, live_server, make_user, engine, shots):
    olga = make_user("olga", PASSWORD, role="organizer")
    first = _open_competition_with_entries(engine, live_server.data_dir, olga, [make_user("lena", PASSWORD)])
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, viewport=VIEWPORTS["390"])
    page = context.new_page()
    try:
        sign_in(page, "olga")
        page.goto("/organize/parity")
        expect(page.locator("[data-tz-note]")).to_have_count(0)  # not the host form
        page.locator("a", has_text="Disqualify…").click()
        expect(page).to_have_url(re.compile(rf"/organize/parity/submissions/{first}/disqualify$"))
        page.locator("input[name=reason]").fill("Copied")
        shoot(page, "organizer-disqualify-page-nojs", shots)
        page.locator("button", has_text="Disqualify").click()
        expect(page.locator(".flash")).to_contain_text(f"Submission {first} disqualified.")
        page.goto("/organize/new")
        expect(page.locator("[data-tz-note]")).to_contain_text("Times are in UTC")
    finally:
        context.close()
