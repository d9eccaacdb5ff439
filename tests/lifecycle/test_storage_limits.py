"""Bounded uploads and storage that does not fill up (issue 12): quota-refused files are not
kept, invalid files count against a team budget and expire, gc removes what no row needs."""
from __future__ import annotations

import gzip
import io
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from lifecycle_support import DURING, predictions, sha256

from competitions import catalog, housekeeping, submitting
from competitions.errors import QuotaExceeded

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import bombs  # noqa: E402

DAILY = 5


def _submit(sessions, storage, competition, user, data, now=DURING, policy=None):
    with sessions() as s:
        c = catalog.get_competition(s, competition.slug)
        return submitting.submit(s, storage, c, s.merge(user), "sub.csv", io.BytesIO(data), "", now, policy)


def _stored(storage) -> set[str]:
    return {sha for sha, _, _ in storage.blobs()}


def test_a_file_refused_for_quota_is_not_kept(sessions, storage, people, make_competition, join):
    competition = make_competition(people.org)
    join(competition, people.alice)
    for i in range(DAILY):
        _submit(sessions, storage, competition, people.alice, predictions(0.1 + i / 100))
    refused = predictions(0.42)
    with pytest.raises(QuotaExceeded):
        _submit(sessions, storage, competition, people.alice, refused)
    assert sha256(refused) not in _stored(storage)
    # A refused file that another row already uses stays: storage is shared.
    kept = predictions(0.1)
    with pytest.raises(QuotaExceeded):
        _submit(sessions, storage, competition, people.alice, kept)
    assert sha256(kept) in _stored(storage)


def test_invalid_files_count_against_the_team_budget(sessions, storage, people, make_competition, join):
    competition = make_competition(people.org)
    join(competition, people.alice)
    policy = submitting.UploadPolicy(team_storage_bytes=100, invalid_retention_days=7)
    bad = b"id,target\nnope,1\n" + b"x" * 150 + b",2\n"
    with pytest.raises(submitting.InvalidSubmission):
        _submit(sessions, storage, competition, people.alice, bad, policy=policy)
    with pytest.raises(submitting.StorageBudgetExceeded, match="invalid files of the last 7 days"):
        _submit(sessions, storage, competition, people.alice, bad + b"y", policy=policy)
    # Once the invalid file is past retention it no longer counts.
    later = DURING + timedelta(days=7, minutes=1)
    with pytest.raises(submitting.InvalidSubmission):
        _submit(sessions, storage, competition, people.alice, bad + b"z", now=later, policy=policy)


def test_gc_dry_run_then_delete(app, sessions, storage, people, make_competition, join):
    competition = make_competition(people.org)
    join(competition, people.alice)
    good = predictions(0.1)
    _submit(sessions, storage, competition, people.alice, good)
    bad = b"id,target\nnope,1\n"
    with pytest.raises(submitting.InvalidSubmission):
        _submit(sessions, storage, competition, people.alice, bad)
    orphan = storage.put(io.BytesIO(b"nobody refers to me")).sha256
    fresh_orphan = storage.put(io.BytesIO(b"an upload in flight")).sha256
    temp = Path(storage.root) / ".upload-interrupted"
    temp.write_bytes(b"half a file")
    old = time.time() - 2 * 86400
    for sha in _stored(storage) - {fresh_orphan}:
        os.utime(storage._path(sha), (old, old))
    os.utime(temp, (old, old))
    before = _stored(storage)

    runner = app.test_cli_runner()
    dry = runner.invoke(args=["storage", "gc"])
    assert dry.exit_code == 0, dry.output
    assert "Would remove 1 interrupted upload(s), 1 unreferenced file(s) and 0 invalid" in dry.output
    assert orphan in dry.output and "Dry run" in dry.output
    assert _stored(storage) == before and temp.exists()

    import webapp.clock
    webapp.clock.now = lambda: DURING + timedelta(days=8)  # the invalid file is now past retention
    try:
        done = runner.invoke(args=["storage", "gc", "--delete"])
    finally:
        del webapp.clock.now
        import importlib
        importlib.reload(webapp.clock)
    assert done.exit_code == 0, done.output
    assert "Removed 1 interrupted upload(s), 1 unreferenced file(s) and 1 invalid file(s)" in done.output
    assert _stored(storage) == before - {orphan, sha256(bad)}
    assert sha256(good) in _stored(storage) and fresh_orphan in _stored(storage) and not temp.exists()
    with sessions() as s:  # competition files and the solution stay, and so does the invalid row
        c = catalog.get_competition(s, competition.slug)
        assert all(storage.exists(f.sha256) for f in c.files)
        assert storage.exists(c.solutions[0].sha256) if hasattr(c, "solutions") else True


def test_clean_temp_at_start_up(app, storage):
    storage.root.mkdir(parents=True, exist_ok=True)
    (storage.root / ".upload-abc").write_bytes(b"x" * 10)
    result = app.test_cli_runner().invoke(args=["storage", "clean-temp"])
    assert result.exit_code == 0 and "Removed 1 interrupted upload(s): 10 bytes" in result.output
    assert list(storage.temp_files()) == []
    assert housekeeping.remove_temp_files(storage) == []


@pytest.mark.parametrize("make,name,code", [
    (lambda: bombs.gzip_bomb(4 << 30, "line"), "bomb.csv.gz", "line_too_long"),
    (lambda: bombs.gzip_bomb(8 << 30, "rows"), "rows.csv.gz", "file_too_large"),
    (lambda: bombs.zip_bomb(8 << 30, "rows"), "rows.zip", "file_too_large"),
    (lambda: bombs.wide_csv(1_000_000), "wide.csv", "too_many_columns"),
    (lambda: bombs.wide_csv(20_000, rows=3), "wide20k.csv", "too_many_columns"),
], ids=["gzip-line", "gzip-rows", "zip-rows", "1M-columns", "20k-columns"])
def test_validate_and_submit_answer_hostile_files_with_one_problem(app, client, clock, people, make_competition, join,
                                                                  bearer, make, name, code):
    app.config["ASYNC_SCORING_MB"] = 1000  # the instant path, even for these large files (queued ones: tests/jobs)
    competition = make_competition(people.org)
    join(competition, people.alice)
    data = make()
    url = f"/api/v1/competitions/{competition.slug}"
    checked = client.post(f"{url}/validate", headers=bearer(people.alice),
                          data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")
    assert checked.status_code == 200
    assert [p["code"] for p in checked.get_json()["problems"]] == [code]
    assert len(checked.get_data()) < 2000
    sent = client.post(f"{url}/submissions", headers=bearer(people.alice),
                       data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")
    assert sent.status_code == 422 and [p["code"] for p in sent.get_json()["problems"]] == [code]


def test_the_configured_inflated_limit_is_used(app, client, clock, people, make_competition, join, bearer):
    competition = make_competition(people.org)
    join(competition, people.alice)
    app.config["MAX_INFLATED_MB"] = 1
    data = gzip.compress(b"id,target\n" + b"1,0.5\n" * 400_000)  # 2.4 MB inflated
    checked = client.post(f"/api/v1/competitions/{competition.slug}/validate", headers=bearer(people.alice),
                          data={"file": (io.BytesIO(data), "s.csv.gz")}, content_type="multipart/form-data")
    assert [p["code"] for p in checked.get_json()["problems"]] == ["file_too_large"]
