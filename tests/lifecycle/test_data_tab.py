"""The Data tab: human sizes, the sample submission marked, previews computed once at upload,
the download-all zip (streamed, access-controlled) and the offline-check hint."""
from __future__ import annotations

import gzip
import io
import re
import zipfile

from lifecycle_support import TEST_CSV, TRAIN_CSV, assert_no_solution, predictions

from competitions import catalog, previews
from competitions.models import CompetitionFile

C = "/c/house-prices"
SAMPLE = predictions(0.0)


def _files(**extra) -> dict:
    return {"train.csv": TRAIN_CSV, "test.csv": TEST_CSV, "sample_submission.csv": SAMPLE, **extra}


def test_page_shows_sizes_sample_and_previews(app, people, login, clock, make_competition, join):
    competition = make_competition(people.org, files=_files(), sample_submission="sample_submission.csv",
                                   test_file="test.csv")
    join(competition, people.alice)
    alice = app.test_client()
    login(alice, "alice")
    body = alice.get(f"{C}/data").get_data(as_text=True)
    # Sizes as people read them (webapp/filters.py filesize; its space may be a no-break one).
    n = len(TRAIN_CSV)
    assert re.search(rf'title="{n:,} bytes">{n}[ \u00a0]B</td>', body)
    assert "sample_submission.csv</a>\n          " in body and '<span class="badge open">sample submission</span>' in body
    # The sample's preview is open; every CSV has one, with its inferred types.
    assert '<details class="file-preview" open>' in body
    assert '<th scope="col">x<span class="type">number</span></th>' in body
    assert '<th scope="col">id<span class="type">integer</span></th>' in body
    assert "<td>101</td><td>0.5</td><td>1.0</td>" in body  # train.csv's first row
    assert f'href="{C}/data.zip"' in body and "Download all (3 files" in body
    # The offline check names the server's dry run, not a command that needs the answer key.
    assert "<code>holdout validate house-prices FILE</code>" in body and "--solution" not in body
    assert_no_solution(body.encode())


def test_previews_are_computed_at_upload_not_per_view(app, people, login, clock, make_competition, join,
                                                      sessions, storage):
    competition = make_competition(people.org)
    with sessions() as s:
        row = catalog.get_file(s, catalog.get_competition(s, "house-prices"), "train.csv")
        assert row.preview_done and row.preview["columns"][2] == {"name": "target", "type": "number"}
        sha = row.sha256
    # With the stored file gone, the page still shows the preview: the view never opens it.
    (storage._path(sha)).unlink()
    join(competition, people.alice)
    alice = app.test_client()
    login(alice, "alice")
    assert "<td>101</td><td>0.5</td><td>1.0</td>" in alice.get(f"{C}/data").get_data(as_text=True)
    # Rows of data are shown on the rule of downloading them: not before joining.
    anonymous = app.test_client().get(f"{C}/data").get_data(as_text=True)
    assert "train.csv" in anonymous and "<td>101</td>" not in anonymous and "file-preview" not in anonymous


def test_preview_of_compressed_files_and_bounds():
    wide = ",".join(f"c{i}" for i in range(80)) + "\n" + "\n".join(
        ",".join(["x" * 100] + [str(i)] * 79) for i in range(30)) + "\n"
    plain = previews.preview_stream("wide.csv", io.BytesIO(wide.encode()))
    assert plain["n_columns"] == 80 and len(plain["columns"]) == previews.COLUMNS
    assert len(plain["rows"]) == previews.ROWS and len(plain["rows"][0]) == previews.COLUMNS
    assert plain["rows"][0][0] == "x" * (previews.CELL_CHARS - 1) + "…"
    assert plain["columns"][0]["type"] == "text" and plain["columns"][1]["type"] == "integer"
    packed = previews.preview_stream("wide.csv.gz", io.BytesIO(gzip.compress(wide.encode())))
    assert packed == plain
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("inner.csv", wide)
    assert previews.preview_stream("wide.zip", archive) == plain
    assert previews.preview_stream("notes.txt", io.BytesIO(b"a,b\n1,2\n")) is None
    assert previews.preview_stream("bin.csv", io.BytesIO(b"\x00\x01\x02,\n")) is None
    two = io.BytesIO()
    with zipfile.ZipFile(two, "w") as z:
        z.writestr("a.csv", "a\n1\n")
        z.writestr("b.csv", "b\n2\n")
    assert previews.preview_stream("two.zip", two) is None
    # A line longer than csv's field limit is cut, not refused; one longer than HEAD_BYTES is not read.
    long_cell = previews.preview_stream("long.csv", io.BytesIO(b"a,b\n" + b"1" * 300_000 + b",2\n3,4\n"))
    assert long_cell["rows"][0][0] == "1" * (previews.CELL_CHARS - 1) + "…" and long_cell["rows"][1] == ["3", "4"]
    huge = previews.preview_stream("huge.csv", io.BytesIO(b"a,b\n" + b"1" * (3 * previews.HEAD_BYTES)))
    assert huge["n_columns"] == 2 and huge["rows"] == []


def test_download_all_is_a_streamed_zip_of_every_file(app, people, login, clock, make_competition, join, storage):
    big = b"id,x\n" + b"".join(b"%d,%d\n" % (i, i * 7) for i in range(400_000))  # about 5 MB
    competition = make_competition(people.org, files=_files(**{"big.csv": big}),
                                   sample_submission="sample_submission.csv")
    alice = app.test_client()
    login(alice, "alice")
    assert alice.get(f"{C}/data.zip").status_code == 403  # not joined: the rule of single files
    assert app.test_client().get(f"{C}/data.zip").status_code == 403
    join(competition, people.alice)
    response = alice.get(f"{C}/data.zip", buffered=False)
    assert response.status_code == 200 and response.is_streamed
    assert response.headers["Content-Disposition"] == 'attachment; filename="house-prices-data.zip"'
    chunks = list(response.response)
    # Streamed in pieces of about one read each, never the whole archive at once.
    assert len(chunks) > 10 and max(len(c) for c in chunks) < 1 << 20
    response.close()
    with zipfile.ZipFile(io.BytesIO(b"".join(chunks))) as z:
        assert sorted(z.namelist()) == ["big.csv", "sample_submission.csv", "test.csv", "train.csv"]
        assert z.read("big.csv") == big and z.read("train.csv") == TRAIN_CSV
        assert z.testzip() is None
    assert_no_solution(b"".join(chunks))


def test_download_all_refuses_a_competition_without_files(app, people, login, clock, make_competition, join):
    join(make_competition(people.org, files={}), people.alice)
    alice = app.test_client()
    login(alice, "alice")
    assert alice.get(f"{C}/data.zip").status_code == 404
    assert "No data files yet" in alice.get(f"{C}/data").get_data(as_text=True)


def test_cli_fills_previews_of_older_files_once(app, people, make_competition, sessions):
    make_competition(people.org)
    with sessions() as s:
        for row in s.query(CompetitionFile):
            row.preview, row.preview_done = None, False
        s.commit()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["files", "previews"])
    assert first.exit_code == 0 and "Looked at 2 file(s)" in first.output
    with sessions() as s:
        assert all(r.preview_done and r.preview for r in s.query(CompetitionFile))
    again = runner.invoke(args=["files", "previews"])
    assert "Looked at 0 file(s)" in again.output
