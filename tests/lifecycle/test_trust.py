"""Results a study group can trust: declared labels, checked sample and test files, final means
final, an audit log, deadlines as facts and data after the rules, through the API and the pages."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from lifecycle_support import (
    AFTER,
    DEADLINE,
    DURING,
    TEST_CSV,
    TRAIN_CSV,
    metadata,
    multipart_competition,
    predictions,
    solution_csv,
)
from sqlalchemy import func, select

from competitions.models import AuditEntry, Competition

API = "/api/v1"

# A class ("bird") that never occurs in the test rows: declaring it must not leak that.
ANIMALS = b"id,label,Usage\n" + b"".join(
    f"{i},{'cat' if i % 2 else 'dog'},{'Public' if i <= 4 else 'Private'}\n".encode() for i in range(1, 9))
ANIMAL_TEST = b"id,x\n" + b"".join(f"{i},0.{i}\n".encode() for i in range(1, 9))


def animal_probabilities(columns=("cat", "dog", "bird"), ids=range(1, 9)) -> bytes:
    lines = ["id," + ",".join(columns)]
    for i in ids:
        right = "cat" if i % 2 else "dog"
        lines.append(f"{i}," + ",".join("0.7" if c == right else "0.15" for c in columns))
    return ("\n".join(lines) + "\n").encode()


def create(client, headers, slug, solution, files, **meta):
    response = client.post(f"{API}/competitions", headers=headers, content_type="multipart/form-data",
                           data=multipart_competition(metadata(slug, **meta), solution=solution, files=files))
    return response


def upload(data: bytes) -> dict:
    return {"file": (io.BytesIO(data), "sub.csv")}


def competitions_named(sessions, slug) -> int:
    with sessions() as s:
        return s.scalar(select(func.count(Competition.id)).where(Competition.slug == slug))


# --- declared labels -----------------------------------------------------------------------


def test_a_class_absent_from_the_test_rows_is_declared_and_accepted(client, clock, people, bearer):
    org, alice = bearer(people.org), bearer(people.alice)
    created = create(client, org, "animals", ANIMALS, {"test.csv": ANIMAL_TEST}, metric="multiclass_log_loss",
                     labels=["cat", "dog", "bird"], test_file="test.csv")
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["metric_params"]["labels"] == ["cat", "dog", "bird"]
    assert created.get_json()["labels_from"] is None  # declared by the organizer
    assert client.post(f"{API}/competitions/animals/join", headers=alice).status_code == 200

    # Columns in any order, "bird" included: valid, and scored.
    shuffled = animal_probabilities(("bird", "dog", "cat"))
    checked = client.post(f"{API}/competitions/animals/validate", headers=alice, data=upload(shuffled))
    assert checked.get_json() == {"valid": True, "problems": []}
    scored = client.post(f"{API}/competitions/animals/submissions", headers=alice, data=upload(shuffled))
    assert scored.status_code == 201 and scored.get_json()["public_score"] > 0

    # Leaving out a declared class is the learner's mistake, and the message names only declared columns.
    missing = client.post(f"{API}/competitions/animals/validate", headers=alice,
                          data=upload(animal_probabilities(("cat", "dog"))))
    problems = missing.get_json()["problems"]
    assert [p["code"] for p in problems] == ["missing_columns"] and "'bird'" in problems[0]["message"]


def test_labels_come_from_the_sample_submission_or_else_the_solution(client, clock, people, bearer):
    org = bearer(people.org)
    sample = b"id,label\n" + b"".join(f"{i},cat\n".encode() for i in range(1, 9))
    from_sample = create(client, org, "pets", ANIMALS.replace(b"dog", b"bird"),
                         {"sample_submission.csv": sample.replace(b"1,cat", b"1,fish")}, metric="accuracy",
                         sample_submission="sample_submission.csv")
    assert from_sample.status_code == 201, from_sample.get_json()
    body = from_sample.get_json()
    assert body["labels_from"] == "sample submission and solution"  # "bird" came from the hidden key
    assert body["metric_params"]["labels"] == ["bird", "cat", "fish"]  # the sample's labels and the solution's

    from_solution = create(client, org, "pets-two", ANIMALS, {}, metric="accuracy")
    assert from_solution.get_json()["labels_from"] == "solution"
    assert from_solution.get_json()["metric_params"]["labels"] == ["cat", "dog"]

    # An unknown label names the declared ones, which are public, and nothing else.
    alice = bearer(people.alice)
    client.post(f"{API}/competitions/pets/join", headers=alice)
    answer = b"id,label\n" + b"".join(f"{i},{'horse' if i == 3 else 'cat'}\n".encode() for i in range(1, 9))
    problems = client.post(f"{API}/competitions/pets/validate", headers=alice, data=upload(answer)).get_json()
    assert [p["code"] for p in problems["problems"]] == ["unknown_label"]
    assert "'fish'" in problems["problems"][0]["message"]


def test_the_web_form_takes_labels_and_tells_where_inferred_ones_came_from(client, clock, people, login):
    login(client, "org")
    form = {"title": "Pets", "slug": "pets", "metric": "accuracy", "metric_params": "", "labels": "",
            "id_column": "id", "start_at": "2030-01-01T00:00", "deadline_at": "2030-02-01T00:00",
            "daily_limit": "5", "final_selections": "2", "visibility": "public", "public_fraction": "0.3",
            "seed": "0", "solution": (io.BytesIO(ANIMALS), "solution.csv")}
    page = client.post("/organize/new", data=form, content_type="multipart/form-data", follow_redirects=True)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "The labels were taken from the solution: cat, dog" in html
    assert "<dt>Labels</dt>" in html
    edit = client.get("/organize/pets/edit").get_data(as_text=True)
    assert 'value="cat, dog"' in edit


# --- the sample submission and the test file --------------------------------------------------


def test_a_sample_submission_that_does_not_fit_the_solution_stores_nothing(client, clock, people, bearer, sessions,
                                                                           login):
    org = bearer(people.org)
    bad_sample = b"id,target\n" + b"".join(f"{i},1.0\n".encode() for i in range(1, 18))  # 3 ids missing
    refused = create(client, org, "house-prices", None, {"train.csv": TRAIN_CSV, "sample.csv": bad_sample},
                     sample_submission="sample.csv")
    assert refused.status_code == 400
    body = refused.get_json()
    assert body["field"] == "sample_submission" and "3 ids from the test set are missing" in body["message"]
    assert competitions_named(sessions, "house-prices") == 0

    wrong_test = TEST_CSV + b"21,0.21\n"
    refused = create(client, org, "house-prices", None, {"test.csv": wrong_test}, test_file="test.csv")
    assert refused.status_code == 400 and refused.get_json()["field"] == "test_file"
    assert "not in the test set" in refused.get_json()["message"]
    assert competitions_named(sessions, "house-prices") == 0

    named_but_absent = create(client, org, "house-prices", None, {}, sample_submission="nope.csv")
    assert named_but_absent.status_code == 400 and "not one of this competition's data files" in \
        named_but_absent.get_json()["message"]

    good_sample = b"id,target\n" + b"".join(f"{i},1.0\n".encode() for i in range(1, 21))
    ok = create(client, org, "house-prices", None, {"test.csv": TEST_CSV, "sample_submission.csv": good_sample},
                sample_submission="sample_submission.csv", test_file="test.csv")
    assert ok.status_code == 201, ok.get_json()
    assert ok.get_json()["sample_submission"] == "sample_submission.csv"

    # A replacement key must still fit the public sample: with new ids it is refused, nothing changes.
    extra_row = solution_csv() + b"21,3.5,Private\n"
    refused = client.post(f"{API}/competitions/house-prices/solution", headers=org,
                          content_type="multipart/form-data",
                          data={"solution": (io.BytesIO(extra_row), "v2.csv")})
    assert refused.status_code == 400 and refused.get_json()["field"] == "sample_submission"
    # So must a replaced sample file.
    login_client = client.application.test_client()
    login(login_client, "org")
    page = login_client.post("/organize/house-prices/files", content_type="multipart/form-data",
                             data={"files": [(io.BytesIO(b"id,target\n1,1.0\n"), "sample_submission.csv")]},
                             follow_redirects=True)
    assert "is not a valid submission for this solution" in page.get_data(as_text=True)
    assert login_client.get("/c/house-prices/data").get_data(as_text=True).count("sample submission") >= 1


def test_the_data_tab_marks_the_sample_submission(client, clock, people, bearer, login):
    org = bearer(people.org)
    sample = b"id,target\n" + b"".join(f"{i},1.0\n".encode() for i in range(1, 21))
    assert create(client, org, "house-prices", None, {"sample_submission.csv": sample},
                  sample_submission="sample_submission.csv", data_open=True).status_code == 201
    html = client.get("/c/house-prices/data").get_data(as_text=True)
    assert '<span class="badge open">sample submission</span>' in html


# --- rules before data -----------------------------------------------------------------------


def test_open_data_downloads_without_joining(client, clock, people, bearer, make_competition):
    make_competition(people.org, data_open=True)
    assert client.get("/c/house-prices/files/train.csv").get_data() == TRAIN_CSV
    assert client.get(f"{API}/competitions/house-prices/files/train.csv",
                      headers=bearer(people.carol)).get_data() == TRAIN_CSV
    make_competition(people.org, slug="closed-data")
    refused = client.get(f"{API}/competitions/closed-data/files/train.csv")
    assert refused.status_code == 403 and refused.get_json()["join"] == "/api/v1/competitions/closed-data/join"


# --- final means final ------------------------------------------------------------------------


@pytest.fixture
def finalized(client, clock, people, bearer, make_competition, join, submit):
    competition = make_competition(people.org)
    team = join(competition, people.alice)
    first = submit(competition, people.alice, predictions(0.3))
    clock.now = AFTER
    org = bearer(people.org)
    assert client.post(f"{API}/competitions/house-prices/finalize", headers=org).status_code == 200
    return {"org": org, "admin": bearer(people.admin), "team": team.id, "submission": first.id}


FROZEN_API = [
    ("patch", "", {"json": {"deadline": (DEADLINE + timedelta(days=3)).isoformat()}}),
    ("patch", "", {"json": {"daily_limit": 9}}),
    ("patch", "", {"json": {"metric": "mae"}}),
    ("post", "/solution", {"data": {"solution": (io.BytesIO(solution_csv(shift=1)), "v2.csv")},
                           "content_type": "multipart/form-data"}),
    ("post", "/submissions/{submission}/disqualify", {"json": {"reason": "copied"}}),
    ("post", "/teams/{team}/disqualify", {"json": {"reason": "two accounts"}}),
    ("post", "/teams/{team}/reinstate", {}),
    ("post", "/close", {}),
]


@pytest.mark.parametrize("method,path,kwargs", FROZEN_API, ids=[
    "deadline", "limits", "metric", "solution", "dq-submission", "dq-team", "reinstate", "close"])
def test_after_finalize_every_change_to_the_results_is_a_409(client, finalized, method, path, kwargs):
    url = f"{API}/competitions/house-prices" + path.format(**finalized)
    refused = getattr(client, method)(url, headers=finalized["org"], **kwargs)
    assert refused.status_code == 409, refused.get_json()
    assert refused.get_json()["error"] in ("finalized", "conflict")
    board = client.get(f"{API}/competitions/house-prices/leaderboard?board=private").get_json()["entries"]
    assert [(e["team"], e["entries"]) for e in board] == [("alice", 1)]


def test_after_finalize_texts_stay_editable_and_the_pages_refuse_with_a_message(client, finalized, login):
    renamed = client.patch(f"{API}/competitions/house-prices", headers=finalized["org"],
                           json={"title": "House prices (2030)", "rules": "Be kind."})
    assert renamed.status_code == 200 and renamed.get_json()["title"] == "House prices (2030)"

    login(client, "org")
    page = client.post(f"/organize/house-prices/teams/{finalized['team']}/disqualify", data={"reason": "late"},
                       follow_redirects=True)
    assert page.status_code == 200 and "This competition is finalized" in page.get_data(as_text=True)
    manage = client.get("/organize/house-prices").get_data(as_text=True)
    assert "the results are frozen" in manage and "Reopen (admin)" not in manage


def test_an_admin_reopens_with_a_reason_and_the_audit_log_keeps_it(client, finalized, login, people, bearer):
    org, admin = finalized["org"], finalized["admin"]
    assert client.post(f"{API}/competitions/house-prices/reopen", headers=org,
                       json={"reason": "x"}).status_code == 403
    no_reason = client.post(f"{API}/competitions/house-prices/reopen", headers=admin, json={})
    assert no_reason.status_code == 400 and no_reason.get_json()["field"] == "reason"
    reopened = client.post(f"{API}/competitions/house-prices/reopen", headers=admin,
                           json={"reason": "The key had a typo in row 7."})
    assert reopened.status_code == 200 and reopened.get_json()["state"] == "closed"

    # Unfrozen: the organizer may disqualify again, and that is recorded too.
    dq = client.post(f"{API}/competitions/house-prices/teams/{finalized['team']}/disqualify", headers=org,
                     json={"reason": "Shared an account"})
    assert dq.status_code == 200
    log = client.get(f"{API}/competitions/house-prices/audit", headers=org).get_json()
    assert [(e["action"], e["actor"]) for e in log] == [
        ("disqualify_team", "org"), ("reopen", "root"), ("finalize", "org")]
    assert log[1]["reason"] == "The key had a typo in row 7." and "finalized_at" in log[1]["details"]
    assert client.get(f"{API}/competitions/house-prices/audit", headers=bearer(people.alice)).status_code == 403

    login(client, "org")
    manage = client.get("/organize/house-prices").get_data(as_text=True)
    assert "Audit log" in manage and "The key had a typo in row 7." in manage and "Shared an account" in manage
    title = manage[manage.index("<title>"):manage.index("</title>")]
    assert "Audit log" not in title and "Manage · House prices" in title


def test_reopen_through_the_page_for_admins(client, finalized, login, sessions):
    login(client, "root")
    assert "Reopen (admin)" in client.get("/organize/house-prices").get_data(as_text=True)
    empty = client.post("/organize/house-prices/reopen", data={"reason": ""}, follow_redirects=True)
    assert "Say why" in empty.get_data(as_text=True)
    done = client.post("/organize/house-prices/reopen", data={"reason": "Wrong split"}, follow_redirects=True)
    assert "Reopened" in done.get_data(as_text=True)
    with sessions() as s:
        assert s.scalar(select(Competition.finalized_at)) is None
        assert s.scalar(select(AuditEntry.reason).where(AuditEntry.action == "reopen")) == "Wrong split"


def test_rescoring_and_moderation_are_audited(client, clock, people, bearer, make_competition, join, submit):
    make_competition(people.org)
    team = join(_Slug("house-prices"), people.alice)
    sub = submit(_Slug("house-prices"), people.alice, predictions(0.3))
    org = bearer(people.org)
    base = f"{API}/competitions/house-prices"
    replaced = client.post(f"{base}/solution", headers=org, content_type="multipart/form-data",
                           data={"solution": (io.BytesIO(solution_csv(shift=1)), "v2.csv")})
    assert replaced.status_code == 200 and replaced.get_json()["version"] == 2
    client.post(f"{base}/submissions/{sub.id}/disqualify", headers=org, json={"reason": "copied"})
    client.post(f"{base}/teams/{team.id}/disqualify", headers=org, json={"reason": "two accounts"})
    client.post(f"{base}/teams/{team.id}/reinstate", headers=org)
    log = client.get(f"{base}/audit", headers=org).get_json()
    assert [e["action"] for e in log] == ["reinstate_team", "disqualify_team", "disqualify_submission", "rescore"]
    assert log[3]["details"] == {"from_version": 1, "to_version": 2, "rescored": 1, "changed": 1}
    assert log[0]["details"]["disqualified_for"] == "two accounts"


class _Slug:
    """Stands in for a Competition where the fixtures only need its slug."""

    def __init__(self, slug: str):
        self.slug = slug


# --- deadlines are facts ----------------------------------------------------------------------


def board(client, which="public"):
    entries = client.get(f"{API}/competitions/house-prices/leaderboard?board={which}").get_json()["entries"]
    return [(e["team"], round(e["score"], 2), e["entries"]) for e in entries]


def test_moving_the_deadline_moves_lateness_both_ways(client, clock, people, bearer, make_competition, join,
                                                      submit):
    make_competition(people.org)
    slug = _Slug("house-prices")
    join(slug, people.alice)
    submit(slug, people.alice, predictions(0.5), DURING)
    submit(slug, people.alice, predictions(0.1), DURING + timedelta(days=5))
    org = bearer(people.org)
    assert board(client) == [("alice", 0.1, 2)]

    # Earlier: the second file is now late, so neither ranked nor counted among the entries.
    earlier = (DURING + timedelta(days=1)).isoformat()
    assert client.patch(f"{API}/competitions/house-prices", headers=org, json={"deadline": earlier}).status_code == 200
    assert board(client) == [("alice", 0.5, 1)]
    mine = client.get(f"{API}/competitions/house-prices/submissions", headers=bearer(people.alice)).get_json()
    assert sorted(s["late"] for s in mine) == [False, True]

    # Later again: it counts again.
    assert client.patch(f"{API}/competitions/house-prices", headers=org,
                        json={"deadline": DEADLINE.isoformat()}).status_code == 200
    assert board(client) == [("alice", 0.1, 2)]
    log = client.get(f"{API}/competitions/house-prices/audit", headers=org).get_json()
    assert [e["action"] for e in log] == ["deadline", "deadline"]
    assert log[1]["details"]["to"] == earlier


def test_close_now_asks_first_then_ends_the_competition(client, clock, people, make_competition, join, submit,
                                                        login):
    make_competition(people.org)
    slug = _Slug("house-prices")
    join(slug, people.alice)
    login(client, "org")
    assert "Close now" in client.get("/organize/house-prices").get_data(as_text=True)
    confirm = client.get("/organize/house-prices/close")
    assert confirm.status_code == 200 and "Yes, close it now" in confirm.get_data(as_text=True)
    closed = client.post("/organize/house-prices/close", data={}, follow_redirects=True)
    assert "Closed: the deadline is now." in closed.get_data(as_text=True)
    detail = client.get(f"{API}/competitions/house-prices").get_json()
    assert detail["state"] == "closed" and detail["deadline"] == DURING.isoformat()

    late = submit(slug, people.alice, predictions(0.2), DURING + timedelta(minutes=1))
    assert late.is_late and board(client) == []
    # Closing twice is refused with a message on the manage page.
    again = client.post("/organize/house-prices/close", data={}, follow_redirects=True)
    assert "Only an open competition can be closed now." in again.get_data(as_text=True)


def test_the_edit_form_keeps_a_deadline_with_seconds(client, clock, people, bearer, make_competition, login):
    make_competition(people.org)
    clock.now = DURING + timedelta(seconds=7, microseconds=123)
    assert client.post(f"{API}/competitions/house-prices/close", headers=bearer(people.org)).status_code == 200
    clock.now = AFTER
    assert client.post(f"{API}/competitions/house-prices/finalize", headers=bearer(people.org)).status_code == 200
    login(client, "org")
    form_page = client.get("/organize/house-prices/edit").get_data(as_text=True)
    assert 'value="2030-01-10T12:00:08"' in form_page  # closed at 12:00:07.000123: up to the whole second
    fields = {"title": "Renamed", "slug": "house-prices", "subtitle": "", "description_md": "", "rules_md": "",
              "metric": "rmse", "metric_params": "{}", "labels": "", "id_column": "id",
              "start_at": "2030-01-01T00:00", "deadline_at": "2030-01-10T12:00:08", "daily_limit": "5",
              "total_limit": "", "final_selections": "2", "visibility": "public", "sample_submission": "",
              "test_file": ""}
    saved = client.post("/organize/house-prices/edit", data=fields)
    assert saved.status_code == 302, saved.get_data(as_text=True)
    moved = dict(fields, deadline_at="2030-01-20T00:00")
    refused = client.post("/organize/house-prices/edit", data=moved)
    assert refused.status_code == 409 and "This competition is finalized" in refused.get_data(as_text=True)


def test_bundles_carry_the_new_settings(tmp_path, people, sessions, storage):
    from competitions import bundles, catalog

    root = tmp_path / "bundle"
    (root / "data").mkdir(parents=True)
    (root / "data" / "test.csv").write_bytes(ANIMAL_TEST)
    (root / "data" / "sample_submission.csv").write_bytes(animal_probabilities())
    (root / "solution.csv").write_bytes(ANIMALS)
    (root / "competition.toml").write_text(
        '[competition]\ntitle = "Animals"\nslug = "animals"\nmetric = "multiclass_log_loss"\n'
        'start = 2030-01-01T00:00:00Z\ndeadline = 2030-02-01T00:00:00Z\n'
        'labels = ["cat", "dog", "bird"]\nsample_submission = "sample_submission.csv"\n'
        'test_file = "test.csv"\ndata_open = true\nmax_team_size = 3\n'
        'team_merger_deadline = 2030-01-20T00:00:00Z\n')
    with sessions() as s:
        created = bundles.import_bundle(s, storage, s.merge(people.org), root, DURING)
        s.commit()
        assert created.labels_from is None
    with sessions() as s:
        c = catalog.get_competition(s, "animals")
        assert (c.metric_params["labels"], c.sample_submission, c.test_file, c.data_open) == (
            ["cat", "dog", "bird"], "sample_submission.csv", "test.csv", True)
        assert (c.max_team_size, c.merger_deadline().isoformat()) == (3, "2030-01-20T00:00:00+00:00")
        out = bundles.export_bundle(s, storage, c, tmp_path / "out")
    manifest = (out / "competition.toml").read_text()
    assert 'labels = [\n    "cat",\n    "dog",\n    "bird",\n]' in manifest or 'labels = ["cat", "dog", "bird"]' in manifest
    assert 'sample_submission = "sample_submission.csv"' in manifest and "data_open = true" in manifest
    assert "max_team_size = 3" in manifest, manifest
    assert "team_merger_deadline = 2030-01-20 00:00:00+00:00" in manifest


def test_labels_can_be_corrected_until_the_first_submission(client, clock, people, bearer):
    org, alice = bearer(people.org), bearer(people.alice)
    empty = create(client, org, "pets", ANIMALS, {}, metric="accuracy", labels=[])
    assert empty.status_code == 400 and empty.get_json()["field"] == "labels"
    created = create(client, org, "pets", ANIMALS, {}, metric="accuracy")
    assert created.get_json()["metric_params"]["labels"] == ["cat", "dog"]  # from the solution
    fixed = client.patch(f"{API}/competitions/pets", headers=org, json={"labels": ["cat", "dog", "bird"]})
    assert fixed.status_code == 200 and fixed.get_json()["metric_params"]["labels"] == ["cat", "dog", "bird"]
    missing_one = client.patch(f"{API}/competitions/pets", headers=org, json={"labels": ["cat"]})
    assert missing_one.status_code == 400  # the solution holds "dog": refused, nothing changes

    client.post(f"{API}/competitions/pets/join", headers=alice)
    answer = b"id,label\n" + b"".join(f"{i},bird\n".encode() for i in range(1, 9))
    assert client.post(f"{API}/competitions/pets/submissions", headers=alice, data=upload(answer)).status_code == 201
    frozen = client.patch(f"{API}/competitions/pets", headers=org, json={"labels": ["cat", "dog", "bird", "fish"]})
    assert frozen.status_code == 400 and "fixed once anyone has submitted" in frozen.get_json()["message"]


def test_after_finalize_the_sample_and_test_files_are_frozen_too(client, finalized, login, sessions):
    from competitions import catalog

    with sessions() as s:
        c = catalog.get_competition(s, "house-prices")
        c.test_file = "test.csv"  # named before the freeze
        s.commit()
    login(client, "org")
    replaced = client.post("/organize/house-prices/files", content_type="multipart/form-data",
                           data={"files": [(io.BytesIO(TEST_CSV), "test.csv")]}, follow_redirects=True)
    assert "This competition is finalized" in replaced.get_data(as_text=True)
    removed = client.post("/organize/house-prices/files/test.csv/delete", follow_redirects=True)
    assert "This competition is finalized" in removed.get_data(as_text=True)
    # Other data files may still change: they do not define the task.
    assert client.post("/organize/house-prices/files", content_type="multipart/form-data",
                       data={"files": [(io.BytesIO(b"id,x\n"), "extra.csv")]}).status_code == 303


def test_the_close_page_of_a_finalized_competition_offers_nothing_to_close(client, finalized, login):
    login(client, "org")
    page = client.get("/organize/house-prices/close").get_data(as_text=True)
    assert "This competition is not open" in page and "Yes, close it now" not in page


def test_disqualifying_twice_and_overlong_reasons_are_refused(client, clock, people, bearer, make_competition,
                                                             join, login):
    make_competition(people.org)
    team = join(_Slug("house-prices"), people.alice)
    org = bearer(people.org)
    url = f"{API}/competitions/house-prices/teams/{team.id}/disqualify"
    too_long = client.post(url, headers=org, json={"reason": "x" * 501})
    assert too_long.status_code == 400 and "under 500 characters" in too_long.get_json()["message"]
    assert client.post(url, headers=org, json={"reason": "two accounts"}).status_code == 200
    again = client.post(url, headers=org, json={"reason": "again"})
    assert again.status_code == 409 and "already disqualified" in again.get_json()["message"]
    login(client, "org")
    page = client.post(f"/organize/house-prices/teams/{team.id}/reinstate", data={}, follow_redirects=True)
    assert "Team reinstated" in page.get_data(as_text=True)
    page = client.post(f"/organize/house-prices/teams/{team.id}/disqualify", data={"reason": "y" * 501},
                       follow_redirects=True)
    assert "under 500 characters" in page.get_data(as_text=True)
