"""Alembic migrations on the current test backend (SQLite or PostgreSQL).

Each test gets its own empty database (a fresh SQLite file or PostgreSQL
schema), never the shared one the rest of the suite uses.
"""
from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from competitions.db import make_engine
from competitions.models import Base


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return set(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def _current_revision(url: str) -> str | None:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def test_there_is_a_single_head(alembic_config):
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, f"migration history has branched: heads {heads}; add a merge revision"


def test_upgrade_head_on_an_empty_database(fresh_db_url, alembic_config):
    assert _tables(fresh_db_url) == set()
    cfg = alembic_config(fresh_db_url)
    command.upgrade(cfg, "head")
    assert _tables(fresh_db_url) == set(Base.metadata.tables) | {"alembic_version"}
    assert _current_revision(fresh_db_url) == ScriptDirectory.from_config(cfg).get_current_head()


def test_models_and_migrations_do_not_drift(fresh_db_url, alembic_config):
    command.upgrade(alembic_config(fresh_db_url), "head")
    engine = make_engine(fresh_db_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "render_as_batch": True, "target_metadata": Base.metadata})
            diff = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert diff == [], "models and migrations differ; write a migration (alembic revision --autogenerate)"


def test_downgrade_to_base_then_upgrade_again(fresh_db_url, alembic_config):
    cfg = alembic_config(fresh_db_url)
    command.upgrade(cfg, "head")
    command.downgrade(cfg, "base")
    assert _tables(fresh_db_url) <= {"alembic_version"}
    assert _current_revision(fresh_db_url) is None
    if fresh_db_url.startswith("postgresql"):
        engine = make_engine(fresh_db_url)
        try:
            with engine.connect() as conn:
                leftovers = conn.execute(text(
                    "SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
                    "WHERE n.nspname = current_schema() AND t.typtype = 'e'")).scalars().all()
        finally:
            engine.dispose()
        assert leftovers == [], f"downgrade left enum types behind: {leftovers}"
    command.upgrade(cfg, "head")
    assert _tables(fresh_db_url) == set(Base.metadata.tables) | {"alembic_version"}


def test_each_revision_downgrades_and_upgrades_one_step(fresh_db_url, alembic_config):
    cfg = alembic_config(fresh_db_url)
    revisions = list(reversed(list(ScriptDirectory.from_config(cfg).walk_revisions())))
    for revision in revisions:
        command.upgrade(cfg, revision.revision)
        command.downgrade(cfg, revision.down_revision or "base")
        command.upgrade(cfg, revision.revision)
    assert _tables(fresh_db_url) == set(Base.metadata.tables) | {"alembic_version"}
