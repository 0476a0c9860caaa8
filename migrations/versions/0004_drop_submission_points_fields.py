"""Drop ChallengeSubmission.participation_points_awarded and bonus_points_awarded.

Nothing wrote or read them after the first release: every point lives in the ledger
(``ledger_entries``), which is the truth. Downgrade brings the columns back at 0.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 01:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

COLUMNS = ('participation_points_awarded', 'bonus_points_awarded')


def upgrade():
    # SQLite copies the table (batch mode); PostgreSQL drops the columns in place.
    with op.batch_alter_table('challenge_submissions', schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.drop_column(name)


def downgrade():
    # Existing rows get 0, then the columns are as 0001 made them (NOT NULL, no default).
    with op.batch_alter_table('challenge_submissions', schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=False,
                                          server_default=sa.text('0')))
    with op.batch_alter_table('challenge_submissions', schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.alter_column(name, server_default=None)
