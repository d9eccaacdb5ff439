"""`flask --app wsgi ...` commands: users, tokens, demo, competitions."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from competitions import accounts, bundles, catalog, housekeeping, tokens
from competitions.errors import DomainError
from competitions.models import Role, User

from . import clock
from .db import get_session
from .storage import get_storage

users_cli = AppGroup("users", help="Manage accounts.")
tokens_cli = AppGroup("tokens", help="Manage API tokens.")
demo_cli = AppGroup("demo", help="The demo competitions.")
competitions_cli = AppGroup("competitions", help="Import and export competition bundles.")
storage_cli = AppGroup("storage", help="Stored files: remove what nothing needs.")
files_cli = AppGroup("files", help="Competition data files.")


def init_app(app: Flask) -> None:
    for group in (users_cli, tokens_cli, demo_cli, competitions_cli, storage_cli, files_cli):
        app.cli.add_command(group)


def _fail(message: str) -> None:
    raise click.ClickException(message)


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(["admin", "organizer", "learner"]), default="learner", show_default=True)
@click.option("--email", default=None)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user(username: str, role: str, email: str | None, password_stdin: bool) -> None:
    """Create a user; the password is prompted for, never taken as an argument."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    session = get_session()
    try:
        user = accounts.create_user(session, username, password, role=role, email=email, now=clock.now())
        session.commit()
    except DomainError as exc:
        _fail(exc.message)
    click.echo(f"Created {user.role} {user.username}.")


@users_cli.command("set-role")
@click.argument("username")
@click.argument("role", type=click.Choice(["admin", "organizer", "learner"]))
def set_role(username: str, role: str) -> None:
    session = get_session()
    try:
        user = accounts.set_role(session, username, role)
        session.commit()
    except DomainError as exc:
        _fail(exc.message)
    click.echo(f"{user.username} is now {user.role}.")


@users_cli.command("reset-link")
@click.argument("username")
def reset_link(username: str) -> None:
    """Print a one-time password reset link for USERNAME, valid for 24 hours.

    Links point at HOLDOUT_BASE_URL when it is set, else at http://127.0.0.1:8000. Only the
    latest link for a user works; the user's sessions and API tokens are left alone.
    """
    from .auth import reset_link_url

    session = get_session()
    user = accounts.find_user(session, username)
    if user is None:
        _fail(f"No user named {username!r}.")
    row, token = accounts.create_reset_link(session, user, now=clock.now(), created_by=None)
    session.commit()
    click.echo(f"Password reset link for {user.username}, valid once until {row.expires_at:%Y-%m-%d %H:%M} UTC:")
    click.echo(reset_link_url(token))


@users_cli.command("list")
def list_users() -> None:
    for user in accounts.list_users(get_session()):
        click.echo(f"{user.username:<24} {user.role:<10} {user.created_at:%Y-%m-%d}")


@tokens_cli.command("create")
@click.argument("username")
@click.option("--label", default="cli")
def create_token(username: str, label: str) -> None:
    """Print a new API token, alone on the last line, so scripts can read it."""
    session = get_session()
    user = accounts.find_user(session, username)
    if user is None:
        _fail(f"No user named {username!r}.")
    _, plaintext = tokens.create_token(session, user, label, now=clock.now())
    session.commit()
    click.echo(f"Token for {user.username} (shown once; store it safely):")
    click.echo(plaintext)


@demo_cli.command("seed")
def seed_demo() -> None:
    """Create the demo competitions and accounts; safe to run again."""
    if current_app.config["HOLDOUT_ENV"] == "production":
        _fail("The demo has fixed accounts and is never seeded in production.")
    # Imported here: the demo trains scikit-learn models, which no other command needs.
    from . import demo

    report = demo.seed(get_session(), get_storage(), clock.now())
    if report.created:
        click.echo("Seeded demo competitions: " + ", ".join(report.created))
    else:
        click.echo("Demo competitions already present.")
    if report.credentials:
        _save_credentials(report.credentials)
    for line in _credentials_lines():
        click.echo(line)


def _credentials_path() -> Path:
    return Path(current_app.instance_path) / "demo-credentials.txt"


def _save_credentials(credentials: dict[str, str]) -> None:
    # Demo only: the passwords are kept in instance/ so `make run` can show them again.
    path = _credentials_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as out:
        for username, password in credentials.items():
            out.write(f"{username} {password}\n")
    path.chmod(0o600)


def _credentials_lines() -> list[str]:
    path = _credentials_path()
    if not path.exists():
        return []
    rows = [line.split(" ", 1) for line in path.read_text().splitlines() if " " in line]
    return ["Demo accounts (username / password):"] + [f"  {u:<12} {p}" for u, p in rows]


@competitions_cli.command("import")
@click.argument("path", type=click.Path(exists=True))
@click.option("--owner", default=None, help="Organizer who owns it (default: the first admin).")
def import_competition(path: str, owner: str | None) -> None:
    session = get_session()
    user = accounts.find_user(session, owner) if owner else _first_admin(session)
    if user is None:
        _fail("No owner: pass --owner USERNAME (an organizer or admin).")
    try:
        created = bundles.import_bundle(session, get_storage(), user, path, clock.now())
        session.commit()
    except DomainError as exc:
        session.rollback()
        _fail(exc.message)
    competition = created.competition
    click.echo(f"Imported {competition.slug}: {competition.title}")
    labels = (competition.metric_params or {}).get("labels")
    if created.labels_from and labels:
        click.echo(f"Labels taken from the {created.labels_from}: {', '.join(labels)}. If a label is missing "
                   "(one absent from the test rows), declare them with labels = [...] in competition.toml.")


@competitions_cli.command("export")
@click.argument("slug")
@click.argument("path", type=click.Path())
def export_competition(slug: str, path: str) -> None:
    session = get_session()
    try:
        competition = catalog.get_competition(session, slug)
        written = bundles.export_bundle(session, get_storage(), competition, path)
    except DomainError as exc:
        _fail(exc.message)
    click.echo(f"Exported {slug} to {written}")


@storage_cli.command("gc")
@click.option("--delete", is_flag=True, help="Remove the files (the default is a dry run that only lists them).")
def storage_gc(delete: bool) -> None:
    """List (or, with --delete, remove) interrupted uploads' temporary files, files no row needs
    (refused for quota, unconfirmed previews, deleted competitions) and invalid submissions'
    files past HOLDOUT_INVALID_RETENTION_DAYS. Files younger than a day are always kept."""
    _check_storage(get_storage())
    report = housekeeping.collect(get_session(), get_storage(), clock.now(),
                                  current_app.config["INVALID_RETENTION_DAYS"], delete=delete)
    for line in report.lines():
        click.echo(line)


@storage_cli.command("clean-temp")
@click.option("--older-than-minutes", type=click.IntRange(min=0), default=0, show_default=True)
def storage_clean_temp(older_than_minutes: int) -> None:
    """Remove interrupted uploads' temporary files; run at start-up, before any worker serves."""
    from datetime import timedelta

    storage = get_storage()
    _check_storage(storage)  # run at start-up: an unusable S3 bucket stops the start with one clear line
    removed = housekeeping.remove_temp_files(storage, timedelta(minutes=older_than_minutes))
    click.echo(f"Removed {len(removed)} interrupted upload(s): {sum(size for _, size in removed):,} bytes.")


@files_cli.command("previews")
def files_previews() -> None:
    """Compute the Data tab's previews of files stored before previews existed (migration 0010).
    Each file is looked at once; new files get theirs when they are stored."""
    from competitions import previews

    session = get_session()
    count = previews.fill_missing(session, get_storage())
    session.commit()
    click.echo(f"Looked at {count} file(s) without a preview.")


@storage_cli.command("check")
def storage_check() -> None:
    """Check that the configured storage (HOLDOUT_STORAGE_URL) can be used: for S3, that the bucket
    exists and the AWS_* credentials may use it. Exits non-zero, with the reason, when not."""
    storage = get_storage()
    _check_storage(storage)
    click.echo(f"Storage OK: {storage.describe()}")


def _check_storage(storage) -> None:
    from competitions.storage import StorageUnavailable

    try:
        storage.check()
    except StorageUnavailable as exc:
        _fail(str(exc))


def _first_admin(session):
    return session.scalar(select(User).where(User.role.in_([Role.ADMIN.value, Role.ORGANIZER.value]))
                          .order_by(User.role, User.id))
