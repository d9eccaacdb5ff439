"""results a study group can trust: named sample and test files, open data, derived lateness, audit log

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import competitions.models.base

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('competitions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sample_submission', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('test_file', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('data_open', sa.Boolean(), nullable=False, server_default=sa.false()))

    # Lateness is now derived from the submission's time and the current deadline.
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_column('is_late')

    op.create_table('audit_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('competition_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.String(length=1000), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('at', competitions.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_entries_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['competition_id'], ['competitions.id'], name=op.f('fk_audit_entries_competition_id_competitions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entries'))
    )
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entries_competition_at', ['competition_id', 'at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entries_competition_at')
    op.drop_table('audit_entries')

    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_late', sa.Boolean(), nullable=False, server_default=sa.false()))
    # Write back what the derived rule says, so the old code sees the same facts.
    op.execute("UPDATE submissions SET is_late = (created_at >= "
               "(SELECT deadline_at FROM competitions WHERE competitions.id = submissions.competition_id))")

    with op.batch_alter_table('competitions', schema=None) as batch_op:
        batch_op.drop_column('data_open')
        batch_op.drop_column('test_file')
        batch_op.drop_column('sample_submission')
