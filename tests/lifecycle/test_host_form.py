"""The host form forgives: files survive another field's error, errors show at the top and by their field,
dates are entered in local time, and the metric menu is grouped by task with its direction."""
from __future__ import annotations

import io
import re
from datetime import datetime, timedelta, timezone

from lifecycle_support import TEST_CSV, TRAIN_CSV, solution_csv
from sqlalchemy import func, select

from competitions import catalog, housekeeping, kept_uploads
from competitions.models import Competition, KeptUpload

UTC = timezone.utc


def host_form(**overrides) -> dict:
    form = {"title": "House prices", "slug": "house-prices", "subtitle": "", "description_md": "d",
            "rules_md": "r", "metric": "rmse", "metric_params": "", "id_column": "id",
            "start_at": "2030-01-01T00:00", "deadline_at": "2030-02-01T00:00", "daily_limit": "5",
            "total_limit": "", "final_selections": "2", "visibility": "public", "public_fraction": "0.3",
            "seed": "0", "solution": (io.BytesIO(solution_csv()), "solution.csv"),
            "files": [(io.BytesIO(TRAIN_CSV), "train.csv"), (io.BytesIO(TEST_CSV), "test.csv")]}
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def signed_in(app, login, name):
    client = app.test_client()
    assert login(client, name).status_code == 302
    return client


def tokens(html: str, field: str) -> list[str]:
    return re.findall(rf'name="kept_{field}" value="([^"]+)"', html)


def field_block(html: str, name: str) -> str:
    """The form field's own block (label, input, errors)."""
    start = html.index(f'name="{name}"')
    return html[html.rindex('<div class="field', 0, start):html.index("</div>", start)]


def test_files_are_kept_when_another_field_has_an_error(app, people, login, sessions, clock, storage):
    org = signed_in(app, login, "org")
    refused = org.post("/organize/new", data=host_form(deadline_at="2029-06-01T00:00"),
                       content_type="multipart/form-data")
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    # The error is in the summary at the top, linked to its field, and next to the field.
    summary = html[html.index('id="form-errors"'):html.index("</div>", html.index('id="form-errors"'))]
    assert 'href="#deadline_at"' in summary and "The deadline must come after the start." in summary
    assert "The deadline must come after the start." in field_block(html, "deadline_at")
    assert html.index('id="form-errors"') < html.index('name="title"')
    # Both files are kept, said so in words, and carried by signed tokens.
    assert "<strong>solution.csv</strong>\n  kept — choose another file to replace it." in html
    assert ("<strong>train.csv</strong>, <strong>test.csv</strong>\n  kept — a file you choose with the same name "
            "replaces the kept one; the others stay.") in html
    solution_tokens, file_tokens = tokens(html, "solution"), tokens(html, "files")
    assert len(solution_tokens) == 1 and len(file_tokens) == 2
    assert solution_csv().decode() not in html
    with sessions() as s:
        kept = s.scalars(select(KeptUpload).order_by(KeptUpload.id)).all()
        assert [(k.field, k.name, k.owner_id) for k in kept] == [
            ("solution", "solution.csv", people.org.id), ("files", "train.csv", people.org.id),
            ("files", "test.csv", people.org.id)]
        assert all(storage.exists(k.sha256) for k in kept)

    # Sent again with the field fixed and no file chosen: the kept files make the competition.
    fixed = host_form(solution=None, files=None)
    fixed["kept_solution"] = solution_tokens
    fixed["kept_files"] = file_tokens
    created = org.post("/organize/new", data=fixed, content_type="multipart/form-data")
    assert created.status_code == 302, created.get_data(as_text=True)
    with sessions() as s:
        competition = catalog.get_competition(s, "house-prices")
        assert sorted(f.name for f in competition.files) == ["test.csv", "train.csv"]
        assert s.scalar(select(func.count(KeptUpload.id))) == 0  # gone once the form succeeded
    assert org.get("/organize/house-prices/solution").get_data() == solution_csv()


def test_a_file_chosen_again_replaces_the_kept_one(app, people, login, sessions, clock):
    org = signed_in(app, login, "org")
    first = org.post("/organize/new", data=host_form(title="", files=None), content_type="multipart/form-data")
    assert first.status_code == 422
    kept = tokens(first.get_data(as_text=True), "solution")
    second = host_form(files=None, solution=(io.BytesIO(solution_csv(shift=1)), "better.csv"))
    second["kept_solution"] = kept
    assert org.post("/organize/new", data=second, content_type="multipart/form-data").status_code == 302
    assert org.get("/organize/house-prices/solution").get_data() == solution_csv(shift=1)


def test_correcting_one_data_file_keeps_the_other_kept_files(app, people, login, sessions, clock):
    """Found by a review: choosing a corrected test.csv used to drop the kept train.csv silently."""
    org = signed_in(app, login, "org")
    first = org.post("/organize/new", data=host_form(title=""), content_type="multipart/form-data")
    assert first.status_code == 422
    html = first.get_data(as_text=True)
    again = host_form(solution=None, files=[(io.BytesIO(TEST_CSV + b""), "test.csv")])
    again["kept_solution"], again["kept_files"] = tokens(html, "solution"), tokens(html, "files")
    created = org.post("/organize/new", data=again, content_type="multipart/form-data")
    assert created.status_code == 302, created.get_data(as_text=True)
    with sessions() as s:
        assert sorted(f.name for f in catalog.get_competition(s, "house-prices").files) == ["test.csv", "train.csv"]


def test_a_kept_file_is_bound_to_its_organizer_and_to_the_hour(app, people, login, sessions, clock):
    org, org2 = signed_in(app, login, "org"), signed_in(app, login, "org2")
    refused = org.post("/organize/new", data=host_form(title="", files=None), content_type="multipart/form-data")
    token = tokens(refused.get_data(as_text=True), "solution")[0]

    # Another organizer holding the token gets nothing from it.
    stolen = org2.post("/organize/new", data={**host_form(solution=None, files=None), "kept_solution": token},
                       content_type="multipart/form-data")
    assert stolen.status_code == 422
    assert "Upload the solution file." in field_block(stolen.get_data(as_text=True), "solution")
    # A forged token neither.
    forged = org.post("/organize/new", data={**host_form(solution=None, files=None), "kept_solution": token[:-3] + "abc"},
                      content_type="multipart/form-data")
    assert forged.status_code == 422 and "kept —" not in forged.get_data(as_text=True)

    # An hour later it is gone, and the row with it.
    clock.now = clock.now + timedelta(hours=1, minutes=1)
    late = org.post("/organize/new", data={**host_form(solution=None, files=None), "kept_solution": token},
                    content_type="multipart/form-data")
    assert late.status_code == 422 and "Upload the solution file." in late.get_data(as_text=True)
    with sessions() as s:
        assert s.scalar(select(func.count(KeptUpload.id)).where(KeptUpload.owner_id == people.org.id)) == 0


def test_kept_upload_tokens_name_their_field(sessions, people, storage, clock):
    with sessions() as s:
        owner = s.merge(people.org)
        row = kept_uploads.keep(s, storage, owner, "solution", "s.csv", io.BytesIO(b"id,t\n1,2\n"), clock.now)
        s.commit()
        token = kept_uploads.token_for(row, "secret")
        assert [r.id for r in kept_uploads.resolve(s, owner, "solution", [token], "secret", clock.now)] == [row.id]
        assert kept_uploads.resolve(s, owner, "files", [token], "secret", clock.now) == []
        assert kept_uploads.resolve(s, owner, "solution", [token], "other-secret", clock.now) == []
        assert kept_uploads.resolve(s, s.merge(people.alice), "solution", [token], "secret", clock.now) == []
        # Storage housekeeping keeps it while the row lives (an identical refused upload must not take it).
        assert housekeeping.is_referenced(s, row.sha256)
        assert row.sha256 in housekeeping.needed_hashes(s, clock.now, 30)[0]
        assert kept_uploads.purge_expired(s, clock.now + kept_uploads.LIFETIME) == 1
        assert not housekeeping.is_referenced(s, row.sha256)


def test_without_a_csrf_token_nothing_is_stored(csrf_client, people, login, sessions):
    login(csrf_client, "org")
    refused = csrf_client.post("/organize/new", data=host_form(), content_type="multipart/form-data")
    assert refused.status_code == 400
    with sessions() as s:
        assert s.scalar(select(func.count(KeptUpload.id))) == 0


def test_dates_are_entered_in_local_time_and_stored_in_utc(app, people, login, sessions, clock):
    org = signed_in(app, login, "org")
    page = org.get("/organize/new").get_data(as_text=True)
    assert re.search(r'<input[^>]*type="datetime-local"[^>]*name="start_at"|<input[^>]*name="start_at"[^>]*type="datetime-local"', page)
    assert 'name="start_at_tz"' in page and 'data-tz-for="start_at"' in page
    assert "Times are in UTC: without JavaScript this page cannot know your time zone." in page
    assert re.search(r'data-utc="2030-01-10T12:00:00\+00:00"', page)  # the frozen clock, for organizer.js

    # Berlin in winter: the browser's getTimezoneOffset() is -60; New York in summer: +240.
    form = host_form(start_at="2030-01-01T01:00", start_at_tz="-60", deadline_at="2030-07-01T08:00",
                     deadline_at_tz="240", team_merger_deadline="2030-06-01T00:00", team_merger_deadline_tz="240")
    assert org.post("/organize/new", data=form, content_type="multipart/form-data").status_code == 302
    with sessions() as s:
        c = s.scalar(select(Competition))
        assert c.start_at == datetime(2030, 1, 1, 0, 0, tzinfo=UTC)
        assert c.deadline_at == datetime(2030, 7, 1, 12, 0, tzinfo=UTC)
        assert c.team_merger_deadline == datetime(2030, 6, 1, 4, 0, tzinfo=UTC)

    # Without JavaScript (no offset) the value is UTC; a nonsense offset is ignored the same way.
    form = host_form(slug="no-js", start_at="2030-01-01T01:00", start_at_tz="", deadline_at="2030-02-01T00:00",
                     deadline_at_tz="99999")
    assert org.post("/organize/new", data=form, content_type="multipart/form-data").status_code == 302
    with sessions() as s:
        c = catalog.get_competition(s, "no-js")
        assert (c.start_at, c.deadline_at) == (datetime(2030, 1, 1, 1, 0, tzinfo=UTC),
                                               datetime(2030, 2, 1, 0, 0, tzinfo=UTC))

    # On an error the form shows the UTC value again (organizer.js turns it local once more), with UTC beside it.
    refused = org.post("/organize/new", data=host_form(slug="x-1", title="", start_at="2030-01-01T01:00",
                                                       start_at_tz="-60"), content_type="multipart/form-data")
    html = refused.get_data(as_text=True)
    assert 'value="2030-01-01T00:00"' in field_block(html, "start_at")
    assert "2030-01-01 00:00 UTC" in field_block(html, "start_at")


def test_the_edit_form_converts_local_times_too(app, people, login, sessions, clock, make_competition):
    make_competition(people.org)
    org = signed_in(app, login, "org")
    form = host_form(deadline_at="2030-03-01T13:30", deadline_at_tz="-90")
    del form["solution"], form["files"]
    assert org.post("/organize/house-prices/edit", data=form).status_code == 302
    with sessions() as s:
        assert s.scalar(select(Competition.deadline_at)) == datetime(2030, 3, 1, 12, 0, tzinfo=UTC)
    edit = org.get("/organize/house-prices/edit").get_data(as_text=True)
    assert 'value="2030-03-01T12:00"' in field_block(edit, "deadline_at")


def test_saving_the_edit_form_unchanged_never_moves_a_deadline_stored_to_the_microsecond(
        app, people, login, sessions, clock, make_competition):
    """Found by a review: a picker cannot hold microseconds, so the round trip used to move the
    deadline by a fraction of a second and log a deadline change nobody made."""
    from competitions.models import AuditEntry

    make_competition(people.org)
    precise = datetime(2030, 2, 1, 10, 15, 30, 810396, tzinfo=UTC)
    with sessions() as s:
        s.scalar(select(Competition)).deadline_at = precise
        s.commit()
    org = signed_in(app, login, "org")
    edit = org.get("/organize/house-prices/edit").get_data(as_text=True)
    assert 'value="2030-02-01T10:15:30"' in field_block(edit, "deadline_at")  # a value the picker accepts
    start = re.search(r'name="start_at"[^>]*value="([^"]+)"', edit) or re.search(r'value="([^"]+)"[^>]*name="start_at"', edit)
    form = host_form(deadline_at="2030-02-01T10:15:30", start_at=start.group(1))
    del form["solution"], form["files"]
    assert org.post("/organize/house-prices/edit", data=form).status_code == 302
    with sessions() as s:
        assert s.scalar(select(Competition.deadline_at)) == precise
        assert s.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "deadline")) == 0


def test_the_metric_menu_is_grouped_by_task_with_direction_and_description(app, people, login):
    org = signed_in(app, login, "org")
    html = org.get("/organize/new").get_data(as_text=True)
    select_html = html[html.index('<select id="metric"'):html.index("</select>", html.index('<select id="metric"'))]
    groups = re.findall(r'<optgroup label="([^"]+)">', select_html)
    assert groups == ["Binary classification", "Multiclass classification", "Multi-label classification",
                      "Regression", "Ranking"]
    regression = select_html[select_html.index('label="Regression"'):select_html.index('label="Ranking"')]
    assert "rmse — lower is better — Root mean squared error." in regression
    assert "r2 — higher is better" in regression and "auc" not in regression
    assert 'data-direction="higher is better"' in select_html
    assert "map_at_k — higher is better" in select_html[select_html.index('label="Ranking"'):]
    assert 'data-metric-about' in html  # organizer.js shows the chosen metric's description there
