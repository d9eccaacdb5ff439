"""background jobs: submission states and job bookkeeping

The new states (queued, scoring) need no schema change: status is a string.
Rows get when a worker took them (the lease) and how many times one did.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import competitions.models.base

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scoring_started_at', competitions.models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_index('ix_submissions_status_started', ['status', 'scoring_started_at'], unique=False)


def downgrade() -> None:
    # Rows still waiting for a worker cannot be scored by the older code: mark them as failed
    # scoring (no quota) rather than leave states it does not know.
    op.execute("UPDATE submissions SET status = 'error' WHERE status IN ('queued', 'scoring')")
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_index('ix_submissions_status_started')
        batch_op.drop_column('attempts')
        batch_op.drop_column('scoring_started_at')
