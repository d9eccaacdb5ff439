"""leaderboard ties: each team's statistical tie with the team above, per board

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

_COLUMNS = (("public_tied_above", sa.Boolean()), ("public_tie_key", sa.String(120)),
            ("private_tied_above", sa.Boolean()), ("private_tie_key", sa.String(120)))


def upgrade() -> None:
    with op.batch_alter_table("teams") as batch:
        for name, kind in _COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("teams") as batch:
        for name, _ in reversed(_COLUMNS):
            batch.drop_column(name)
