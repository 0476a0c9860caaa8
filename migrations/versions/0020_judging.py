"""Judging (SPEC §4a): a challenge's judging mode, community share and rubric; the judges
editors assign (challenge_judges) and their scores (judge_scores).

The three columns are added with plain ALTER TABLE ... ADD COLUMN (no batch copy of
weekly_challenges: on SQLite a copy would drop the archive's search triggers, see 0015).

Revision ID: 0020_judges
Revises: 0018_freeze
"""

import sqlalchemy as sa
from alembic import op

revision = '0020_judges'
down_revision = '0018_freeze'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('weekly_challenges', sa.Column(
        'judging_mode', sa.String(length=20), server_default='community', nullable=False))
    op.add_column('weekly_challenges', sa.Column('community_share', sa.Float(), nullable=True))
    op.add_column('weekly_challenges', sa.Column('rubric', sa.JSON(), nullable=True))
    op.create_table(
        'challenge_judges',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('challenge_id', sa.Uuid(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['challenge_id'], ['weekly_challenges.id'],
                                name=op.f('fk_challenge_judges_challenge_id_weekly_challenges'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_challenge_judges_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_challenge_judges')),
        sa.UniqueConstraint('challenge_id', 'user_id', name='uq_challenge_judge'),
    )
    op.create_index(op.f('ix_challenge_judges_user_id'), 'challenge_judges', ['user_id'],
                    unique=False)
    op.create_table(
        'judge_scores',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('submission_id', sa.Uuid(), nullable=False),
        sa.Column('judge_id', sa.Integer(), nullable=False),
        sa.Column('challenge_id', sa.Uuid(), nullable=False),
        sa.Column('scores', sa.JSON(), nullable=False),
        sa.Column('weighted_score', sa.Float(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['challenge_id'], ['weekly_challenges.id'],
                                name=op.f('fk_judge_scores_challenge_id_weekly_challenges'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['judge_id'], ['users.id'],
                                name=op.f('fk_judge_scores_judge_id_users'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['submission_id'], ['challenge_submissions.id'],
                                name=op.f('fk_judge_scores_submission_id_challenge_submissions'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_judge_scores')),
        sa.UniqueConstraint('submission_id', 'judge_id', name='uq_judge_score'),
    )
    op.create_index(op.f('ix_judge_scores_challenge_id'), 'judge_scores', ['challenge_id'],
                    unique=False)


def downgrade():
    op.drop_index(op.f('ix_judge_scores_challenge_id'), table_name='judge_scores')
    op.drop_table('judge_scores')
    op.drop_index(op.f('ix_challenge_judges_user_id'), table_name='challenge_judges')
    op.drop_table('challenge_judges')
    # Plain DROP COLUMN (SQLite 3.35+), again without copying the table.
    for column in ('rubric', 'community_share', 'judging_mode'):
        op.drop_column('weekly_challenges', column)
