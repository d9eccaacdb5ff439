"""`holdout login`, where settings come from, and failures that must stay one line."""
from __future__ import annotations

import io
import json
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _config(tmp_path) -> Path:
    return tmp_path / "xdg" / "holdout" / "config.json"


def test_login_saves_a_good_token_readable_by_the_owner_alone(world, holdout, monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "stdin", io.StringIO(world.token + "\n"))
    done = holdout("login", "--server", world.server + "/", "--token-stdin")
    assert done.code == 0, done.err
    path = _config(tmp_path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert json.loads(path.read_text()) == {"server": world.server, "token": world.token}
    assert world.token not in done.out

    # Later commands need neither flags nor environment.
    joined = holdout("join", world.slug)
    assert joined.code == 0, joined.err
    assert "team alice" in joined.out


def test_login_reads_a_hidden_prompt(world, holdout, monkeypatch, tmp_path):
    monkeypatch.setattr("getpass.getpass", lambda prompt="": world.token)
    assert holdout("login", "--server", world.server).code == 0
    assert json.loads(_config(tmp_path).read_text())["token"] == world.token


def test_login_refuses_a_bad_token_and_saves_nothing(world, holdout, monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "stdin", io.StringIO("hdt_not-a-real-token\n"))
    done = holdout("login", "--server", world.server, "--token-stdin")
    assert done.code == 1
    assert done.err.startswith(f"error: {world.server} refused the token")
    assert done.err.count("\n") == 1 and "Traceback" not in done.err
    assert not _config(tmp_path).exists()


def test_flags_beat_environment_which_beats_the_file(world, holdout, monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "stdin", io.StringIO(world.token + "\n"))
    assert holdout("login", "--server", world.server, "--token-stdin").code == 0
    monkeypatch.setenv("HOLDOUT_TOKEN", "hdt_revoked")
    assert holdout("join", world.slug).code == 1  # the environment's bad token wins over the file
    assert holdout("join", world.slug, "--token", world.token).code == 0  # the flag wins over both


def _refused_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"  # nothing listens there any more


def test_an_unreachable_server_is_named_in_one_line(holdout):
    url = _refused_url()
    done = holdout("competitions", "--server", url)
    assert done.code == 1
    assert done.err == f"error: could not reach the Holdout server at {url} (Connection refused)\n"
    assert done.out == ""


def test_no_server_configured_says_how_to_set_one(holdout):
    done = holdout("competitions")
    assert done.code == 1
    assert "holdout login --server URL" in done.err and done.err.count("\n") == 1


def _run_module(*argv, env_extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOLDOUT_")} | env_extra
    return subprocess.run([sys.executable, "-m", "holdout_client", *argv], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=60)


def test_the_module_runs_as_a_real_process(world, tmp_path):
    env = {"HOLDOUT_SERVER": world.server, "HOLDOUT_TOKEN": world.token, "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    done = _run_module("competitions", "--json", env_extra=env)
    assert done.returncode == 0, done.stderr
    assert [c["slug"] for c in json.loads(done.stdout)] == [world.slug]

    refused = _run_module("leaderboard", world.slug, env_extra={**env, "HOLDOUT_SERVER": _refused_url()})
    assert refused.returncode == 1
    assert refused.stderr.startswith("error: could not reach the Holdout server at http://127.0.0.1:")
    assert "Traceback" not in refused.stderr and refused.stderr.count("\n") == 1
