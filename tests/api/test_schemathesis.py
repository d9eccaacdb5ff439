"""Schemathesis against the live server: every operation, as a joined learner and as the organizer.

No answer may be a server error, and every answer must fit the OpenAPI document: a declared status
code, a declared content type, and a body that fits its schema (the shared Error schema for refusals).
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from competitions import catalog, discussion, groups, hosting, participation, submitting, tokens
from competitions.db import make_session_factory
from competitions.spec import parse_spec
from competitions.storage import LocalStorage

N_ROWS = 20
SOLUTION_CSV = ("id,target,Usage\n" + "".join(
    f"{i},{i}.0,{'Public' if i <= 10 else 'Private'}\n" for i in range(1, N_ROWS + 1))).encode()
TRAIN_CSV = b"id,x,target\n101,0.5,1.0\n102,0.7,2.0\n"
TEST_CSV = ("id,x\n" + "".join(f"{i},0.{i}\n" for i in range(1, N_ROWS + 1))).encode()
PREDICTIONS = ("id,target\n" + "".join(f"{i},{i}.5\n" for i in range(1, N_ROWS + 1))).encode()

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


@dataclass
class World:
    base_url: str
    token: str
    slug: str
    group: str
    username: str


@pytest.fixture(params=["learner", "organizer"])
def api_world(request, make_user, engine, live_server) -> World:
    """An open competition with its solution, data files, a submission and a topic; a group; then the
    token of the learner who joined it or of the organizer who owns it."""
    now = datetime.now(timezone.utc)
    org = make_user("org", role="organizer")
    alice = make_user("alice")
    storage = LocalStorage(str(live_server.data_dir))
    meta = {"title": "House prices", "slug": "house-prices", "metric": "rmse", "metric_params": {},
            "id_column": "id", "start": (now - timedelta(days=1)).isoformat(),
            "deadline": (now + timedelta(days=30)).isoformat(), "daily_limit": 5, "final_selections": 2,
            "description": "Predict well.", "rules": "Be nice.", "visibility": "public"}
    with make_session_factory(engine)() as s:
        owner, learner = s.merge(org), s.merge(alice)
        hosting.create_competition(s, storage, owner, parse_spec(meta), io.BytesIO(SOLUTION_CSV),
                                   [("train.csv", io.BytesIO(TRAIN_CSV)), ("test.csv", io.BytesIO(TEST_CSV))], now)
        s.commit()
        competition = catalog.get_competition(s, "house-prices")
        participation.join(s, competition, learner, now)
        s.commit()
        submitting.submit(s, storage, competition, learner, "sub.csv", io.BytesIO(PREDICTIONS), "first", now)
        discussion.create_topic(s, competition, learner, "Hello", "Which features help?", now, is_member=True)
        groups.create_group(s, owner, "ml-club", "ML club", "We practise.", "public", now)
        s.commit()
        user = owner if request.param == "organizer" else learner
        _, token = tokens.create_token(s, user, "schemathesis", now=now)
        s.commit()
        username = user.username
    return World(base_url=live_server.url + "/api/v1", token=token, slug="house-prices", group="ml-club",
                 username=username)


def _run_operation(operation, world: World, mode, max_examples: int, succeeded: set) -> None:
    headers = {"Authorization": f"Bearer {world.token}"}

    @settings(max_examples=max_examples, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        # Aim the examples at the seeded competition and group, so they reach past the 404.
        params = case.path_parameters or {}
        if "slug" in params:
            params["slug"] = world.group if case.path.startswith("/groups/") else world.slug
        if case.path == "/users/{username}":
            params["username"] = world.username
        if "name" in params:
            params["name"] = "train.csv"
        response = case.call_and_validate(base_url=world.base_url, headers=headers, checks=CHECKS)
        if response.status_code < 300:
            succeeded.add(f"{case.method} {case.path}")

    run()


def test_the_api_keeps_its_document(api_world):
    """Loaded from the live server; each operation in turn, positive then negative examples."""
    schema = schemathesis.openapi.from_url(api_world.base_url + "/openapi.json")
    failures, ran, succeeded = [], 0, set()
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode, examples in ((GenerationMode.POSITIVE, 6), (GenerationMode.NEGATIVE, 4)):
            try:
                _run_operation(operation, api_world, mode, examples, succeeded)
            except Unsatisfiable:
                continue  # nothing to negate: no parameters or body that could be invalid
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - collect them all, then fail once
                failures.append(f"{operation.method.upper()} {operation.path} ({mode.value}): {exc}")
            ran += 1
    assert ran >= 80
    assert len(succeeded) >= 20, f"too few operations got past a refusal: {sorted(succeeded)}"
    assert failures == [], "\n\n".join(failures)
