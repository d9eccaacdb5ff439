"""Fixtures for the storage tests: a real S3 server (moto's, on loopback) and the same
`storage` fixture for both backends, so every test runs against LocalStorage and S3Storage."""
from __future__ import annotations

import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
# The lifecycle tests' competition data (lifecycle_support.py), reused here as is.
if str(HERE.parent / "lifecycle") not in sys.path:
    sys.path.insert(0, str(HERE.parent / "lifecycle"))


@dataclass
class S3Server:
    endpoint: str

    def env(self) -> dict[str, str]:
        """The AWS variables that point boto3 (and so the app) at this server."""
        return {"AWS_ENDPOINT_URL": self.endpoint, "AWS_ACCESS_KEY_ID": "holdout-test",
                "AWS_SECRET_ACCESS_KEY": "holdout-test-secret", "AWS_DEFAULT_REGION": "us-east-1",
                "AWS_MAX_ATTEMPTS": "2"}


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory) -> Iterator[S3Server]:
    """moto's ThreadedMotoServer on 127.0.0.1:<free port>, for the whole run (tests/storage/moto_server.py)."""
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with log.open("wb") as err:
        proc = subprocess.Popen([sys.executable, str(HERE / "moto_server.py")], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=err, text=True)
    try:
        line = proc.stdout.readline().strip()
        if not line.isdigit():
            pytest.fail(f"moto's server did not start: {log.read_text()[-2000:]}", pytrace=False)
        yield S3Server(endpoint=f"http://127.0.0.1:{line}")
    finally:
        proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def s3_env(s3_server, monkeypatch) -> S3Server:
    """This test's process environment points at the moto server (and at no developer's profile)."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL_S3", "AWS_SESSION_TOKEN", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    for name, value in s3_server.env().items():
        monkeypatch.setenv(name, value)
    return s3_server


@pytest.fixture
def s3_bucket(s3_env) -> str:
    """A new, empty bucket for this test alone."""
    from competitions.storage_s3 import shared_client

    name = f"holdout-test-{secrets.token_hex(4)}"
    shared_client().create_bucket(Bucket=name)
    return name


@pytest.fixture(params=["local", "s3"])
def storage(request, tmp_path):
    """The same tests against both backends, each made by the factory from its URL."""
    from competitions.storage import open_storage

    if request.param == "local":
        return open_storage(tmp_path / "data")
    bucket = request.getfixturevalue("s3_bucket")
    return open_storage(f"s3://{bucket}/files")
