"""A learner asks a question, the organizer answers and pins it, the learner sees the notification.
Hostile titles, bodies and links are posted too: with the page's CSP in force, none of them runs."""
from __future__ import annotations

import io
import os
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from browser_support import PASSWORD, shoot, sign_in
from playwright.sync_api import expect

from competitions import hosting, participation
from competitions.db import make_session_factory
from competitions.spec import parse_spec
from competitions.storage import LocalStorage

pytestmark = pytest.mark.browser

SOLUTION = "id,target,Usage\n" + "".join(f"{i},{i % 2},{'Public' if i < 4 else 'Private'}\n" for i in range(10))
XSS_TITLE = '<img src=x onerror="window.__xss=1">Scaling?'
XSS_BODY = ("Does **scaling** matter? <script>window.__xss=2</script> <img src=x onerror=\"window.__xss=3\">\n\n"
            "[a link](javascript:window.__xss=4) and [docs](https://scikit-learn.org/stable/)\n\n"
            "```python\nfrom sklearn.preprocessing import StandardScaler  # a long line that must scroll "
            "inside its box on a phone rather than widen the page\n```\n")






def test_question_answer_pin_and_notification(browser, page, live_server, make_user, engine, tmp_path):
    shots = Path(os.environ.get("HOLDOUT_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    owner = make_user("olga", PASSWORD, role="organizer")
    ana = make_user("ana", PASSWORD)
    now = datetime.now(timezone.utc)
    spec = parse_spec({"title": "Parity", "slug": "parity", "metric": "log_loss", "id_column": "id",
                       "start": (now - timedelta(days=1)).isoformat(), "deadline": (now + timedelta(days=30)).isoformat()})
    with make_session_factory(engine)() as s:
        c = hosting.create_competition(s, LocalStorage(live_server.data_dir), s.merge(owner), spec,
                                       io.BytesIO(SOLUTION.encode()), [], now).competition
        participation.join(s, c, s.merge(ana), now)
        s.commit()

    # Ana asks, with hostile markup in the title, the body and a link.
    sign_in(page, "ana")
    page.goto("/c/parity")
    page.locator("nav.tabs a", has_text="Discussion").click()
    page.locator("a.button", has_text="New topic").click()
    page.locator("input[name=title]").fill(XSS_TITLE)
    page.locator("textarea[name=body]").fill(XSS_BODY)
    page.locator("button", has_text="Post topic").click()
    expect(page).to_have_url(re.compile(r"/c/parity/discussion/\d+$"))
    topic_url = page.url
    expect(page.locator("h2.topic-heading")).to_contain_text(XSS_TITLE)  # shown as text
    expect(page.locator(".post-body strong")).to_have_text("scaling")
    link = page.locator(".post-body a", has_text="docs")
    expect(link).to_have_attribute("rel", "nofollow ugc noopener")
    expect(page.locator(".post-body a", has_text="a link")).not_to_have_attribute("href", re.compile("javascript"))
    expect(page.locator(".codehilite span.kn").first).to_have_text("from")  # highlighted on the server
    shoot(page, "discussion-topic", shots)

    # Olga, in her own browser, answers and pins it.
    other = browser.new_context(base_url=live_server.url)
    other.set_default_timeout(10_000)
    olga = other.new_page()
    try:
        sign_in(olga, "olga")
        olga.goto(topic_url)
        olga.locator("#reply textarea[name=body]").fill("Yes: use a `StandardScaler` for linear models.")
        olga.locator("#reply button", has_text="Post reply").click()
        expect(olga.locator("article.post")).to_have_count(2)
        olga.locator("button", has_text="Pin").click()
        expect(olga.locator(".flash.info")).to_have_text("Topic pinned.")
        olga.goto("/c/parity/discussion")
        expect(olga.locator(".topic-row.pinned .badge")).to_have_text("pinned")
        shoot(olga, "discussion-list", shots)
        assert olga.evaluate("window.__xss") is None
    finally:
        other.close()

    # Ana sees the unread count in the header and the notification, which leads to the answer.
    page.goto("/c/parity/discussion")
    expect(page.locator("a.notif-link .count")).to_have_text("1")
    page.locator("a.notif-link").click()
    expect(page.locator(".notification.unread")).to_have_count(1)
    expect(page.locator(".notification-text")).to_contain_text("olga replied in")
    shoot(page, "notifications", shots)
    page.locator(".notification-text").click()
    expect(page).to_have_url(re.compile(r"/c/parity/discussion/\d+#post-\d+$"))
    expect(page.locator("a.notif-link .count")).to_have_count(0)
    expect(page.locator("article.post").nth(1)).to_contain_text("StandardScaler")
    assert page.evaluate("window.__xss") is None
    assert not page.problems.page_errors
    # The payloads were never script: nothing for the CSP to block, and no handler ran.
    assert not [v for v in page.problems.csp_violations if "inline" in v], page.problems.csp_violations
