"""standings version for cached boards, and an index for a team's own submissions

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('competitions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('standings_version', sa.BigInteger(), server_default='0', nullable=False))
    # A team's own queries name only the team (see the model): an index that starts with it.
    op.create_index('ix_submissions_team_status_created', 'submissions', ['team_id', 'status', 'created_at'])


def downgrade() -> None:
    op.drop_index('ix_submissions_team_status_created', table_name='submissions')
    with op.batch_alter_table('competitions', schema=None) as batch_op:
        batch_op.drop_column('standings_version')
