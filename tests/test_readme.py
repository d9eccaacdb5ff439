"""A newcomer's first ten minutes: every shell command the README names works as written.

Commands are taken from the README's ``sh`` blocks and from inline code that starts like a command.
`make` lines must name a target the Makefile has (checked with ``make -n``, which runs nothing), and
the `flask` command a target wraps must exist (its ``--help`` runs); commands from the virtualenv run
with ``--help``. A bare ``flask …`` or ``python -m …`` fails: on a fresh machine it is not on the PATH.
Every ``holdout`` subcommand's ``--help`` works too, ``holdout offline --help`` included.
"""
from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
# Programs the README may name that Holdout does not provide (the reader installs them).
EXTERNAL = {"createdb", "apt-get"}
COMMAND_START = re.compile(r"^(?:[A-Z_]+=\S+ )*(?:make|\.venv/bin/\S+|python3?|flask|holdout|pip|createdb|apt-get) ")


def readme_commands(text: str) -> list[str]:
    commands = []
    for block in re.findall(r"```(?:sh|bash|shell|console)\n(.*?)```", text, re.S):
        for line in block.splitlines():
            line = re.sub(r"\s+#.*$", "", line).strip()
            if line and not line.startswith("#"):
                commands.append(line)
    prose = re.sub(r"```.*?```", "", text, flags=re.S)
    commands += [span for span in re.findall(r"`([^`\n]+)`", prose) if COMMAND_START.match(span)]
    return commands


def _words(command: str) -> list[str]:
    """The command's words, without leading VAR=value assignments."""
    words = shlex.split(command)
    while words and re.match(r"^[A-Z_]+=", words[0]):
        words.pop(0)
    return words


def _run(args: list[str], timeout: int = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "MAKEFLAGS": ""}
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def _help_of(words: list[str]) -> list[str]:
    """The command up to its first option or placeholder, with --help: `flask --app wsgi users create --help`."""
    out = []
    for i, word in enumerate(words):
        if word.startswith("-") and not (word == "--app" or (i > 0 and words[i - 1] == "-m")) and word != "-m":
            break
        if i > 0 and (word.isupper() or word in ("…", "...")):
            break
        out.append(word)
    return [*out, "--help"]


COMMANDS = readme_commands(README.read_text())


def test_the_readme_names_commands():
    # The extraction itself must find something, or every check below passes vacuously.
    assert "make run" in COMMANDS and "make admin NAME=ada" in COMMANDS and len(COMMANDS) >= 10


def _check_help(words: list[str], app, label: str) -> None:
    """`.venv/bin/flask --app wsgi …` runs in-process through the app's CLI (a subprocess per command
    would take seconds each; one real subprocess is checked below); other programs run as they are."""
    helped = _help_of(words)
    if helped[:3] == [".venv/bin/flask", "--app", "wsgi"]:
        result = app.test_cli_runner().invoke(args=helped[3:])
        assert result.exit_code == 0 and "Usage" in result.output, f"{label}: {result.output}"
        return
    ran = _run(helped)
    assert ran.returncode == 0 and "usage" in ran.stdout.lower(), f"{label}: {ran.stderr[-2000:]}"


@pytest.mark.parametrize("command", COMMANDS)
def test_each_readme_command_works_as_written(command, app):
    words = _words(command)
    program = words[0]
    if program in EXTERNAL:
        return
    if program.startswith("platform/"):
        # The deployment's own commands (platform/): they call the virtualenv's programs themselves.
        script = ROOT / program
        assert script.is_file() and os.access(script, os.X_OK), f"{command}: no such executable script"
        assert '.venv}/bin' in script.read_text() or ".venv/bin" in script.read_text(), command
        return
    assert program in ("make",) or program.startswith(".venv/bin/"), (
        f"{command!r} needs the virtualenv on a fresh machine: write it as a make target or .venv/bin/…")
    if program == "make":
        dry = _run(["make", "-n", *words[1:]])
        assert dry.returncode == 0, f"{command}: {dry.stderr}"
        last = dry.stdout.strip().splitlines()[-1] if dry.stdout.strip() else ""
        if last.startswith((".venv/bin/flask --app wsgi", ".venv/bin/python -m")):
            # The command the target wraps exists: its --help runs.
            _check_help(shlex.split(last), app, f"{command} -> {last}")
        return
    _check_help(words, app, command)


def test_the_virtualenvs_flask_runs_the_apps_commands():
    ran = _run([".venv/bin/flask", "--app", "wsgi", "users", "--help"])
    assert ran.returncode == 0 and "create" in ran.stdout and "set-role" in ran.stdout, ran.stderr[-2000:]


def test_a_bare_flask_command_would_be_refused(app):
    """The check above is not toothless: a README line without the virtualenv fails it, and so do an
    unknown make target and an unknown flask command."""
    assert "flask --app wsgi users list" in readme_commands("Run `flask --app wsgi users list`.")
    with pytest.raises(AssertionError, match="needs the virtualenv"):
        test_each_readme_command_works_as_written("flask --app wsgi users list", app)
    with pytest.raises(AssertionError):
        test_each_readme_command_works_as_written("make no-such-target", app)
    with pytest.raises(AssertionError):
        test_each_readme_command_works_as_written(".venv/bin/flask --app wsgi users no-such-command", app)


def _subcommands() -> list[list[str]]:
    import argparse

    from holdout_client.cli import parser

    found = []

    def walk(p: argparse.ArgumentParser, prefix: list[str]) -> None:
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    found.append([*prefix, name])
                    walk(child, [*prefix, name])

    walk(parser(), [])
    return found


@pytest.mark.parametrize("argv", _subcommands(), ids=lambda argv: " ".join(argv))
def test_every_holdout_subcommand_has_help(argv, capsys):
    from holdout_client.cli import main

    assert main([*argv, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage:"), out[:200]


def test_holdout_offline_help_is_the_scorers(capsys):
    from holdout_client.cli import main

    assert ["offline"] in _subcommands()
    assert main(["offline", "--help"]) == 0
    out = capsys.readouterr().out
    assert "score" in out and out.startswith("usage: holdout offline")  # named as the learner typed it
    assert main(["offline", "score", "--help"]) == 0
    out = capsys.readouterr().out
    assert "--solution" in out and out.startswith("usage: holdout offline score")
