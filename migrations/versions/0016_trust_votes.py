"""Trust-weighted votes and vote-ring flags (issue 13).

users: is_flagged, flagged_reason, flagged_at, flagged_by_id (an editor's review flag).
challenge_votes: weight may be 0 (CHECK weight >= 0); cast_weight (what a restore puts back,
filled from weight), weight_reason, voided_at, network_hash (a keyed hash of the /24 or /48).
New tables vote_ring_flags and vote_ring_flag_votes (the detection job's findings).

Revision ID: 0016_trust
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = '0016_trust'
down_revision = '0015'
branch_labels = None
depends_on = None

BIGINT_PK = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_flagged', sa.Boolean(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('flagged_reason', sa.String(length=500), server_default='',
                                      nullable=False))
        batch_op.add_column(sa.Column('flagged_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('flagged_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_users_flagged_by_id_users'), 'users',
                                    ['flagged_by_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('challenge_votes', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_challenge_votes_weight_positive'), type_='check')
        batch_op.add_column(sa.Column('cast_weight', sa.Float(), server_default='1.0',
                                      nullable=False))
        batch_op.add_column(sa.Column('weight_reason', sa.String(length=16),
                                      server_default='full', nullable=False))
        batch_op.add_column(sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('network_hash', sa.String(length=64), nullable=True))
        batch_op.create_check_constraint(batch_op.f('ck_challenge_votes_weight_not_negative'),
                                         'weight >= 0')
        batch_op.create_check_constraint(
            batch_op.f('ck_challenge_votes_cast_weight_not_negative'), 'cast_weight >= 0')
        batch_op.create_index('ix_vote_network_created', ['network_hash', 'created_at'],
                              unique=False)
    # What was cast is what counts today; a half-weight vote was an unverified voter's.
    op.execute("UPDATE challenge_votes SET cast_weight = weight")
    op.execute("UPDATE challenge_votes SET weight_reason = 'unverified' WHERE weight < 1")

    op.create_table(
        'vote_ring_flags',
        sa.Column('id', BIGINT_PK, autoincrement=True, nullable=False),
        sa.Column('challenge_id', sa.Uuid(), nullable=False),
        sa.Column('target_user_id', sa.Integer(), nullable=False),
        sa.Column('network_hash', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('accounts', sa.Integer(), nullable=False),
        sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
        sa.Column('window_end', sa.DateTime(timezone=True), nullable=False),
        sa.Column('detected_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('note', sa.Text(), nullable=False),
        sa.CheckConstraint("status IN ('open', 'voided', 'restored')",
                           name=op.f('ck_vote_ring_flags_status_known')),
        sa.ForeignKeyConstraint(['challenge_id'], ['weekly_challenges.id'],
                                name=op.f('fk_vote_ring_flags_challenge_id_weekly_challenges'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['target_user_id'], ['users.id'],
                                name=op.f('fk_vote_ring_flags_target_user_id_users'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'],
                                name=op.f('fk_vote_ring_flags_decided_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_vote_ring_flags')),
        sa.UniqueConstraint('challenge_id', 'target_user_id', 'network_hash',
                            name='uq_vote_ring_flag_target_network'),
    )
    with op.batch_alter_table('vote_ring_flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vote_ring_flags_challenge_id'), ['challenge_id'],
                              unique=False)
        batch_op.create_index('ix_vote_ring_flags_status_detected', ['status', 'detected_at'],
                              unique=False)

    op.create_table(
        'vote_ring_flag_votes',
        sa.Column('flag_id', BIGINT_PK, nullable=False),
        sa.Column('vote_id', sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(['flag_id'], ['vote_ring_flags.id'],
                                name=op.f('fk_vote_ring_flag_votes_flag_id_vote_ring_flags'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['vote_id'], ['challenge_votes.id'],
                                name=op.f('fk_vote_ring_flag_votes_vote_id_challenge_votes'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('flag_id', 'vote_id', name=op.f('pk_vote_ring_flag_votes')),
    )
    with op.batch_alter_table('vote_ring_flag_votes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vote_ring_flag_votes_vote_id'), ['vote_id'],
                              unique=False)


def downgrade():
    op.drop_table('vote_ring_flag_votes')
    op.drop_table('vote_ring_flags')
    op.execute("UPDATE challenge_votes SET weight = cast_weight WHERE weight = 0")
    op.execute("DELETE FROM challenge_votes WHERE weight = 0")
    with op.batch_alter_table('challenge_votes', schema=None) as batch_op:
        batch_op.drop_index('ix_vote_network_created')
        batch_op.drop_constraint(batch_op.f('ck_challenge_votes_cast_weight_not_negative'),
                                 type_='check')
        batch_op.drop_constraint(batch_op.f('ck_challenge_votes_weight_not_negative'),
                                 type_='check')
        batch_op.drop_column('network_hash')
        batch_op.drop_column('voided_at')
        batch_op.drop_column('weight_reason')
        batch_op.drop_column('cast_weight')
        batch_op.create_check_constraint(batch_op.f('ck_challenge_votes_weight_positive'),
                                         'weight > 0')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_users_flagged_by_id_users'), type_='foreignkey')
        batch_op.drop_column('flagged_by_id')
        batch_op.drop_column('flagged_at')
        batch_op.drop_column('flagged_reason')
        batch_op.drop_column('is_flagged')
