"""Discover (issue 13, SPEC §12 "fair exposure"): one order per viewer and challenge, stable
across pages and reloads, never repeating or skipping an entry; the default while votes are
open; impressions counted on gallery pages and flushed to SQL exactly once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from challenges.discover import keys
from challenges.discover.impressions import flush_impressions, record_impressions
from challenges.extensions import db, init_redis
from challenges.models import ChallengeSubmission, DiscoverFlush, Role
from challenges.services.entries import disqualify_entry, withdraw_entry
from challenges.services.gallery import Sort, default_sort, gallery_page, sort_labels
from challenges.transactions import commit_with_retry
from jobs.stats import flush_sponsor_counters
from tests.bench.discover import add_entries
from tests.core.helpers import submit
from tests.support.ports import free_port

CARD = re.compile(r'<li class="entry-card" id="entry-([0-9a-f-]{36})">')
LOAD_MORE = re.compile(r'<li class="load-more" id="load-more">\s*<a [^>]*href="[^"]*after=([^"&]+)')


def numbers(page) -> list[int]:
    return [entry.entry_number for entry in page.entries]


def read_all(challenge, viewer: str, limit: int = 5, between=None) -> list[int]:
    """Every page of one viewer's Discover order; ``between(i)`` runs after page i."""
    seen: list[int] = []
    cursor = None
    for index in range(100):
        page = gallery_page(challenge, Sort.DISCOVER, cursor, None, limit=limit,
                            viewer_key=viewer)
        seen.extend(numbers(page))
        if between:
            between(index)
        cursor = page.next_cursor
        if cursor is None:
            return seen
    raise AssertionError("paging did not end")


def counting_numbers(challenge) -> set[int]:
    db.session.expire_all()
    return set(db.session.scalars(select(ChallengeSubmission.entry_number).where(
        ChallengeSubmission.challenge_id == challenge.id, ChallengeSubmission.counts)))


@contextmanager
def redis_down(app) -> Iterator[None]:
    """Point the app at a port where nothing listens, as if Redis had gone away."""
    saved = app.extensions["wc_redis"]
    app.extensions["wc_redis"] = init_redis({"REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"})
    try:
        yield
    finally:
        app.extensions["wc_redis"] = saved


@pytest.fixture
def challenge(make_challenge, frozen_clock):
    challenge = make_challenge("voting")
    add_entries(challenge, 23, frozen_clock())
    return challenge


# --- The order ---------------------------------------------------------------------------

def test_two_reloads_of_one_viewer_give_the_same_order(challenge):
    first = read_all(challenge, "u1")
    again = read_all(challenge, "u1")
    assert first == again


def test_two_viewers_get_different_orders(challenge):
    assert read_all(challenge, "u1") != read_all(challenge, "u2")


def test_paging_through_all_entries_never_repeats_or_skips_one(challenge):
    shown = read_all(challenge, "u1", limit=5)
    assert len(shown) == len(set(shown)) == 23
    assert set(shown) == counting_numbers(challenge)


def test_entries_arriving_between_pages_join_at_the_end_without_repeats(challenge,
                                                                        frozen_clock):
    def more_entries(index):
        if index in (0, 2):
            add_entries(challenge, 4, frozen_clock())

    shown = read_all(challenge, "u1", limit=5, between=more_entries)
    assert len(shown) == len(set(shown)) == 31
    assert set(shown) == counting_numbers(challenge)
    assert set(shown[-8:]) == set(range(24, 32))  # the newcomers came after the first 23


def test_withdrawn_and_disqualified_entries_are_skipped(make_challenge, make_user, app,
                                                        frozen_clock):
    challenge = make_challenge("active")
    authors = [make_user() for _ in range(9)]
    entries = [submit(challenge, author, title=f"E{i}") for i, author in enumerate(authors)]
    first = gallery_page(challenge, Sort.DISCOVER, None, None, limit=4, viewer_key="u1")
    later = [e for e in entries if e.entry_number not in numbers(first)]
    commit_with_retry(lambda: withdraw_entry(later[0].id, authors[entries.index(later[0])],
                                             frozen_clock()))
    editor = make_user(role=Role.EDITOR)
    commit_with_retry(lambda: disqualify_entry(later[1].id, editor, "Off topic",
                                               frozen_clock()))
    rest = []
    cursor = first.next_cursor
    while cursor:
        page = gallery_page(challenge, Sort.DISCOVER, cursor, None, limit=4, viewer_key="u1")
        rest.extend(numbers(page))
        cursor = page.next_cursor
    shown = numbers(first) + rest
    assert len(shown) == len(set(shown)) == 7
    assert set(shown) == counting_numbers(challenge)


def test_entries_shown_least_come_first(challenge):
    # Every entry but the last three has been shown a hundred times.
    record_impressions(challenge.id, [n for n in range(1, 21) for _ in range(100)])
    page = gallery_page(challenge, Sort.DISCOVER, None, None, limit=12, viewer_key="new")
    assert {21, 22, 23} <= set(numbers(page)[:5])


def test_with_redis_down_the_order_comes_from_sql_and_stays_stable(challenge, app):
    with redis_down(app):
        first = read_all(challenge, "u1", limit=5)
        again = read_all(challenge, "u1", limit=5)
    assert first == again
    assert len(first) == len(set(first)) == 23


def test_with_redis_down_new_entries_between_pages_neither_repeat_nor_go_missing(
        challenge, app, frozen_clock):
    def more_entries(index):
        if index == 1:
            add_entries(challenge, 3, frozen_clock())

    with redis_down(app):
        shown = read_all(challenge, "u1", limit=5, between=more_entries)
    assert len(shown) == len(set(shown)) == 26


# --- The gallery page ----------------------------------------------------------------------

def test_discover_is_the_default_while_votes_are_open(make_challenge, frozen_clock):
    for phase in ("active", "voting"):
        challenge = make_challenge(phase)
        assert default_sort(challenge) == Sort.DISCOVER
        assert next(iter(sort_labels(challenge))) == Sort.DISCOVER
    assert default_sort(make_challenge("upcoming")) == Sort.MOST_VOTED
    assert default_sort(make_challenge("completed")) == Sort.MOST_VOTED


def test_the_gallery_shows_discover_with_its_explanation(client, challenge):
    body = client.get(f"/challenges/{challenge.slug}/submissions/").get_data(as_text=True)
    current = re.search(r'<a href="([^"]+)"\s+aria-current="true"', body)
    assert current and current.group(1).endswith("?sort=discover")
    assert "A fair mix: entries seen least come first." in body
    other = client.get(f"/challenges/{challenge.slug}/submissions/?sort=votes")
    assert "A fair mix" not in other.get_data(as_text=True)


def test_a_visitor_keeps_their_order_across_reloads_and_pages(client, challenge):
    url = f"/challenges/{challenge.slug}/submissions/"
    first = client.get(url).get_data(as_text=True)
    assert CARD.findall(first) == CARD.findall(client.get(url).get_data(as_text=True))
    cursor = LOAD_MORE.search(first).group(1)
    second = client.get(url, query_string={"sort": "discover", "after": cursor},
                        headers={"HX-Request": "true"}).get_data(as_text=True)
    assert not set(CARD.findall(first)) & set(CARD.findall(second))
    assert len(CARD.findall(second)) == 11  # 23 entries: 12, then 11


def test_a_bad_discover_cursor_is_404(client, challenge):
    for cursor in ("x", "-1", "s1", "s1.x", "0", "99999999999999"):
        response = client.get(f"/challenges/{challenge.slug}/submissions/",
                              query_string={"sort": "discover", "after": cursor})
        assert response.status_code == 404, cursor


@contextmanager
def captured_sql() -> Iterator[list[str]]:
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def test_a_discover_page_does_the_same_queries_for_3_or_12_cards(client, login, make_challenge,
                                                                 make_user, frozen_clock):
    small, large = make_challenge("voting"), make_challenge("voting")
    add_entries(small, 3, frozen_clock())
    add_entries(large, 30, frozen_clock())
    login(client, make_user())
    counts = []
    for challenge in (small, large):
        url = f"/challenges/{challenge.slug}/submissions/"
        client.get(url)  # the order is drawn on the first visit
        with captured_sql() as statements:
            body = client.get(url).get_data(as_text=True)
        counts.append((len(statements), len(CARD.findall(body))))
    assert [cards for _n, cards in counts] == [3, 12]
    assert counts[0][0] == counts[1][0]
    assert not any("OFFSET" in s.upper() for s in statements)


# --- Impressions ---------------------------------------------------------------------------

def impressions(challenge) -> dict[int, int]:
    db.session.expire_all()
    return dict(db.session.execute(select(ChallengeSubmission.entry_number,
                                          ChallengeSubmission.impressions).where(
        ChallengeSubmission.challenge_id == challenge.id)).all())


def test_a_gallery_page_counts_one_impression_per_card_and_the_job_flushes_them(client,
                                                                                 challenge):
    url = f"/challenges/{challenge.slug}/submissions/?sort=newest"
    client.get(url)
    client.get(url)
    flush_sponsor_counters()
    shown = impressions(challenge)
    assert sorted(n for n, count in shown.items() if count == 2) == list(range(12, 24))
    assert sum(shown.values()) == 24


def test_the_landing_page_preview_counts_no_impressions(client, challenge):
    client.get(f"/challenges/{challenge.slug}/")
    flush_sponsor_counters()
    assert sum(impressions(challenge).values()) == 0


def test_flushing_twice_adds_each_impression_once(challenge, redis_client):
    record_impressions(challenge.id, [1, 1, 2])
    commit_with_retry(flush_impressions)
    commit_with_retry(flush_impressions)
    assert impressions(challenge)[1] == 2 and impressions(challenge)[2] == 1
    assert not redis_client.exists(keys.seen(challenge.id), keys.flushing(challenge.id))
    assert not redis_client.sismember(keys.DIRTY, str(challenge.id))


def test_a_flush_that_dies_after_its_commit_is_not_added_again(challenge, redis_client):
    record_impressions(challenge.id, [3, 3, 3])
    flush_impressions()
    db.session.info.pop("wc_after_commit")  # the worker dies right after its commit:
    db.session.commit()  # committed, but the cleanup in Redis never runs
    assert redis_client.exists(keys.flushing(challenge.id))
    record_impressions(challenge.id, [3])  # a card shown meanwhile
    commit_with_retry(flush_impressions)  # the job again: the old batch is known
    commit_with_retry(flush_impressions)  # and the new count follows
    assert impressions(challenge)[3] == 4


def test_a_flush_that_fails_before_its_commit_is_added_by_the_next(challenge, redis_client):
    record_impressions(challenge.id, [5, 6])
    flush_impressions()
    db.session.rollback()  # the transaction failed: nothing was added
    assert impressions(challenge)[5] == 0
    commit_with_retry(flush_impressions)
    assert impressions(challenge)[5] == impressions(challenge)[6] == 1


def test_old_batch_ids_are_pruned(challenge, frozen_clock):
    record_impressions(challenge.id, [1])
    commit_with_retry(flush_impressions)
    assert db.session.scalar(select(db.func.count()).select_from(DiscoverFlush)) == 1
    frozen_clock.advance(days=8)
    commit_with_retry(flush_impressions)
    assert db.session.scalar(select(db.func.count()).select_from(DiscoverFlush)) == 0
