"""draft competitions and pending host uploads

A competition is a draft until published (competitions.published_at); every
competition that existed before this revision was already visible from its
start, so it counts as published when it was created. kept_uploads holds the
files a host form received while another field had an error.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import competitions.models.base

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('competitions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published_at', competitions.models.base.UTCDateTime(), nullable=True))
    op.execute("UPDATE competitions SET published_at = created_at")

    op.create_table('kept_uploads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('created_at', competitions.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_kept_uploads_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kept_uploads'))
    )
    with op.batch_alter_table('kept_uploads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kept_uploads_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kept_uploads_created_at'), ['created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('kept_uploads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kept_uploads_created_at'))
        batch_op.drop_index(batch_op.f('ix_kept_uploads_owner_id'))
    op.drop_table('kept_uploads')
    # Drafts have no earlier form: a downgraded database shows them from their start, as before.
    with op.batch_alter_table('competitions', schema=None) as batch_op:
        batch_op.drop_column('published_at')
