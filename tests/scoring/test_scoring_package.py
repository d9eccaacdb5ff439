"""Scorer and learner client install without the platform: learners score offline with the server's code."""
from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import scoring

ROOT = Path(__file__).resolve().parents[2]


def test_the_wheel_holds_only_the_scorer_the_client_and_their_commands(tmp_path):
    # Build from a copy: setuptools writes build/ and *.egg-info beside the sources.
    source = tmp_path / "src"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".venv", ".git", "instance", "bench", "tests", "__pycache__", "*.pyc"))
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path)], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (wheel,) = tmp_path.glob("holdout_scoring-*.whl")
    assert wheel.name.startswith(f"holdout_scoring-{scoring.SCORER_VERSION}-")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        entry_points = next(n for n in names if n.endswith("entry_points.txt"))
        scripts = archive.read(entry_points).decode()
        assert "holdout-score = scoring.cli:main" in scripts
        assert "holdout = holdout_client.cli:main" in scripts
    packages = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert packages == {"scoring", "holdout_client"}  # never the platform, never its database or web code
    assert "scoring/metrics/registry.py" in names
    assert "holdout_client/__main__.py" in names
