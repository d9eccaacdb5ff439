"""The Jinja filters that put sizes and times into words a person reads."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from webapp.filters import countdown, filesize, localtime, time_left


@pytest.mark.parametrize(("size", "text"), [
    (0, "0 B"), (999, "999 B"), (1000, "1.0 kB"), (1234, "1.2 kB"), (9999, "10 kB"), (10_000, "10 kB"),
    (999_499, "999 kB"), (999_999, "1.0 MB"), (12_345_678, "12 MB"), (5 * 10**12, "5.0 TB"), (None, "—"),
])
def test_sizes_read_in_kb_and_mb_not_bytes(size, text):
    assert filesize(size).replace("\u00a0", " ") == text
    assert " " not in filesize(size)  # a no-break space: "2.5 kB" never wraps between number and unit


NOON = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(("left", "text"), [
    (timedelta(days=2, hours=4, minutes=13, seconds=5), "2 d 4 h left"),
    (timedelta(hours=3, minutes=7), "3 h 7 min left"),
    (timedelta(minutes=5, seconds=9), "5 min 9 s left"),
    (timedelta(0), "deadline passed"),
    (timedelta(minutes=-1), "deadline passed"),
])
def test_time_left_counts_down_in_days_hours_then_minutes(left, text):
    assert time_left(NOON + left, NOON) == text


def test_a_time_reads_in_utc_without_script_and_keeps_its_instant_for_the_browser():
    html = str(localtime(NOON, relative=True))
    assert html == ('<time datetime="2026-03-01T12:00:00+00:00" title="2026-03-01 12:00 UTC" data-relative="">'
                    "2026-03-01 12:00 UTC</time>")
    assert str(localtime(None)) == "—"


def test_a_countdown_reads_as_of_the_request_with_the_utc_time_as_tooltip(monkeypatch):
    import webapp.clock

    monkeypatch.setattr(webapp.clock, "now", lambda: NOON)
    html = str(countdown(NOON + timedelta(days=1, hours=2)))
    assert 'data-countdown=""' in html and 'title="2026-03-02 14:00 UTC"' in html
    assert ">1 d 2 h left</time>" in html
