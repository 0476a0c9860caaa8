"""Board members (issue #14): one row per (challenge, author) holding that member's board
version, so votes for different members no longer queue behind the challenge's row lock.

Backfilled from the entries, each at its challenge's current ``board_version``: every Redis
value written so far carries a version at most that, so the first write after the upgrade
(``board_version + 1``) is newer than anything Redis holds.

Revision ID: 0021_members
Revises: 0020_judges
"""

import sqlalchemy as sa
from alembic import op

revision = '0021_members'
down_revision = '0020_judges'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'board_members',
        sa.Column('challenge_id', sa.Uuid(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False, server_default='0'),
        sa.ForeignKeyConstraint(['challenge_id'], ['weekly_challenges.id'],
                                name=op.f('fk_board_members_challenge_id_weekly_challenges'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_board_members_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('challenge_id', 'user_id', name=op.f('pk_board_members')),
    )
    op.create_index(op.f('ix_board_members_user_id'), 'board_members', ['user_id'])
    op.execute(
        "INSERT INTO board_members (challenge_id, user_id, version) "
        "SELECT DISTINCT s.challenge_id, s.user_id, c.board_version "
        "FROM challenge_submissions s JOIN weekly_challenges c ON c.id = s.challenge_id"
    )


def downgrade():
    op.drop_index(op.f('ix_board_members_user_id'), table_name='board_members')
    op.drop_table('board_members')
