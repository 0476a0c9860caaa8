"""Discover (issue 13, fair exposure): impressions per entry, and the flushed batches that make
the Redis-to-SQL flush add each batch once.

Revision ID: 0017_discover
Revises: 0016_trust
"""

import sqlalchemy as sa
from alembic import op

revision = '0017_discover'
down_revision = '0016_trust'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN (no batch copy of the table on SQLite).
    op.add_column('challenge_submissions',
                  sa.Column('impressions', sa.Integer(), server_default='0', nullable=False))
    op.create_table('discover_flushes',
    sa.Column('batch_id', sa.String(length=36), nullable=False),
    sa.Column('flushed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('batch_id', name=op.f('pk_discover_flushes'))
    )
    op.create_index(op.f('ix_discover_flushes_flushed_at'), 'discover_flushes', ['flushed_at'],
                    unique=False)


def downgrade():
    op.drop_index(op.f('ix_discover_flushes_flushed_at'), table_name='discover_flushes')
    op.drop_table('discover_flushes')
    with op.batch_alter_table('challenge_submissions', schema=None) as batch_op:
        batch_op.drop_column('impressions')
