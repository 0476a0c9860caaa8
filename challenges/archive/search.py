"""Full-text search over challenge titles and descriptions, on both databases.

PostgreSQL: a GIN index on the expression ``to_tsvector('simple', title || ' ' || description)``
(migration 0015), matched with ``plainto_tsquery``. SQLite: an FTS5 table ``challenge_search``
(challenge id, title, description) that triggers on ``weekly_challenges`` keep in step.

Both use no stemming and no stop words (the ``simple`` configuration; FTS5's ``unicode61``
tokenizer with ``remove_diacritics 0``): a search matches whole words, case-insensitively, and
an accent counts ("sueños" finds "sueños", not "suenos"), the same on both databases whatever
the language of the text. The user's text never reaches either query language as syntax: it
is cut into words here, and each word goes in quoted (FTS5) or through ``plainto_tsquery``,
which takes plain text, so quotes, ``*``, ``-``, ``NEAR`` or ``OR`` are only words or nothing.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, literal_column, select, text
from sqlalchemy.sql.elements import TextClause

from ..extensions import db
from ..models import WeeklyChallenge

SEARCH_MAX = 100  # characters of a search the form takes
MAX_TERMS = 8  # words of a search that count (more would only narrow it to nothing)

# The objects migration 0015 creates outside the models. Alembic's comparison of the models with
# the database (``flask db migrate`` and tests/test_migrations.py) must not offer to drop them:
# ``include_name`` below hides them, and FTS5's shadow tables (challenge_search_data, ...).
SEARCH_TABLE = "challenge_search"
SEARCH_INDEX = "ix_weekly_challenges_search"
SEARCH_TRIGGERS = ("challenge_search_insert", "challenge_search_update",
                   "challenge_search_delete")

# The PostgreSQL document of a challenge, spelled exactly as the index in migration 0015 is, so
# the planner can use that index (the configuration is a literal, never a bound parameter).
PG_DOCUMENT = ("to_tsvector('simple'::regconfig, "
               "(weekly_challenges.title || ' ' || weekly_challenges.description))")

# A word as both tokenizers see one: letters and digits (any script); anything else separates.
_WORD = re.compile(r"[^\W_]+")


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Alembic's ``include_name`` hook: leave the search objects out of schema comparisons
    (they are built by hand in migration 0015, not declared by a model)."""
    if name is None:
        return True
    if type_ == "table" and (name == SEARCH_TABLE or name.startswith(SEARCH_TABLE + "_")):
        return False
    return not (type_ == "index" and name == SEARCH_INDEX)


def search_terms(raw: str | None) -> list[str]:
    """The words of a search, lower-cased, without repeats, at most ``MAX_TERMS`` of them."""
    words: list[str] = []
    for word in _WORD.findall((raw or "")[:SEARCH_MAX].lower()):
        if word not in words:
            words.append(word)
    return words[:MAX_TERMS]


def matches(terms: list[str]) -> ColumnElement[bool]:
    """A WHERE clause on ``WeeklyChallenge``: its title or description holds every word of
    ``terms`` (non-empty; see ``search_terms``)."""
    if not terms:
        raise ValueError("no words to search for")
    if db.engine.dialect.name == "postgresql":
        query = " ".join(terms)
        return literal_column(PG_DOCUMENT).op("@@")(
            text("plainto_tsquery('simple'::regconfig, :archive_q)").bindparams(archive_q=query)
        )
    return WeeklyChallenge.id.in_(
        select(literal_column("challenge_id")).select_from(text(SEARCH_TABLE))
        .where(_fts5_match(terms))
    )


def _fts5_match(terms: list[str]) -> TextClause:
    # Each word becomes an FTS5 string ("word", inner quotes doubled), and strings side by side
    # mean AND: nothing the user typed is read as an operator.
    expression = " ".join('"' + term.replace('"', '""') + '"' for term in terms)
    return text(f"{SEARCH_TABLE} MATCH :archive_q").bindparams(archive_q=expression)
