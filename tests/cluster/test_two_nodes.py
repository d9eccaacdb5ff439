"""Two web nodes and a worker sharing PostgreSQL, S3 and Redis, started as in production.

platform/cluster.sh starts two gunicorn nodes on loopback ports and one job worker;
the shared services are a fresh PostgreSQL schema, moto's S3 server on a loopback
port and Redis. Learners upload through both nodes at once against the daily limit,
an organizer replaces the solution on one node and a worker re-scores, and both
nodes must then serve the same leaderboard.

Runs in the PostgreSQL pass (several processes cannot share an SQLite test file
the way nodes share a database server); in CI every service is mandatory.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lifecycle"))
from lifecycle_support import metadata, predictions, solution_csv  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"
PASSWORD = "cluster-pass-phrase-41"
DAILY_LIMIT = 3
UPLOADS_EACH = 7  # per learner, all at once, spread over both nodes

pytestmark = [pytest.mark.postgres_only]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def s3_endpoint():
    """A real S3 API (moto's server mode) on a loopback port, with one bucket."""
    boto3 = pytest.importorskip("boto3")
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
                 aws_secret_access_key="test").create_bucket(Bucket="holdout-cluster")
    yield endpoint
    server.stop()


class Node:
    """A tiny HTTP client for one web node."""

    def __init__(self, port: int):
        self.base = f"http://127.0.0.1:{port}"

    def call(self, method: str, path: str, token: str | None = None, *, fields: dict | None = None,
             files: dict | None = None, json_body: dict | None = None) -> tuple[int, dict | bytes]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        data = None
        if files is not None or fields is not None:
            data, ctype = _multipart(fields or {}, files or {})
            headers["Content-Type"] = ctype
        elif json_body is not None:
            data = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return resp.status, _body(resp.read(), resp.headers.get("Content-Type", ""))
        except urllib.error.HTTPError as err:
            return err.code, _body(err.read(), err.headers.get("Content-Type", ""))


def _body(raw: bytes, ctype: str):
    return json.loads(raw) if "json" in ctype else raw


def _multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    out = bytearray()
    for name, value in fields.items():
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    for name, items in files.items():
        for filename, content in items:
            out += (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                    "Content-Type: application/octet-stream\r\n\r\n").encode() + content + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


@pytest.fixture
def cluster(fresh_db_url, s3_endpoint, redis_url, tmp_path):
    """Two web nodes and one worker, started by platform/cluster.sh; stopped (and logs shown) at the end."""
    ports = [_free_port(), _free_port()]
    run_dir = tmp_path / "cluster"
    prefix = f"cluster-{uuid.uuid4().hex[:8]}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOLDOUT_", "AWS_"))}
    env.update({
        "HOLDOUT_DATABASE_URL": fresh_db_url,
        "HOLDOUT_STORAGE_URL": f"s3://holdout-cluster/{prefix}",
        "HOLDOUT_REDIS_URL": redis_url,
        "HOLDOUT_SECRET_KEY": "cluster-test-secret",
        "HOLDOUT_INSTANCE_DIR": str(tmp_path / "instance"),
        "HOLDOUT_QUEUE_NAME": prefix,
        "AWS_ENDPOINT_URL": s3_endpoint, "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
        "WEB_CONCURRENCY": "2",
    })
    started = subprocess.run([str(ROOT / "platform" / "cluster.sh"), "start", str(run_dir), *map(str, ports)],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert started.returncode == 0, started.stdout + started.stderr
    try:
        yield env, [Node(p) for p in ports]
    finally:
        subprocess.run([str(ROOT / "platform" / "cluster.sh"), "stop", str(run_dir)], cwd=ROOT, env=env,
                       capture_output=True, timeout=60)
        for log in sorted(run_dir.glob("*.log")):
            if "access" not in log.name:
                print(f"===== {log.name}\n{log.read_text()[-4000:]}")


def _flask(env: dict, *args: str, stdin: str | None = None) -> str:
    out = subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env, input=stdin,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


def _user_with_token(env: dict, name: str, role: str) -> str:
    _flask(env, "users", "create", name, "--role", role, "--password-stdin", stdin=PASSWORD + "\n")
    return _flask(env, "tokens", "create", name).strip().splitlines()[-1]


def _wait_for(check, what: str, timeout: float = 90.0):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.25)


def test_two_nodes_share_quota_files_jobs_and_boards(cluster):
    env, (a, b) = cluster
    org = _user_with_token(env, "org", "organizer")
    learners = {name: _user_with_token(env, name, "learner") for name in ("ann", "ben", "cyd")}

    now = datetime.now(timezone.utc).replace(microsecond=0)
    meta = metadata("cluster-cup", start=(now - timedelta(hours=1)).isoformat(),
                    deadline=(now + timedelta(days=7)).isoformat(), daily_limit=DAILY_LIMIT)
    status, body = a.call("POST", "/api/v1/competitions", org,
                          fields={"metadata": json.dumps(meta)},
                          files={"solution": [("solution.csv", solution_csv())],
                                 "files": [("train.csv", b"id,x,target\n1,0.5,1.5\n")]})
    assert status == 201, body

    # A data file stored through node A downloads through node B: the nodes share S3.
    for name, token in learners.items():
        status, body = b.call("POST", "/api/v1/competitions/cluster-cup/join", token)
        assert status in (200, 201), (name, body)
    status, data = b.call("GET", "/api/v1/competitions/cluster-cup/files/train.csv", learners["ann"])
    assert (status, data) == (200, b"id,x,target\n1,0.5,1.5\n")

    # Every learner sends UPLOADS_EACH files at once, alternating nodes: the daily limit holds exactly.
    results: dict[str, list[int]] = {name: [] for name in learners}
    lock = threading.Lock()

    def upload(name: str, token: str, i: int) -> None:
        node = (a, b)[i % 2]
        code, reply = node.call("POST", "/api/v1/competitions/cluster-cup/submissions", token,
                                files={"file": [("p.csv", predictions(0.1 * (i + 1)))]})
        if code == 429:  # only the daily limit may refuse, not a rate limit
            code = 429 if isinstance(reply, dict) and reply.get("error") == "quota_exceeded" else -429
        with lock:
            results[name].append(code)

    threads = [threading.Thread(target=upload, args=(name, token, i))
               for name, token in learners.items() for i in range(UPLOADS_EACH)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for name, codes in results.items():
        assert sorted(codes) == sorted([201] * DAILY_LIMIT + [429] * (UPLOADS_EACH - DAILY_LIMIT)), (name, codes)

    def listed(node: Node, token: str) -> list[dict]:
        status, body = node.call("GET", "/api/v1/competitions/cluster-cup/submissions", token)
        assert status == 200, body
        return body

    for token in learners.values():
        assert [s["status"] for s in listed(b, token)] == ["scored"] * DAILY_LIMIT

    status, before = a.call("GET", "/api/v1/competitions/cluster-cup/leaderboard")
    assert status == 200 and len(before["entries"]) == 3

    # The organizer replaces the solution on node A; a worker re-scores every submission.
    status, body = a.call("POST", "/api/v1/competitions/cluster-cup/solution", org,
                          files={"solution": [("v2.csv", solution_csv(shift=1))]})
    assert status in (200, 202), body

    def rescored() -> bool:
        subs = [s for token in learners.values() for s in listed(b, token)]
        return all(s["solution_version"] == 2 and s["status"] == "scored" for s in subs)

    _wait_for(rescored, "the worker to re-score every submission against the new solution")

    boards = []
    for node in (a, b):
        status, board = node.call("GET", "/api/v1/competitions/cluster-cup/leaderboard")
        assert status == 200
        boards.append(board)
    assert boards[0] == boards[1]
    assert [e["score"] for e in boards[0]["entries"]] != [e["score"] for e in before["entries"]]
