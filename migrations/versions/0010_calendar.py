"""Calendar feeds: weekly_challenges.schedule_sequence (the SEQUENCE of a challenge's events),
members following challenges ("Remind me"), and each member's private feed token.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('weekly_challenges', schema=None) as batch_op:
        batch_op.add_column(sa.Column('schedule_sequence', sa.Integer(), nullable=False,
                                      server_default='0'))

    op.create_table('challenge_follows',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['challenge_id'], ['weekly_challenges.id'], name=op.f('fk_challenge_follows_challenge_id_weekly_challenges'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_challenge_follows_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'challenge_id', name=op.f('pk_challenge_follows'))
    )
    with op.batch_alter_table('challenge_follows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_challenge_follows_challenge_id'), ['challenge_id'], unique=False)

    op.create_table('calendar_feeds',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_calendar_feeds_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_calendar_feeds')),
    sa.UniqueConstraint('token', name=op.f('uq_calendar_feeds_token'))
    )


def downgrade():
    op.drop_table('calendar_feeds')
    with op.batch_alter_table('challenge_follows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_challenge_follows_challenge_id'))
    op.drop_table('challenge_follows')
    with op.batch_alter_table('weekly_challenges', schema=None) as batch_op:
        batch_op.drop_column('schedule_sequence')
