"""Recount weekly_challenges.total_votes: the vote rows on counting entries.

Data only. Before the one lock order (docs/decisions.md), a withdrawal racing votes or unvotes
left total_votes off by what it subtracted from a stale count, and disqualified entries' votes
were still in it; since then it means the votes on counting entries (neither withdrawn nor
disqualified), which the entries' own vote_count (always exact) gives.

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-26 01:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0004'
branch_labels = None
depends_on = None

challenges = sa.table("weekly_challenges", sa.column("id"), sa.column("total_votes"))
entries = sa.table(
    "challenge_submissions",
    sa.column("challenge_id"),
    sa.column("vote_count"),
    sa.column("is_withdrawn", sa.Boolean()),
    sa.column("is_disqualified", sa.Boolean()),
)


def upgrade():
    op.execute(
        challenges.update().values(
            total_votes=sa.select(sa.func.coalesce(sa.func.sum(entries.c.vote_count), 0))
            .where(
                entries.c.challenge_id == challenges.c.id,
                entries.c.is_withdrawn.is_(False),
                entries.c.is_disqualified.is_(False),
            )
            .scalar_subquery()
        )
    )


def downgrade():
    pass  # a recount only: the old code goes on from the exact values
