"""data file previews, and each upload's feedback

Adds competition_files.preview (the Data tab's first rows, column names and types, computed
once when a file is stored) with preview_done, and submissions.feedback (the rank, comparison
with the team's best and paired bootstrap, computed once when a submission is scored).
Existing files get their previews from `flask --app wsgi files previews` (competitions/previews.py),
which looks only at files whose preview_done is false, so it runs once per file.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("competition_files") as batch:
        batch.add_column(sa.Column("preview", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("preview_done", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("feedback", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("feedback")
    with op.batch_alter_table("competition_files") as batch:
        batch.drop_column("preview_done")
        batch.drop_column("preview")
