"""Freeze, then reveal (issue #13): weekly_challenges.freeze_hours.

A plain ADD COLUMN (nullable, no default): SQLite adds it in place, so the archive's FTS
triggers on weekly_challenges (0015) are not dropped by a table copy.

Revision ID: 0018_freeze
Revises: 0017_discover
"""

import sqlalchemy as sa
from alembic import op

revision = '0018_freeze'
down_revision = '0017_discover'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('weekly_challenges', sa.Column('freeze_hours', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('weekly_challenges', schema=None) as batch_op:
        batch_op.drop_column('freeze_hours')
