"""Uploaded entry images: challenge_submissions.image_upload (the content hash of the upload).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('challenge_submissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('image_upload', sa.String(length=64), nullable=False,
                                      server_default=''))


def downgrade():
    with op.batch_alter_table('challenge_submissions', schema=None) as batch_op:
        batch_op.drop_column('image_upload')
