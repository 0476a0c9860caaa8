"""In-app notifications (the bell, issue #9): one row per thing a member is told in the product,
unique by key (exactly-once), paged by (user_id, created_at, id).

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'in_app_notifications',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True,
                  nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('challenge_id', sa.Uuid(), nullable=True),
        sa.Column('text', sa.String(length=500), nullable=False),
        sa.Column('link', sa.String(length=500), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['challenge_id'], ['weekly_challenges.id'],
                                name=op.f('fk_in_app_notifications_challenge_id_weekly_challenges'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_in_app_notifications_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_in_app_notifications')),
        sa.UniqueConstraint('key', name=op.f('uq_in_app_notifications_key')),
    )
    with op.batch_alter_table('in_app_notifications', schema=None) as batch_op:
        batch_op.create_index('ix_in_app_notifications_challenge_id', ['challenge_id'],
                              unique=False)
        batch_op.create_index('ix_in_app_notifications_user_created',
                              ['user_id', 'created_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('in_app_notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_in_app_notifications_user_created')
        batch_op.drop_index('ix_in_app_notifications_challenge_id')
    op.drop_table('in_app_notifications')
