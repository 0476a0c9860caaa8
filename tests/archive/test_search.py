"""Archive search (issue #12): full-text over title and description, on SQLite (FTS5) and on
PostgreSQL (tsvector + GIN); whole words, any case, accents kept; user text is never syntax."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import text

from challenges.archive.search import search_terms
from challenges.archive.service import ArchiveFilters, archive_page
from challenges.clock import utcnow
from challenges.extensions import db
from challenges.transactions import commit_with_retry

CARD_TITLE = re.compile(r'<h3 class="card-title"><a href="/challenges/([a-z0-9-]+)/">')


def found(client, q: str) -> list[str]:
    """The slugs the archive page lists for the search ``q``."""
    response = client.get("/challenges/archive/", query_string={"q": q})
    assert response.status_code == 200, (q, response.status_code)
    return CARD_TITLE.findall(response.get_data(as_text=True))


@pytest.fixture
def archived(make_challenge):
    """Three completed challenges with distinct words, and one still open with the same words."""
    return {
        "dreams": make_challenge("completed", slug="dreams", title="Lucid Dreams",
                                 description="Paint the Sueños you remember at dawn."),
        "ocean": make_challenge("completed", slug="ocean", title="Deep Ocean",
                                description="Creatures of the abyss, glowing softly."),
        "tiny": make_challenge("completed", slug="tiny", title="Tiny Worlds",
                               description="Whole cities on a thimble; glowing windows."),
        "open": make_challenge("active", slug="still-open", title="Glowing Now",
                               description="Sueños glowing, but not over yet."),
    }


def test_search_finds_a_challenge_by_a_word_of_its_description(client, archived):
    """Issue #12 acceptance (both databases: ``make test`` runs this file on each)."""
    assert found(client, "abyss") == ["ocean"]
    assert found(client, "thimble") == ["tiny"]


def test_search_finds_nothing_for_a_word_that_is_absent(client, archived):
    assert found(client, "volcano") == []
    body = client.get("/challenges/archive/?q=volcano").get_data(as_text=True)
    assert "No past challenge matches these filters." in body


def test_search_matches_title_words_every_word_and_any_case(client, archived):
    assert found(client, "LUCID") == ["dreams"]
    assert sorted(found(client, "glowing")) == ["ocean", "tiny"]  # never the open challenge
    assert found(client, "glowing thimble") == ["tiny"]  # every word must be there
    assert found(client, "glowing volcano") == []


def test_search_matches_whole_words_with_their_accents(client, archived):
    assert found(client, "sueños") == ["dreams"]
    assert found(client, "SUEÑOS") == ["dreams"]
    assert found(client, "sueño") == []  # whole words, not prefixes
    assert found(client, "suenos") == []  # an accent counts, as on both databases
    assert found(client, "glow") == []


WEIRD = ['"', '""', "'", "*", "abyss*", "-abyss", "abyss -ocean", "NEAR(abyss ocean)", "abyss OR",
         "OR", "AND", "NOT", "(", ")", "^abyss", "title:abyss", "{title}: abyss", "a\\b", "%", "_",
         "\u00a0", "💥", "&", "|", "!", "abyss:*", "'; DROP TABLE weekly_challenges; --",
         "x" * 300, "ab" * 60 + " abyss", "   "]


@pytest.mark.parametrize("q", WEIRD)
def test_query_syntax_in_the_search_is_only_words_never_a_500(client, archived, q):
    response = client.get("/challenges/archive/", query_string={"q": q})
    assert response.status_code == 200, q


def test_operator_words_are_plain_words(client, archived):
    # FTS5 would read these as operators, tsquery as syntax: here they are words like any other.
    assert found(client, "abyss*") == ["ocean"]
    assert found(client, "-abyss") == ["ocean"]
    assert found(client, '"abyss"') == ["ocean"]
    assert found(client, "abyss OR thimble") == []  # "or" is a word no description holds


def test_a_search_of_no_words_lists_everything(client, archived):
    assert sorted(found(client, "*** --")) == ["dreams", "ocean", "tiny"]


def test_the_words_a_search_uses():
    assert search_terms("  Sueños, SUEÑOS & dreams*  ") == ["sueños", "dreams"]
    assert search_terms('NEAR("a" "b")') == ["near", "a", "b"]
    assert search_terms("") == []
    assert len(search_terms(" ".join(f"w{i}" for i in range(50)))) == 8


def test_an_edited_description_is_searched_at_once(archived):
    """The index follows edits (SQLite: the triggers; PostgreSQL: the expression index)."""
    ocean = archived["ocean"]

    def edit() -> None:
        ocean.description = "Lanterns under the ice."

    commit_with_retry(edit)
    words = ArchiveFilters(q="lanterns")
    assert [c.slug for c in archive_page(None, utcnow(), words, None).challenges] == ["ocean"]
    gone = ArchiveFilters(q="abyss")
    assert archive_page(None, utcnow(), gone, None).challenges == []


def test_a_deleted_challenge_leaves_the_search(archived):
    commit_with_retry(lambda: db.session.delete(archived["tiny"]))
    assert archive_page(None, utcnow(), ArchiveFilters(q="thimble"), None).challenges == []
    if db.engine.dialect.name == "sqlite":
        left = db.session.execute(text("SELECT count(*) FROM challenge_search")).scalar()
        assert left == 3  # the FTS rows follow the table
        db.session.rollback()


@pytest.mark.postgres_only
def test_postgres_search_can_use_the_gin_index(archived):
    """The query spells the indexed expression exactly, so the planner may use the index."""
    from challenges.archive.search import PG_DOCUMENT

    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(row[0] for row in db.session.execute(text(
        f"EXPLAIN SELECT id FROM weekly_challenges WHERE {PG_DOCUMENT} @@ "
        "plainto_tsquery('simple'::regconfig, 'abyss')")))
    db.session.rollback()
    assert "ix_weekly_challenges_search" in plan, plan


def test_markup_in_a_search_is_shown_inert(client, archived):
    body = client.get("/challenges/archive/", query_string={"q": "<script>x</script>"}).get_data(
        as_text=True)
    assert "<script>x</script>" not in body
    assert html.escape("<script>x</script>") in body or "&lt;script&gt;" in body
