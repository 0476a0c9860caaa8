"""API tokens expire: api_tokens.expires_at, chosen at creation (default 90 days).

Tokens issued before this revision never expired. They get the default lifetime counted from
the upgrade, not from their creation: a script using an old token keeps working for 90 days
instead of stopping the moment the release goes out, and its owner sees the date on the
tokens page.

Revision ID: 0012
Revises: 0011
"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

DEFAULT_LIFETIME = timedelta(days=90)


def upgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
    expires_at = datetime.now(UTC) + DEFAULT_LIFETIME
    if op.get_bind().dialect.name == 'sqlite':  # stored naive, in UTC (models.types.UTCDateTime)
        expires_at = expires_at.replace(tzinfo=None)
    tokens = sa.table('api_tokens', sa.column('expires_at', sa.DateTime(timezone=True)))
    op.execute(tokens.update().where(tokens.c.expires_at.is_(None)).values(expires_at=expires_at))
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.alter_column('expires_at', existing_type=sa.DateTime(timezone=True),
                              nullable=False)


def downgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
