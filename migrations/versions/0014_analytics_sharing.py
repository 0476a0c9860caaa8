"""Sharing, the archive's neighbours and analytics (issue 12): referrals on users, member
activity days, daily challenge counters, sponsor inquiries, the nightly rollups, and an index
for votes per hour.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('analytics_weekly_rollups',
    sa.Column('week_start', sa.Date(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('metrics', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('week_start', name=op.f('pk_analytics_weekly_rollups'))
    )
    op.create_table('sponsor_inquiries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company', sa.String(length=200), nullable=False),
    sa.Column('contact_name', sa.String(length=100), nullable=False),
    sa.Column('contact_email', sa.String(length=254), nullable=False),
    sa.Column('budget_range', sa.String(length=20), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("budget_range IN ('under_1k', '1k_5k', '5k_20k', 'over_20k')", name=op.f('ck_sponsor_inquiries_inquiry_budget_known')),
    sa.CheckConstraint("status IN ('new', 'contacted', 'won', 'declined')", name=op.f('ck_sponsor_inquiries_inquiry_status_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sponsor_inquiries'))
    )
    with op.batch_alter_table('sponsor_inquiries', schema=None) as batch_op:
        batch_op.create_index('ix_sponsor_inquiries_created_at', ['created_at'], unique=False)

    op.create_table('analytics_challenge_rollups',
    sa.Column('challenge_id', sa.Uuid(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('metrics', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['challenge_id'], ['weekly_challenges.id'], name=op.f('fk_analytics_challenge_rollups_challenge_id_weekly_challenges'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('challenge_id', name=op.f('pk_analytics_challenge_rollups'))
    )
    op.create_table('challenge_daily_counters',
    sa.Column('challenge_id', sa.Uuid(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('views', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('sponsor_clicks', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('share_visits', sa.BigInteger(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['challenge_id'], ['weekly_challenges.id'], name=op.f('fk_challenge_daily_counters_challenge_id_weekly_challenges'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('challenge_id', 'day', name=op.f('pk_challenge_daily_counters'))
    )
    with op.batch_alter_table('challenge_daily_counters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_challenge_daily_counters_day'), ['day'], unique=False)

    op.create_table('member_activity_days',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_member_activity_days_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'day', name=op.f('pk_member_activity_days'))
    )
    with op.batch_alter_table('member_activity_days', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_activity_days_day'), ['day'], unique=False)

    with op.batch_alter_table('challenge_votes', schema=None) as batch_op:
        batch_op.create_index('ix_vote_challenge_created', ['challenge_id', 'created_at'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('referred_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('referred_challenge_id', sa.Uuid(), nullable=True))
        batch_op.create_index('ix_users_created_at', ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_users_referred_by_id'), ['referred_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_users_referred_challenge_id'), ['referred_challenge_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_users_referred_challenge_id_weekly_challenges'), 'weekly_challenges', ['referred_challenge_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_users_referred_by_id_users'), 'users', ['referred_by_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_users_referred_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_users_referred_challenge_id_weekly_challenges'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_users_referred_challenge_id'))
        batch_op.drop_index(batch_op.f('ix_users_referred_by_id'))
        batch_op.drop_index('ix_users_created_at')
        batch_op.drop_column('referred_challenge_id')
        batch_op.drop_column('referred_by_id')

    with op.batch_alter_table('challenge_votes', schema=None) as batch_op:
        batch_op.drop_index('ix_vote_challenge_created')

    with op.batch_alter_table('member_activity_days', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_activity_days_day'))

    op.drop_table('member_activity_days')
    with op.batch_alter_table('challenge_daily_counters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_challenge_daily_counters_day'))

    op.drop_table('challenge_daily_counters')
    op.drop_table('analytics_challenge_rollups')
    with op.batch_alter_table('sponsor_inquiries', schema=None) as batch_op:
        batch_op.drop_index('ix_sponsor_inquiries_created_at')

    op.drop_table('sponsor_inquiries')
    op.drop_table('analytics_weekly_rollups')
