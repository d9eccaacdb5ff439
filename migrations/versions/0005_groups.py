"""study groups, seasons, medals and portfolios

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from competitions.models.base import UTCDateTime

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(64), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("description_md", sa.Text(), nullable=False),
        sa.Column("visibility", sa.String(16), nullable=False),
        sa.Column("invite_code", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_groups"),
        sa.UniqueConstraint("slug", name="uq_groups_slug"),
    )
    op.create_table(
        "group_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("joined_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["groups.id"], name="fk_group_members_group_id_groups",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_group_members_user_id_users", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_group_members"),
        sa.UniqueConstraint("group_id", "user_id", name="uq_group_members_group_id_user_id"),
    )
    op.create_index("ix_group_members_group_id", "group_members", ["group_id"])
    op.create_index("ix_group_members_user_id", "group_members", ["user_id"])
    op.create_table(
        "group_join_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["groups.id"], name="fk_group_join_requests_group_id_groups",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_group_join_requests_user_id_users",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_group_join_requests"),
        sa.UniqueConstraint("group_id", "user_id", name="uq_group_join_requests_group_id_user_id"),
    )
    op.create_index("ix_group_join_requests_group_id", "group_join_requests", ["group_id"])
    op.create_table(
        "seasons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("start_at", UTCDateTime(), nullable=False),
        sa.Column("end_at", UTCDateTime(), nullable=False),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["groups.id"], name="fk_seasons_group_id_groups", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_seasons"),
    )
    op.create_index("ix_seasons_group_id", "seasons", ["group_id"])
    op.create_table(
        "profiles",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("display_name", sa.String(80), nullable=False),
        sa.Column("bio", sa.String(500), nullable=False),
        sa.Column("links", sa.JSON(), nullable=False),
        sa.Column("visibility", sa.String(16), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_profiles_user_id_users", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", name="pk_profiles"),
    )
    with op.batch_alter_table("competitions") as batch:
        batch.add_column(sa.Column("group_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("practice", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.create_foreign_key("fk_competitions_group_id_groups", "groups", ["group_id"], ["id"],
                                 ondelete="SET NULL")
        batch.create_index("ix_competitions_group_id", ["group_id"])
    # The default only filled existing rows; the model sets the value from now on.
    with op.batch_alter_table("competitions") as batch:
        batch.alter_column("practice", server_default=None)
    op.create_table(
        "awards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("competition_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("season_id", sa.Integer(), nullable=True),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("teams", sa.Integer(), nullable=False),
        sa.Column("team_size", sa.Integer(), nullable=False),
        sa.Column("medal", sa.String(8), nullable=True),
        sa.Column("points", sa.Float(), nullable=False),
        sa.Column("awarded_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["competition_id"], ["competitions.id"], name="fk_awards_competition_id_competitions",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_awards_user_id_users", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name="fk_awards_team_id_teams", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["season_id"], ["seasons.id"], name="fk_awards_season_id_seasons",
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_awards"),
        sa.UniqueConstraint("competition_id", "user_id", name="uq_awards_competition_id_user_id"),
    )
    op.create_index("ix_awards_season_user", "awards", ["season_id", "user_id"])
    op.create_index("ix_awards_user_id", "awards", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_awards_user_id", table_name="awards")
    op.drop_index("ix_awards_season_user", table_name="awards")
    op.drop_table("awards")
    with op.batch_alter_table("competitions") as batch:
        batch.drop_index("ix_competitions_group_id")
        batch.drop_constraint("fk_competitions_group_id_groups", type_="foreignkey")
        batch.drop_column("practice")
        batch.drop_column("group_id")
    op.drop_table("profiles")
    op.drop_index("ix_seasons_group_id", table_name="seasons")
    op.drop_table("seasons")
    op.drop_index("ix_group_join_requests_group_id", table_name="group_join_requests")
    op.drop_table("group_join_requests")
    op.drop_index("ix_group_members_user_id", table_name="group_members")
    op.drop_index("ix_group_members_group_id", table_name="group_members")
    op.drop_table("group_members")
    op.drop_table("groups")
