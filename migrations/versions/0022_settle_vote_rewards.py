"""A vote's rewards after the vote (issue 14): challenge_votes.rewarded_at, when the vote's ledger
rows were granted in their own short transaction after the vote committed (None: not yet; the
sweep job repairs a crash in between), and a partial index of the votes still waiting.

Existing votes were rewarded inside their own transaction: rewarded_at = created_at. A plain
ALTER TABLE ... ADD COLUMN (no batch copy of the table).

Revision ID: 0022_settle
Revises: 0021_members
"""

import sqlalchemy as sa
from alembic import op

revision = '0022_settle'
down_revision = '0021_members'
branch_labels = None
depends_on = None

WAITING = sa.text('rewarded_at IS NULL')


def upgrade():
    op.add_column('challenge_votes', sa.Column('rewarded_at', sa.DateTime(timezone=True),
                                               nullable=True))
    op.execute("UPDATE challenge_votes SET rewarded_at = created_at")
    op.create_index('ix_vote_unrewarded', 'challenge_votes', ['created_at'], unique=False,
                    sqlite_where=WAITING, postgresql_where=WAITING)


def downgrade():
    op.drop_index('ix_vote_unrewarded', table_name='challenge_votes',
                  sqlite_where=WAITING, postgresql_where=WAITING)
    op.drop_column('challenge_votes', 'rewarded_at')
