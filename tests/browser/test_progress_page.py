"""My progress and the Data tab in a real browser, on the demo's data: the demo learner's progress
chart and rank, an upload's feedback, the wrong-file summary, the data previews and the zip.
At 1280×800 and 390×844 (screenshots to test-results/pages/), no sideways scroll from 360 px up,
no console error, failed request or request to another host, no serious axe-core violation."""
from __future__ import annotations

import io
import re
import zipfile

import pytest
from browser_support import VIEWPORTS, axe_problems, shoot_widths, sign_in
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def learner_page(demo_page):
    page, watch, server = demo_page
    sign_in(page, "learner", server.passwords["learner"])
    return page, watch


def _shoot(page, name: str) -> None:
    shoot_widths(page, f"progress-{name}")
    assert axe_problems(page) == [], name  # no serious or critical accessibility violation


def test_my_submissions_shows_the_chart_rank_and_feedback(learner_page):
    page, watch = learner_page
    page.goto("/c/breast-cancer/submissions")
    chart = page.locator("svg.progress-chart.chart-wide")
    expect(chart).to_be_visible()
    expect(chart.locator("circle.dot")).to_have_count(6)
    assert "best so far" in chart.get_attribute("aria-label")
    expect(page.locator(".rank-line")).to_contain_text("Your team ranks")
    expect(page.locator(".upload-result")).to_contain_text("paired resamples")
    box = chart.bounding_box()
    assert box["width"] > 500 and box["height"] > 150  # drawn at a readable size on a laptop
    _shoot(page, "submissions")
    page.set_viewport_size(VIEWPORTS["390"])
    expect(chart).to_be_hidden()  # a phone gets the drawing made for its width, with readable text
    box = page.locator("svg.progress-chart.chart-narrow").bounding_box()
    assert 300 <= box["width"] <= 390 and box["height"] > 150
    assert watch.take() == []


def test_an_upload_gets_feedback_and_the_test_file_one_summary(learner_page, tmp_path):
    page, watch = learner_page
    sample = page.request.get("/c/breast-cancer/files/sample_submission.csv")
    test_file = page.request.get("/c/breast-cancer/files/test.csv")
    assert sample.ok and test_file.ok
    (tmp_path / "test.csv").write_bytes(test_file.body())
    (tmp_path / "constant.csv").write_bytes(sample.body())

    page.goto("/c/breast-cancer/submit")
    page.locator("input[name=file]").set_input_files(str(tmp_path / "test.csv"))
    page.locator("button[value=validate]").click()
    first = page.locator(".problems-card li").first
    expect(first).to_contain_text("did you upload the test file")
    _shoot(page, "wrong-file")

    page.locator("input[name=file]").set_input_files(str(tmp_path / "constant.csv"))
    page.locator("input[name=description]").fill("The sample, as is")
    page.locator("button[value=submit]").click()
    expect(page).to_have_url(re.compile(r"/c/breast-cancer/submissions$"))
    card = page.locator(".upload-result")
    expect(card).to_contain_text("The sample, as is")
    expect(card).to_contain_text("It does not beat your best")
    expect(card).to_contain_text("a real drop")
    _shoot(page, "feedback")
    # The wrong file's page is a 422 on purpose (and Chromium logs that status); nothing else may show.
    unexpected = [p for p in watch.take() if not ("422" in p and "/c/breast-cancer/submit" in p)]
    assert unexpected == []


def test_data_tab_previews_and_download_all(learner_page):
    page, watch = learner_page
    page.goto("/c/breast-cancer/data")
    expect(page.locator("details.file-preview[open] summary")).to_contain_text("sample_submission.csv")
    expect(page.locator("td.num").first).to_contain_text("kB")
    page.locator("details.file-preview summary", has_text="train.csv").click()
    train = page.locator("details.file-preview", has_text="train.csv")
    expect(train.locator("th").first).to_contain_text("id")
    expect(train.locator("th .type").first).to_have_text("integer")
    expect(page.locator("main code", has_text="holdout validate breast-cancer FILE")).to_be_visible()
    _shoot(page, "data")
    with page.expect_download() as caught:
        page.locator("a", has_text="Download all").click()
    path = caught.value.path()
    with zipfile.ZipFile(io.BytesIO(open(path, "rb").read())) as archive:
        assert sorted(archive.namelist()) == ["sample_submission.csv", "test.csv", "train.csv"]
        assert archive.testzip() is None
    # Chromium reports a navigation that became a download as aborted, and with it, at times, the
    # favicon request that navigation cut short: those lines, and only those, are expected.
    origin = page.url.split("/c/")[0]
    expected = {f"request failed: {origin}{path} (net::ERR_ABORTED)"
                for path in ("/c/breast-cancer/data.zip", "/static/favicon.svg")}
    unexpected = [p for p in watch.take() if p not in expected]
    assert unexpected == []
