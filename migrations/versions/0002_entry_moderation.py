"""Entry moderation after results: the audit table of disqualifications and reinstatements, and
payouts that a re-ranking can cancel (status "cancelled") or flag for an editor.

One payout per (challenge, place) becomes one *live* payout per (challenge, place, member): a
cancelled payout stays as history, and the old winner's paid payout (flagged) may sit beside the
new winner's.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 01:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

OLD_STATUSES = "status IN ('pending', 'approved', 'paid', 'failed')"
NEW_STATUSES = "status IN ('pending', 'approved', 'paid', 'failed', 'cancelled')"
LIVE = sa.text("status <> 'cancelled'")


def upgrade():
    op.create_table('entry_moderation_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('submission_id', sa.Uuid(), nullable=False),
    sa.Column('challenge_id', sa.Uuid(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('results_revision', sa.Integer(), nullable=True),
    sa.Column('effects', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("action IN ('disqualify', 'reinstate', 'amend_reason')", name=op.f('ck_entry_moderation_events_action_known')),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_entry_moderation_events_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['challenge_id'], ['weekly_challenges.id'], name=op.f('fk_entry_moderation_events_challenge_id_weekly_challenges'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submission_id'], ['challenge_submissions.id'], name=op.f('fk_entry_moderation_events_submission_id_challenge_submissions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_entry_moderation_events')),
    sa.UniqueConstraint('challenge_id', 'results_revision', name='uq_moderation_challenge_revision')
    )
    with op.batch_alter_table('entry_moderation_events', schema=None) as batch_op:
        batch_op.create_index('ix_moderation_submission_id', ['submission_id', 'id'], unique=False)

    with op.batch_alter_table('payouts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('needs_review', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('review_note', sa.Text(), nullable=False,
                                      server_default=''))
        batch_op.drop_constraint('uq_payout_challenge_place', type_='unique')
        batch_op.drop_constraint(op.f('ck_payouts_status_known'), type_='check')
        batch_op.create_check_constraint('status_known', NEW_STATUSES)
    with op.batch_alter_table('payouts', schema=None) as batch_op:
        # The defaults only filled the existing rows; the models always give both.
        batch_op.alter_column('needs_review', server_default=None)
        batch_op.alter_column('review_note', server_default=None)
        batch_op.create_index('uq_payout_live_place_user', ['challenge_id', 'place', 'user_id'],
                              unique=True, sqlite_where=LIVE, postgresql_where=LIVE)


def downgrade():
    # Cancelled payouts have no place in the old schema (one payout per place).
    op.execute("DELETE FROM payouts WHERE status = 'cancelled'")
    with op.batch_alter_table('payouts', schema=None) as batch_op:
        batch_op.drop_index('uq_payout_live_place_user', sqlite_where=LIVE, postgresql_where=LIVE)
        batch_op.drop_constraint(op.f('ck_payouts_status_known'), type_='check')
        batch_op.create_check_constraint('status_known', OLD_STATUSES)
        batch_op.create_unique_constraint('uq_payout_challenge_place', ['challenge_id', 'place'])
        batch_op.drop_column('review_note')
        batch_op.drop_column('needs_review')
        batch_op.drop_column('cancelled_at')

    with op.batch_alter_table('entry_moderation_events', schema=None) as batch_op:
        batch_op.drop_index('ix_moderation_submission_id')

    op.drop_table('entry_moderation_events')
