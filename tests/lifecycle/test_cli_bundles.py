"""The `flask --app wsgi ...` commands: bundles, users, tokens and the demo seed."""
from __future__ import annotations

import re
import shutil
import stat
import zipfile
from pathlib import Path

import tomli_w
from lifecycle_support import (
    DEADLINE,
    START,
    TEST_CSV,
    TRAIN_CSV,
    metadata,
    multipart_competition,
    sha256,
    solution_csv,
)
from sqlalchemy import func, select

from competitions import catalog, solutions
from competitions.models import AuditEntry, Award, Competition, Group, GroupMember, Season, Submission, Team, User


def write_bundle(root: Path, slug: str = "bundled", usage: bool = True) -> Path:
    (root / "data").mkdir(parents=True)
    (root / "data" / "train.csv").write_bytes(TRAIN_CSV)
    (root / "data" / "test.csv").write_bytes(TEST_CSV)
    (root / "solution.csv").write_bytes(solution_csv(usage=usage))
    (root / "description.md").write_text("## Bundled\nFrom a folder.")
    (root / "rules.md").write_text("No hand labelling.")
    manifest = {"competition": {"title": "Bundled", "slug": slug, "subtitle": "sub", "metric": "rmse",
                                "id_column": "id", "start": START, "deadline": DEADLINE, "daily_limit": 4,
                                "total_limit": 40, "final_selections": 3, "visibility": "unlisted",
                                "public_fraction": 0.5, "seed": 7}}
    (root / "competition.toml").write_text(tomli_w.dumps(manifest))
    return root


def settings(c: Competition) -> tuple:
    return (c.slug, c.title, c.subtitle, c.metric, c.id_column, c.start_at, c.deadline_at, c.daily_limit,
            c.total_limit, c.final_selections, c.visibility, c.description_md, c.rules_md)


def snapshot(sessions, slug: str) -> tuple:
    with sessions() as s:
        c = catalog.get_competition(s, slug)
        files = {f.name: f.sha256 for f in c.files}
        current = solutions.current_solution(s, c)
        return settings(c), files, (current.sha256, current.n_public, current.n_private), c.owner.username


def delete_competition(engine, slug: str) -> None:
    with engine.begin() as conn:
        conn.execute(Competition.__table__.delete().where(Competition.slug == slug))


def test_import_export_round_trip_through_zip_and_folder(app, engine, sessions, people, tmp_path):
    runner = app.test_cli_runner()
    source = write_bundle(tmp_path / "source", usage=False)

    result = runner.invoke(args=["competitions", "import", str(source), "--owner", "org"])
    assert result.exit_code == 0, result.output
    assert "Imported bundled" in result.output
    original = snapshot(sessions, "bundled")
    assert original[0][1:11] == ("Bundled", "sub", "rmse", "id", START, DEADLINE, 4, 40, 3, "unlisted")
    assert original[1] == {"train.csv": sha256(TRAIN_CSV), "test.csv": sha256(TEST_CSV)}
    assert original[2][1:] == (10, 10)  # no Usage column: a half/half split was drawn and stored
    assert original[3] == "org"

    # Importing the same slug again is refused with a message, and nothing changes.
    again = runner.invoke(args=["competitions", "import", str(source), "--owner", "org"])
    assert again.exit_code != 0 and "taken" in again.output

    as_zip, as_folder = tmp_path / "out" / "bundled.zip", tmp_path / "out-folder"
    for target in (as_zip, as_folder):
        result = runner.invoke(args=["competitions", "export", "bundled", str(target)])
        assert result.exit_code == 0, result.output
    with zipfile.ZipFile(as_zip) as archive:
        names = set(archive.namelist())
        assert {"competition.toml", "description.md", "rules.md", "solution.csv", "data/train.csv",
                "data/test.csv"} <= names
        assert archive.read("data/train.csv") == TRAIN_CSV
        assert sha256(archive.read("solution.csv")) == original[2][0]  # the stored version, with its Usage
    assert (as_folder / "data" / "test.csv").read_bytes() == TEST_CSV
    assert runner.invoke(args=["competitions", "export", "bundled", str(as_folder)]).exit_code != 0  # not empty

    # Each export imports back into the same competition (same settings, files and split).
    for bundle in (as_zip, as_folder):
        delete_competition(engine, "bundled")
        result = runner.invoke(args=["competitions", "import", str(bundle), "--owner", "org"])
        assert result.exit_code == 0, result.output
        assert snapshot(sessions, "bundled") == original


def test_import_refuses_a_bad_bundle(app, sessions, people, tmp_path):
    runner = app.test_cli_runner()
    bundle = write_bundle(tmp_path / "bad")
    (bundle / "solution.csv").write_bytes(b"id,target\n1,1.0\n1,2.0\n")
    result = runner.invoke(args=["competitions", "import", str(bundle), "--owner", "org"])
    assert result.exit_code != 0 and "duplicate" in result.output
    escape = tmp_path / "escape.zip"
    with zipfile.ZipFile(escape, "w") as archive:
        archive.writestr("../evil.csv", "x")
        archive.writestr("competition.toml", "")
    result = runner.invoke(args=["competitions", "import", str(escape), "--owner", "org"])
    assert result.exit_code != 0 and "outside the bundle" in result.output
    assert not (tmp_path / "evil.csv").exists()
    with sessions() as s:
        assert s.scalar(select(func.count(Competition.id))) == 0


def test_users_and_tokens_commands(app, client, sessions, login):
    runner = app.test_cli_runner()
    created = runner.invoke(args=["users", "create", "bea", "--role", "organizer", "--password-stdin"],
                            input="a long passphrase\n")
    assert created.exit_code == 0, created.output
    assert "Created organizer bea." in created.output
    assert login(app.test_client(), "bea", "a long passphrase").status_code == 302
    assert login(app.test_client(), "bea", "wrong password!").status_code == 401

    taken = runner.invoke(args=["users", "create", "BEA", "--password-stdin"], input="another passphrase\n")
    assert taken.exit_code != 0 and "taken" in taken.output
    short = runner.invoke(args=["users", "create", "cid", "--password-stdin"], input="short\n")
    assert short.exit_code != 0 and "at least 10" in short.output

    promoted = runner.invoke(args=["users", "set-role", "bea", "admin"])
    assert promoted.exit_code == 0 and "bea is now admin." in promoted.output
    assert runner.invoke(args=["users", "set-role", "nobody", "admin"]).exit_code != 0
    listed = runner.invoke(args=["users", "list"])
    assert listed.exit_code == 0 and listed.output.split()[:2] == ["bea", "admin"]
    with sessions() as s:
        assert s.scalar(select(User.role).where(User.username == "bea")) == "admin"

    made = runner.invoke(args=["tokens", "create", "bea"])
    assert made.exit_code == 0, made.output
    token = made.output.strip().splitlines()[-1]
    assert token.startswith("hdt_") and " " not in token
    response = client.post("/api/v1/competitions", headers={"Authorization": f"Bearer {token}"},
                           content_type="multipart/form-data", data=multipart_competition(metadata("via-cli")))
    assert response.status_code == 201 and response.get_json()["owner"] == "bea"
    assert runner.invoke(args=["tokens", "create", "nobody"]).exit_code != 0


def test_demo_seed_is_idempotent(app, sessions):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    assert "Seeded demo competitions: breast-cancer, diabetes, digits, wine" in first.output
    # Every kind of account, printed with its password: the admin too.
    for name in ("organizer", "admin", "learner", "ada"):
        assert re.search(rf"^  {name} +\S+$", first.output, re.M), name

    def counts():
        with sessions() as s:
            return (s.scalar(select(func.count(Competition.id))), s.scalar(select(func.count(Submission.id))),
                    s.scalar(select(func.count(User.id))), s.scalar(select(func.count(Group.id))),
                    s.scalar(select(func.count(GroupMember.id))), s.scalar(select(func.count(Season.id))),
                    s.scalar(select(func.count(Award.id))))

    after_first = counts()
    # five baseline entries each, and the demo learner's six on breast-cancer (its progress chart) and six
    # on diabetes (chasing the public board: the shake-up, webapp/demo.py)
    assert after_first[0] == 4 and after_first[1] == 20 + 6 + 6
    assert after_first[2] == 7  # organizer, admin and 5 learners
    assert after_first[3:] == (1, 6, 2, 9)  # organizer + 5 learners; 4 and 5 ranked solo teams in the finished ones
    with sessions() as s:
        statuses = set(s.scalars(select(Submission.status)))
        assert statuses == {"scored"}
        by_slug = {c.slug: c for c in s.scalars(select(Competition))}
        # Every demo names its sample submission and test file, and both fit the solution.
        assert {(c.sample_submission, c.test_file) for c in by_slug.values()} == {("sample_submission.csv", "test.csv")}
        # The finished one is finalized, with its labels declared and the finalize in its audit log.
        wine = by_slug["wine"]
        assert wine.finalized_at is not None and wine.metric_params["labels"] == ["0", "1", "2"]
        assert s.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.competition_id == wine.id)) == 1
        assert by_slug["digits"].metric_params["labels"] == [str(d) for d in range(10)]
        # One study group holds them all: a closed season with the two finished ones, and an open one.
        group = s.scalar(select(Group))
        assert group.slug == "ml-study-group" and {c.group_id for c in by_slug.values()} == {group.id}
        past, current = sorted(s.scalars(select(Season)), key=lambda x: x.start_at)
        assert past.closed_at is not None and current.closed_at is None
        awarded = {(a.competition.slug, a.season_id) for a in s.scalars(select(Award))}
        assert awarded == {("wine", past.id), ("diabetes", past.id)}
        assert by_slug["diabetes"].finalized_at is not None
        medals = sorted(a.medal for a in s.scalars(select(Award)) if a.medal)
        # wine: 4 ranked teams, floor(40% of 4) = 1 bronze; diabetes: 5 ranked teams, a silver and a bronze
        assert medals == ["bronze", "bronze", "silver"]
        # One team of two, formed through an invitation, holds both members' submissions.
        team = s.scalar(select(Team).where(Team.competition_id == by_slug["digits"].id, Team.name == "Forest Friends"))
        assert sorted(m.user.username for m in team.members) == ["ada", "katherine"] and team.entries == 3
        # A lively Discussion tab on the finished one: an announcement, a question answered, and a write-up.
        from competitions.models import Post, Topic, WriteUp
        assert s.scalar(select(func.count(Topic.id)).where(Topic.competition_id == wine.id)) == 3
        assert s.scalar(select(func.count(Post.id))) == 5
        assert s.scalar(select(func.count(WriteUp.id)).where(WriteUp.competition_id == wine.id)) == 1
    second = runner.invoke(args=["demo", "seed"])
    assert second.exit_code == 0, second.output
    assert "already present" in second.output
    assert counts() == after_first


def _refused(runner, path) -> str:
    result = runner.invoke(args=["competitions", "import", str(path), "--owner", "org"])
    assert result.exit_code != 0
    return result.output


def test_import_follows_no_symlink_at_all(app, sessions, people, tmp_path):
    runner = app.test_cli_runner()
    secret = tmp_path / "elsewhere" / "answer-key.csv"
    secret.parent.mkdir()
    secret.write_bytes(solution_csv(shift=3))
    for place, target in (("data/extra.csv", secret), ("solution.csv", secret), ("data", secret.parent),
                          ("description.md", tmp_path / "elsewhere" / "missing.md")):
        bundle = write_bundle(tmp_path / f"b{abs(hash(place))}")
        link = bundle / place
        if link.is_dir():
            shutil.rmtree(link)
        else:
            link.unlink(missing_ok=True)
        link.symlink_to(target)
        assert "symbolic link" in _refused(runner, bundle), place
    # In a zip, a symlink entry is refused too (zipfile would write it as a plain file of its target's name).
    archive_path = tmp_path / "linked.zip"
    source = write_bundle(tmp_path / "for-zip")
    with zipfile.ZipFile(archive_path, "w") as archive:
        for item in sorted(source.rglob("*")):
            if item.is_file():
                archive.write(item, item.relative_to(source).as_posix())
        info = zipfile.ZipInfo("data/leak.csv")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, str(secret))
    assert "symbolic link" in _refused(runner, archive_path)
    with sessions() as s:
        assert s.scalar(select(func.count(Competition.id))) == 0


def test_import_refuses_the_solution_as_a_data_file(app, sessions, people, tmp_path):
    runner = app.test_cli_runner()
    bundle = write_bundle(tmp_path / "leaky")
    shutil.copy(bundle / "solution.csv", bundle / "data" / "answers.csv")
    output = _refused(runner, bundle)
    assert "answers.csv" in output and "solution file itself" in output
    with sessions() as s:
        assert s.scalar(select(func.count(Competition.id))) == 0
