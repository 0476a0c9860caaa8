"""The archive (issue 12): full-text search over challenge titles and descriptions, and an
index for paging completed challenges by voting deadline.

PostgreSQL: a GIN index on to_tsvector('simple', title || ' ' || description).
SQLite: an FTS5 table challenge_search (challenge_id, title, description) kept in step with
weekly_challenges by three triggers, filled here from the existing rows.
Neither is declared by a model; challenges/archive/search.py hides them from Alembic's
comparison. A later SQLite "batch" migration that copies weekly_challenges drops its
triggers with the old table: such a migration must create them again (see CREATE_TRIGGERS).

Revision ID: 0015
Revises: 0014
"""

from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

CREATE_TRIGGERS = (
    """CREATE TRIGGER challenge_search_insert AFTER INSERT ON weekly_challenges BEGIN
         INSERT INTO challenge_search (challenge_id, title, description)
         VALUES (new.id, new.title, new.description);
       END""",
    """CREATE TRIGGER challenge_search_update AFTER UPDATE OF title, description
       ON weekly_challenges BEGIN
         UPDATE challenge_search SET title = new.title, description = new.description
         WHERE challenge_id = old.id;
       END""",
    """CREATE TRIGGER challenge_search_delete AFTER DELETE ON weekly_challenges BEGIN
         DELETE FROM challenge_search WHERE challenge_id = old.id;
       END""",
)


def upgrade():
    with op.batch_alter_table('weekly_challenges', schema=None) as batch_op:
        batch_op.create_index('ix_weekly_challenges_voting_deadline_id',
                              ['voting_deadline', 'id'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            "CREATE INDEX ix_weekly_challenges_search ON weekly_challenges USING gin "
            "(to_tsvector('simple'::regconfig, (title || ' ' || description)))"
        )
        return
    # remove_diacritics 0: accents count, as with PostgreSQL's 'simple' configuration.
    op.execute(
        "CREATE VIRTUAL TABLE challenge_search USING fts5("
        "challenge_id UNINDEXED, title, description, "
        "tokenize = 'unicode61 remove_diacritics 0')"
    )
    op.execute("INSERT INTO challenge_search (challenge_id, title, description) "
               "SELECT id, title, description FROM weekly_challenges")
    for statement in CREATE_TRIGGERS:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP INDEX IF EXISTS ix_weekly_challenges_search")
    else:
        for name in ('challenge_search_insert', 'challenge_search_update',
                     'challenge_search_delete'):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS challenge_search")
    with op.batch_alter_table('weekly_challenges', schema=None) as batch_op:
        batch_op.drop_index('ix_weekly_challenges_voting_deadline_id')
