"""teams: sizes, merger deadline, invitations

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import competitions.models.base

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('competition_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('inviter_id', sa.Integer(), nullable=True),
    sa.Column('invited_user_id', sa.Integer(), nullable=True),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('created_at', competitions.models.base.UTCDateTime(), nullable=False),
    sa.Column('expires_at', competitions.models.base.UTCDateTime(), nullable=False),
    sa.Column('accepted_at', competitions.models.base.UTCDateTime(), nullable=True),
    sa.Column('accepted_by_id', sa.Integer(), nullable=True),
    sa.Column('declined_at', competitions.models.base.UTCDateTime(), nullable=True),
    sa.Column('revoked_at', competitions.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['accepted_by_id'], ['users.id'], name=op.f('fk_invitations_accepted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['competition_id'], ['competitions.id'], name=op.f('fk_invitations_competition_id_competitions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invited_user_id'], ['users.id'], name=op.f('fk_invitations_invited_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['inviter_id'], ['users.id'], name=op.f('fk_invitations_inviter_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_invitations_team_id_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitations')),
    sa.UniqueConstraint('code', name=op.f('uq_invitations_code'))
    )
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitations_competition_id'), ['competition_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invitations_invited_user_id'), ['invited_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invitations_team_id'), ['team_id'], unique=False)

    with op.batch_alter_table('competitions', schema=None) as batch_op:
        # Existing competitions get Kaggle's usual limit, the same default as new ones.
        batch_op.add_column(sa.Column('max_team_size', sa.Integer(), nullable=False, server_default='5'))
        batch_op.add_column(sa.Column('team_merger_deadline', competitions.models.base.UTCDateTime(), nullable=True))

    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.add_column(sa.Column('merged_at', competitions.models.base.UTCDateTime(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.drop_column('merged_at')

    with op.batch_alter_table('competitions', schema=None) as batch_op:
        batch_op.drop_column('team_merger_deadline')
        batch_op.drop_column('max_team_size')

    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitations_team_id'))
        batch_op.drop_index(batch_op.f('ix_invitations_invited_user_id'))
        batch_op.drop_index(batch_op.f('ix_invitations_competition_id'))

    op.drop_table('invitations')
