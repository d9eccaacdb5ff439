"""`flask --app wsgi backup PATH` and `flask --app wsgi restore PATH`: one .tar.gz per backup.

The archive holds, in this order:

- ``manifest.json``: what the backup holds (database kind, Alembic revision, storage, counts);
- ``database.sqlite``: a SQLite database, copied with SQLite's online backup API, so it is
  consistent even while the server writes (PostgreSQL is pg_dump's job: the command is printed);
- ``data/...``: the local data folder (HOLDOUT_STORAGE_URL, by default HOLDOUT_DATA_DIR), taken
  after the database, so every file a backed-up row names is there; files on S3 are not copied
  (bucket versioning or ``aws s3 sync`` keeps them, docs/deploy.md).

Restore refuses to replace a database that has rows unless --force, and puts files back
through the configured storage, so a local backup can be restored onto S3.
"""
from __future__ import annotations

import io
import json
import os
import shlex
import sqlite3
import tarfile
import tempfile
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import make_url

from competitions.models import Base
from competitions.storage import HEX, LocalStorage, StorageUnavailable

from . import clock
from .storage import get_storage

FORMAT = "holdout-backup"
VERSION = 1
MANIFEST, DATABASE, DATA = "manifest.json", "database.sqlite", "data/"


def init_app(app: Flask) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)


# -- backup ---------------------------------------------------------------------------------


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path: Path) -> None:
    """Write a backup to PATH (a new .tar.gz): a SQLite database (safe while the server runs)
    and the local data folder. On PostgreSQL, prints the pg_dump command for the database."""
    if not path.name.endswith((".tar.gz", ".tgz")):
        raise click.ClickException(f"{path} must end in .tar.gz: a backup is one gzipped tar file.")
    if path.exists():
        raise click.ClickException(f"{path} already exists; a backup never overwrites one.")
    url = make_url(current_app.config["DATABASE_URL"])
    storage = get_storage()
    local = storage.root if isinstance(storage, LocalStorage) else None
    files = sorted(_data_files(local)) if local else []
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="holdout-backup-") as work:
        snapshot = None
        if url.drivername.startswith("sqlite"):
            snapshot = Path(work) / DATABASE
            _sqlite_snapshot(_sqlite_path(url), snapshot)
        manifest = {
            "format": FORMAT, "version": VERSION, "created_at": clock.now().isoformat(),
            "database": "sqlite" if snapshot else url.get_backend_name(),
            "alembic_revision": _revision(snapshot) if snapshot else _live_revision(),
            "storage": "local" if local else storage.describe(),
            "files": len(files), "bytes": sum(size for _, _, size in files),
        }
        try:
            with tarfile.open(partial, "w:gz") as tar:
                _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=2).encode())
                if snapshot:
                    tar.add(snapshot, arcname=DATABASE, recursive=False)
                for source, name, _ in files:
                    try:
                        tar.add(source, arcname=DATA + name, recursive=False)
                    except FileNotFoundError:  # removed since listed (gc): nothing names it any more
                        click.echo(f"  skipped {name}: removed during the backup")
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
    click.echo(f"Backup written to {path}: {path.stat().st_size:,} bytes.")
    if snapshot:
        click.echo(f"  database: SQLite, revision {manifest['alembic_revision']}")
    else:
        _print_pg_instructions(url, path)
    if local:
        click.echo(f"  files: {manifest['files']} from {local} ({manifest['bytes']:,} bytes)")
    else:
        click.echo(f"  files: not copied, they are in {storage.describe()}: keep that bucket versioned, "
                   "or copy it with `aws s3 sync` (docs/deploy.md, \"Backups and restore\").")


def _data_files(root: Path):
    """(path, name inside data/, size) of every regular file in the data folder, but interrupted
    uploads' temporary files (``.upload-*``)."""
    if not root.is_dir():
        return
    for source in root.rglob("*"):
        if source.is_symlink() or not source.is_file() or source.name.startswith(".upload-"):
            continue
        yield source, source.relative_to(root).as_posix(), source.stat().st_size


def _sqlite_path(url) -> Path:
    if url.database in (None, "", ":memory:"):
        raise click.ClickException("The database is an in-memory SQLite database: there is nothing to back up.")
    return Path(url.database)


def _sqlite_snapshot(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database: the online backup API copies it in one step
    under a read transaction, which in WAL mode blocks no writer."""
    if not source.exists():
        raise click.ClickException(f"The SQLite database {source} does not exist.")
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        dst.close()
        src.close()


def _revision(sqlite_file: Path) -> str | None:
    con = sqlite3.connect(sqlite_file)
    try:
        row = con.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error:
        return None
    finally:
        con.close()
    return row[0] if row else None


def _live_revision() -> str | None:
    engine = current_app.extensions["holdout.engine"]
    if not inspect(engine).has_table("alembic_version"):
        return None
    with engine.connect() as conn:
        return conn.scalar(text("SELECT version_num FROM alembic_version"))


def pg_commands(url, dump: Path) -> tuple[str, str]:
    """The pg_dump and pg_restore commands for this database (no password: PGPASSWORD or ~/.pgpass)."""
    libpq = url._replace(drivername="postgresql", password=None)  # set(password=None) would keep it
    target = shlex.quote(libpq.render_as_string(hide_password=False))
    schema = _search_path_schema(url)
    only = f" --schema={shlex.quote(schema)}" if schema else ""
    dump_cmd = f"pg_dump --format=custom --no-owner{only} --file={shlex.quote(str(dump))} --dbname={target}"
    restore_cmd = f"pg_restore --clean --if-exists --no-owner --dbname={target} {shlex.quote(str(dump))}"
    return dump_cmd, restore_cmd


def _search_path_schema(url) -> str | None:
    options = url.query.get("options", "")
    options = options if isinstance(options, str) else " ".join(options)
    for part in options.split():
        if part.startswith("-csearch_path="):
            return part.split("=", 1)[1].split(",")[0]
    return None


def _dump_path(path: Path) -> Path:
    name = path.name.removesuffix(".tar.gz").removesuffix(".tgz")
    return path.with_name(name + ".pgdump")


def _print_pg_instructions(url, path: Path) -> None:
    dump_cmd, _ = pg_commands(url, _dump_path(path))
    click.echo(f"  database: {url.get_backend_name()}, NOT in this archive. Dump it with pg_dump (consistent "
               "while the server runs), before each `flask backup`, so the archive holds every file the "
               f"dump names:\n    {dump_cmd}")
    if url.password:
        click.echo("    (give the password with PGPASSWORD or ~/.pgpass: it is not printed here)")


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), 0o644
    tar.addfile(info, io.BytesIO(data))


# -- restore --------------------------------------------------------------------------------


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already has rows.")
@with_appcontext
def restore_command(path: Path, force: bool) -> None:
    """Restore a backup made by `flask backup` into the configured database and storage. Stop the
    server first. The database must be empty (say, just migrated) unless --force."""
    url = make_url(current_app.config["DATABASE_URL"])
    storage = get_storage()
    try:
        tar = tarfile.open(path, "r:gz")
    except (tarfile.TarError, OSError) as exc:
        raise click.ClickException(f"{path} is not a Holdout backup (.tar.gz): {exc}") from None
    with tar:
        first = tar.next()
        if first is None or first.name != MANIFEST:
            raise click.ClickException(f"{path} is not a Holdout backup: it does not start with {MANIFEST}.")
        manifest = json.loads(tar.extractfile(first).read())
        if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
            raise click.ClickException(f"{path} is not a Holdout backup of version {VERSION}.")
        has_database = manifest["database"] == "sqlite"
        if has_database:
            if not url.drivername.startswith("sqlite"):
                raise click.ClickException(
                    f"This backup holds a SQLite database, but the configured database is "
                    f"{url.get_backend_name()}: restore it into a SQLite HOLDOUT_DATABASE_URL.")
            _refuse_non_empty(force)
        restored = skipped = 0
        for member in tar:
            if member.name == DATABASE and has_database:
                _restore_sqlite(tar.extractfile(member), _sqlite_path(url))
                click.echo(f"Database restored into {url.database} (revision {manifest['alembic_revision']}).")
            elif member.name.startswith(DATA) and member.isfile():
                if _restore_file(storage, member.name[len(DATA):], tar.extractfile(member)):
                    restored += 1
                else:
                    skipped += 1
    click.echo(f"Files: {restored} restored, {skipped} already there or skipped, into {storage.describe()}.")
    if manifest["storage"] != "local":
        click.echo(f"The files were not in this backup: they were in {manifest['storage']}. Point "
                   "HOLDOUT_STORAGE_URL there, or copy them back (docs/deploy.md, \"Files on S3\").")
    if not has_database:
        _, restore_cmd = pg_commands(url, _dump_path(path)) if url.get_backend_name() == "postgresql" else ("", "")
        click.echo("The database is not in this archive (it was PostgreSQL): restore it with pg_restore"
                   + (f":\n    {restore_cmd}" if restore_cmd else "."))
    click.echo("Then run `alembic upgrade head` if this code is newer than the backup.")


def _refuse_non_empty(force: bool) -> None:
    engine = current_app.extensions["holdout.engine"]
    existing = set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        filled = [table.name for table in Base.metadata.sorted_tables
                  if table.name in existing and conn.scalar(select(1).select_from(table).limit(1)) is not None]
    if filled and not force:
        raise click.ClickException(f"The database already has data (in {', '.join(filled[:3])}...): restoring "
                                   "would replace it. Run again with --force to replace it.")
    engine.dispose()  # no pooled connection may outlive the file's replacement


def _restore_sqlite(stream, target: Path) -> None:
    """Copy the backed-up database over the target with the backup API (which, unlike copying the
    file, is right whatever WAL file the target has)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, prefix=".restore-", suffix=".sqlite") as tmp:
        while chunk := stream.read(1 << 20):
            tmp.write(chunk)
        tmp.flush()
        src = sqlite3.connect(tmp.name)
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()


def _restore_file(storage, name: str, stream) -> bool:
    """Put one backed-up file back; False when it was there already or cannot be restored here."""
    folder, _, sha = name.partition("/")
    if len(sha) == 64 and set(sha) <= HEX and folder == sha[:2]:
        try:
            if storage.exists(sha):
                return False
            stored = storage.put(stream)
        except StorageUnavailable as exc:
            raise click.ClickException(str(exc)) from None
        if stored.sha256 != sha:
            click.echo(f"  {name}: its content does not match its name (damaged backup): not restored")
            return False
        return True
    if not isinstance(storage, LocalStorage):
        click.echo(f"  {name}: not a stored file, so not copied to {storage.describe()}")
        return False
    # Anything else in the data folder goes back where it was, never outside it.
    target = (storage.root / name).resolve()
    if storage.root.resolve() not in target.parents or target.exists():
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as out:
        while chunk := stream.read(1 << 20):
            out.write(chunk)
    return True
