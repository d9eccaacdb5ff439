"""The demo: four competitions of one study group, built from datasets scikit-learn ships, with baseline entries.

Everything is generated locally (nothing is downloaded) and goes through the
same bundle import and submission code that real users use.
"""
from __future__ import annotations

import io
import secrets
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import tomli_w
from sklearn import datasets
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sqlalchemy import select
from sqlalchemy.orm import Session

from competitions import accounts, bundles, groups, lifecycle, participation, seasons, submitting, teams
from competitions.models import Competition, Group, User
from competitions.storage import Storage

DEMO_LEARNERS = ["ada", "grace", "alan", "katherine"]


@dataclass(frozen=True)
class DemoTask:
    slug: str
    title: str
    subtitle: str
    metric: str
    kind: str  # binary / regression / multiclass (probabilities) / labels (one predicted class)
    loader: str
    # Timing relative to the seed: the default is open for another month; a past one is finalized.
    started_days_ago: int = 14
    deadline_in_days: int = 30
    finalized: bool = False


TASKS = [
    DemoTask("breast-cancer", "Breast cancer diagnosis", "Predict the probability that a tumour is malignant.",
             "log_loss", "binary", "load_breast_cancer"),
    DemoTask("diabetes", "Diabetes progression", "Predict disease progression one year after baseline (finished).",
             "rmse", "regression", "load_diabetes", started_days_ago=50, deadline_in_days=-12, finalized=True),
    DemoTask("digits", "Handwritten digits", "Give a probability for each digit 0–9 in 8×8 images.",
             "multiclass_log_loss", "multiclass", "load_digits"),
    DemoTask("wine", "Wine cultivars", "Name the cultivar of each wine from its chemistry (finished).",
             "macro_f1", "labels", "load_wine", started_days_ago=45, deadline_in_days=-5, finalized=True),
]


@dataclass
class SeedReport:
    created: list[str]
    credentials: dict[str, str]


def seed(session: Session, storage: Storage, now: datetime) -> SeedReport:
    """Idempotent: existing demo users and competitions are left alone."""
    credentials: dict[str, str] = {}
    organizer = _ensure_user(session, "organizer", "organizer", credentials, now)
    # An admin too, so a newcomer can see every kind of page (the Users page, reopening a finished one).
    _ensure_user(session, "admin", "admin", credentials, now)
    learners = [_ensure_user(session, name, "learner", credentials, now) for name in ["learner", *DEMO_LEARNERS]]
    new_group = _ensure_group(session, organizer, learners, now)
    created = []
    for task in TASKS:
        if session.scalar(select(Competition.id).where(Competition.slug == task.slug)) is not None:
            continue
        frames = _frames(task)
        competition = _import(session, storage, organizer, task, frames, now)
        session.commit()
        if task.slug == TEAM_TASK:
            _team_up(session, competition, learners[1:])
        _baselines(session, storage, competition, task, frames, learners[1:], now)
        if task.slug == PROGRESS_TASK:
            _progress(session, storage, competition, task, frames, learners[0])
        if task.slug == SHAKEUP_TASK:
            _chase_the_public_board(session, storage, competition, frames, learners[0])
        if task.finalized:
            # A finished competition shows the private board, the frozen results and the audit log;
            # finalized the day after its deadline, inside the group's past season, it gives medals and points.
            lifecycle.finalize(session, competition, organizer, competition.deadline_at + timedelta(days=1))
            session.commit()
        if task.slug == DISCUSSION_TASK:
            _discuss(session, competition, organizer, learners[1:])
        created.append(task.slug)
    if new_group is not None:
        # The past season is over: closed, it keeps its standings and takes no more points.
        past = seasons.seasons_of(session, new_group)[-1]
        seasons.close_season(session, past, organizer, past.end_at)
    session.commit()
    return SeedReport(created, credentials)


GROUP_SLUG, GROUP_NAME = "ml-study-group", "ML Study Group"
GROUP_DESCRIPTION = """A weekly study group working through tabular ML, one short competition at a time.

Each season adds up **points** from every competition finalized in it; medals follow Kaggle's table.
"""


def _ensure_group(session: Session, organizer: User, learners: list[User], now: datetime) -> Group | None:
    """The study group, its members, a past season and an open one; None when it already exists."""
    if session.scalar(select(Group.id).where(Group.slug == GROUP_SLUG)) is not None:
        return None
    group = groups.create_group(session, organizer, GROUP_SLUG, GROUP_NAME, GROUP_DESCRIPTION, "public", now)
    for learner in learners:
        groups.set_role(session, group, organizer, learner.username, "member", now)
    seasons.create_season(session, group, organizer, "Autumn season", now - timedelta(days=60),
                          now - timedelta(days=3), now)
    seasons.create_season(session, group, organizer, "Winter season", now - timedelta(days=3),
                          now + timedelta(days=90), now)
    session.commit()
    return group


def _ensure_user(session: Session, username: str, role: str, credentials: dict[str, str], now: datetime) -> User:
    user = accounts.find_user(session, username)
    if user is None:
        password = secrets.token_urlsafe(9)
        user = accounts.create_user(session, username, password, role=role, now=now)
        credentials[username] = password
    return user


def _frames(task: DemoTask) -> dict[str, pd.DataFrame]:
    bunch = getattr(datasets, task.loader)(as_frame=True)
    features = bunch.data.copy()
    features.columns = [str(c).replace(" ", "_") for c in features.columns]
    target = bunch.target.astype(int) if task.kind != "regression" else bunch.target.astype(float)
    ids = pd.Series(np.arange(100000, 100000 + len(features)), name="id")
    features.insert(0, "id", ids)
    x_train, x_test, y_train, y_test = train_test_split(
        features, target, test_size=0.4, random_state=7,
        stratify=target if task.kind != "regression" else None)
    train = x_train.assign(target=y_train.values).reset_index(drop=True)
    test = x_test.reset_index(drop=True)
    solution = pd.DataFrame({"id": x_test["id"].values, "target": y_test.values})
    return {"train": train, "test": test, "solution": solution}


def _import(session: Session, storage: Storage, organizer: User, task: DemoTask,
            frames: dict[str, pd.DataFrame], now: datetime) -> Competition:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "data").mkdir()
        frames["train"].to_csv(root / "data" / "train.csv", index=False)
        frames["test"].to_csv(root / "data" / "test.csv", index=False)
        frames["solution"].to_csv(root / "solution.csv", index=False)
        _sample(task, frames).to_csv(root / "data" / "sample_submission.csv", index=False)
        (root / "description.md").write_text(_description(task))
        (root / "rules.md").write_text(RULES)
        manifest = {"competition": {
            "title": task.title, "slug": task.slug, "subtitle": task.subtitle, "metric": task.metric,
            "id_column": "id", "start": now - timedelta(days=task.started_days_ago),
            "deadline": now + timedelta(days=task.deadline_in_days),
            "daily_limit": 5, "final_selections": 2, "public_fraction": 0.3, "seed": 42,
            "sample_submission": "sample_submission.csv", "test_file": "test.csv", "group": GROUP_SLUG}}
        (root / bundles.MANIFEST).write_text(tomli_w.dumps(manifest))
        competition = bundles.import_bundle(session, storage, organizer, root, now).competition
        # Published the day before its start, as a real one would have been: the Manage tab's timeline reads true.
        competition.published_at = competition.start_at - timedelta(days=1)
        return competition


def _sample(task: DemoTask, frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    ids = frames["test"]["id"]
    y = frames["train"]["target"]
    if task.kind == "binary":
        return pd.DataFrame({"id": ids, "target": 0.5})
    if task.kind == "regression":
        return pd.DataFrame({"id": ids, "target": float(y.mean())})
    if task.kind == "labels":
        # The most frequent class everywhere: valid, and the floor to beat.
        return pd.DataFrame({"id": ids, "target": int(y.mode()[0])})
    classes = sorted(y.unique())
    return pd.DataFrame({"id": ids, **{str(c): 1 / len(classes) for c in classes}})


def _predictions(task: DemoTask, model_name: str, frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    train, test = frames["train"], frames["test"]
    x_train, y_train = train.drop(columns=["id", "target"]), train["target"]
    x_test = test.drop(columns=["id"])
    if model_name == "constant":
        return _sample(task, frames) if task.kind != "binary" else pd.DataFrame(
            {"id": test["id"], "target": float(y_train.mean())})
    model = _model(task, model_name)
    model.fit(x_train, y_train)
    if task.kind in ("regression", "labels"):
        return pd.DataFrame({"id": test["id"], "target": model.predict(x_test)})
    proba = model.predict_proba(x_test)
    if task.kind == "binary":
        return pd.DataFrame({"id": test["id"], "target": proba[:, 1]})
    return pd.DataFrame({"id": test["id"], **{str(c): proba[:, i] for i, c in enumerate(model.classes_)}})


def _model(task: DemoTask, model_name: str):
    # "strong" is the same linear model, regularised harder: a second, slightly different entry.
    strength = 10.0 if model_name == "linear_strong" else 1.0
    if task.kind == "regression":
        if model_name.startswith("linear"):
            return make_pipeline(StandardScaler(), Ridge(alpha=strength))
        return RandomForestRegressor(n_estimators=200, min_samples_leaf=3, random_state=0)
    if model_name.startswith("linear"):
        return make_pipeline(StandardScaler(), LogisticRegression(C=1 / strength, max_iter=2000))
    return RandomForestClassifier(n_estimators=200, random_state=0)


# Who submits what, and how many days after the start.
BASELINES = [("alan", "constant", "Constant baseline", 1),
             ("grace", "linear_strong", "Linear model, strong regularisation", 2),
             ("ada", "linear", "Linear baseline", 3),
             ("ada", "forest", "Random forest, 200 trees", 5),
             ("katherine", "forest", "Random forest", 6)]


TEAM_TASK, TEAM_NAME, TEAM_MEMBERS = "digits", "Forest Friends", ("ada", "katherine")


def _team_up(session: Session, competition: Competition, learners: list[User]) -> None:
    """Two learners form a team through an invitation, as they would on the Team tab."""
    by_name = {u.username: u for u in learners}
    when = competition.start_at + timedelta(hours=12)
    captain, mate = (by_name[name] for name in TEAM_MEMBERS)
    participation.join(session, competition, captain, when)
    teams.rename(session, competition, captain, TEAM_NAME, when)
    invitation = teams.invite(session, competition, captain, when, username=mate.username)
    teams.accept(session, invitation.code, mate, when + timedelta(hours=1))
    session.commit()


def _baselines(session: Session, storage: Storage, competition: Competition, task: DemoTask,
               frames: dict[str, pd.DataFrame], learners: list[User], now: datetime) -> None:
    by_name = {u.username: u for u in learners}
    for username, model_name, description, day in BASELINES:
        user = by_name[username]
        when = competition.start_at + timedelta(days=day, hours=3)
        participation.join(session, competition, user, when)
        session.commit()  # submit() commits in steps and wants a clean session
        data = _predictions(task, model_name, frames).to_csv(index=False).encode()
        submitting.submit(session, storage, competition, user, "submission.csv", io.BytesIO(data),
                          description, when)


# The demo account "learner" improves over a week on this one, so My submissions shows a real chart:
# blends of the constant baseline and the forest, better day by day, with one step back on day 4.
PROGRESS_TASK = "breast-cancer"
PROGRESS_STEPS = [(1, 0.2, "First try: mostly the constant"), (2, 0.5, "Half forest"),
                  (4, 0.35, "Less forest: worse"), (5, 0.8, "More forest"), (7, 0.95, "Nearly all forest"),
                  (8, 1.0, "Random forest, 200 trees")]


def _progress(session: Session, storage: Storage, competition: Competition, task: DemoTask,
              frames: dict[str, pd.DataFrame], learner: User) -> None:
    from competitions import progress

    participation.join(session, competition, learner, competition.start_at + timedelta(hours=6))
    session.commit()
    constant, forest = _predictions(task, "constant", frames), _predictions(task, "forest", frames)
    for day, weight, description in PROGRESS_STEPS:
        blend = forest.assign(target=weight * forest["target"] + (1 - weight) * constant["target"])
        receipt = submitting.submit(session, storage, competition, learner, "submission.csv",
                                    io.BytesIO(blend.to_csv(index=False).encode()), description,
                                    competition.start_at + timedelta(days=day, hours=2))
        progress.record(session, storage, competition, receipt.submission)
        session.commit()


# On this finished one the demo account "learner" chases the public board: six uploads tuned to the public
# rows, each a little closer to them, and no better than the mean elsewhere. The private board then shows a
# shake-up (the public-versus-private chart, the rank changes, and a note on overfitting the public board).
SHAKEUP_TASK = "diabetes"


def _chase_the_public_board(session: Session, storage: Storage, competition: Competition,
                            frames: dict[str, pd.DataFrame], learner: User) -> None:
    from competitions import solutions
    from scoring.split import PUBLIC

    participation.join(session, competition, learner, competition.start_at + timedelta(days=5))
    session.commit()
    parsed = solutions.load_parsed(storage, competition, solutions.current_solution(session, competition))
    public = {i.decode() if isinstance(i, bytes) else str(i)
              for i in np.asarray(parsed.ids)[np.asarray(parsed.usage) == PUBLIC].tolist()}
    truth = frames["solution"].set_index("id")["target"]
    mean = float(frames["train"]["target"].mean())
    rng = np.random.default_rng(11)
    test_ids = frames["test"]["id"]
    for attempt in range(6):
        spread = 40.0 - 5 * attempt  # each try fits the public rows a little better
        target = [float(truth[i]) + rng.normal(0, spread) if str(i) in public else mean + 25.0
                  for i in test_ids]
        session.commit()
        submitting.submit(session, storage, competition, learner, "submission.csv",
                          io.BytesIO(pd.DataFrame({"id": test_ids, "target": target}).to_csv(index=False).encode()),
                          f"Tuned on the public board, try {attempt + 1}",
                          competition.start_at + timedelta(days=6 + attempt, hours=4))


def _description(task: DemoTask) -> str:
    return f"""## {task.title}

{task.subtitle} The data comes from scikit-learn's `{task.loader}()` and was split for this demo.

### Files
- `train.csv`: features and the `target` column.
- `test.csv`: the same features without the target. Predict these rows.
- `sample_submission.csv`: a valid submission to start from.

### Evaluation
Submissions are scored with **{task.metric}**. About 30% of the test rows make up the public
leaderboard; the remaining 70% decide the private leaderboard, revealed at the end.
"""


RULES = """1. One account per person.
2. Train on `train.csv` only; do not hand-label the test set.
3. Up to 5 submissions a day (reset at 00:00 UTC). Select up to 2 final submissions.
"""


# --- a lively Discussion tab and one write-up on the finished competition -------------------------

DISCUSSION_TASK = "wine"


def _discuss(session: Session, competition: Competition, organizer: User, learners: list[User]) -> None:
    """A question with an organizer's answer, a pinned announcement and the winner's write-up,
    dated inside the competition's life (the rate limit counts posts minutes apart, these are days)."""
    from competitions import discussion, leaderboard, writeups
    from competitions.models import Team

    by_name = {u.username: u for u in learners}
    start = competition.start_at
    discussion.create_topic(session, competition, organizer, "Welcome! Read this first",
                            "Labels are **0, 1, 2**: one cultivar each. The metric is macro F1, so every class "
                            "counts the same.\n\nAsk anything about the data here.", start + timedelta(hours=2),
                            is_member=False, announcement=True)
    question = discussion.create_topic(
        session, competition, by_name["grace"], "Should the features be scaled?",
        "The `proline` column is in the hundreds while `hue` is around 1. Does scaling matter here?",
        start + timedelta(days=2), is_member=True)
    discussion.reply(session, competition, organizer, question.id,
                     "For linear models, yes: try\n\n```python\nfrom sklearn.preprocessing import StandardScaler\n"
                     "model = make_pipeline(StandardScaler(), LogisticRegression())\n```\n"
                     "Tree models do not care.", start + timedelta(days=2, hours=3), is_member=False)
    discussion.reply(session, competition, by_name["alan"], question.id, "Scaling took my F1 from 0.7 to 0.95!",
                     start + timedelta(days=3), is_member=True)
    discussion.create_topic(session, competition, by_name["ada"], "Random forest vs. linear",
                            "Has anyone compared them? My forest does slightly better on the public board.",
                            start + timedelta(days=6), is_member=True)
    winner = leaderboard.private_board(session, competition)[0]
    team = session.get(Team, winner.team_id)
    author = team.members[0].user
    final = writeups.final_submissions(session, competition, team)[0]
    writeups.publish(session, competition, author, title=f"#1: {final.description or 'our solution'}",
                     body="## Approach\n\nStandardised the 13 features, then compared a regularised logistic "
                          "regression with a random forest on 5-fold cross-validation.\n\n## What mattered\n\n"
                          "- scaling, for the linear model;\n- not over-tuning to the public board.",
                     submission_id=final.id, links=[], now=competition.finalized_at + timedelta(hours=6))
    session.commit()
