"""Issue #8 §6: the leaderboard page lists every rank, a page at a time by keyset on the Redis
sorted set, with "jump to my rank"; next pages run no SQL; the API pages the same way."""

from __future__ import annotations

import base64
import re
from html import unescape

import pytest

from challenges.clock import utcnow
from challenges.extensions import get_redis
from challenges.leaderboard import keys, ranks
from challenges.leaderboard.live import board_for_page
from challenges.leaderboard.scores import encode
from challenges.leaderboard.store import forget

from ..api.conftest import assert_error
from ..support.boards import leave_board_as_a_rebuild_would, member_name
from .helpers import submit, vote

RANK_RE = re.compile(r'data-rank="(\d+)"')
NEXT_RE = re.compile(r'rel="next"[^>]*href="([^"]+)"[^>]*hx-get="([^"]+)"')
PREV_RE = re.compile(r'rel="prev"[^>]*href="([^"]+)"')


@pytest.fixture
def page_size(app, monkeypatch):
    def _set(size: int) -> None:
        monkeypatch.setitem(app.config, "LEADERBOARD_PAGE_SIZE", size)

    return _set


@pytest.fixture
def board_of_12(make_challenge, make_user):
    """12 participants, rank = index + 1: the first three have 3, 2 and 1 votes, the other nine
    none and are ranked by the tie rule (earlier first entry first)."""
    challenge = make_challenge("active")
    voters = [make_user() for _ in range(3)]
    authors = [make_user() for _ in range(12)]
    for i, author in enumerate(authors):
        entry = submit(challenge, author)
        for voter in voters[: max(3 - i, 0)]:
            vote(entry, voter)
    board_for_page(challenge, None, utcnow())  # build it, as the landing page would
    return challenge, authors


def shown_ranks(html: str) -> list[int]:
    return [int(rank) for rank in RANK_RE.findall(html)]


def next_links(html: str) -> tuple[str, str] | None:
    """(the plain link, the htmx "load more" URL) of the next page, or None."""
    match = NEXT_RE.search(html)
    return (unescape(match.group(1)), unescape(match.group(2))) if match else None


def page_url(challenge) -> str:
    return f"/challenges/{challenge.slug}/leaderboard/"


def fragment_url(challenge) -> str:
    return f"/challenges/{challenge.slug}/leaderboard/ranks"


def redis_calls() -> int:
    """Commands Redis has executed so far, those inside scripts included (INFO excepted)."""
    stats = get_redis().info("commandstats")
    return sum(value["calls"] for name, value in stats.items() if name != "cmdstat_info")


# --- Every rank on the page -----------------------------------------------------------------


def test_a_board_of_12_shows_rank_11_and_12_on_the_leaderboard_page(client, board_of_12):
    challenge, authors = board_of_12
    body = client.get(page_url(challenge)).get_data(as_text=True)
    assert shown_ranks(body) == list(range(1, 13))
    for author in authors[10:]:
        assert f"@{author.username}" in body
    assert "12 participants" in body
    assert next_links(body) is None  # one page holds them all


def test_with_a_small_page_size_ranks_11_and_12_are_on_page_2_by_the_next_link(
        client, board_of_12, page_size):
    challenge, authors = board_of_12
    page_size(10)
    first = client.get(page_url(challenge)).get_data(as_text=True)
    assert shown_ranks(first) == list(range(1, 11))
    assert PREV_RE.search(first) is None
    plain, _ = next_links(first)
    second = client.get(plain).get_data(as_text=True)
    assert shown_ranks(second) == [11, 12]
    assert [f"@{a.username}" in second for a in authors[10:]] == [True, True]
    assert next_links(second) is None
    back = client.get(unescape(PREV_RE.search(second).group(1))).get_data(as_text=True)
    assert shown_ranks(back) == list(range(1, 11))


def test_the_board_pages_in_the_tie_rule_order_of_the_widget(client, board_of_12, page_size):
    challenge, authors = board_of_12
    page_size(5)
    seen: list[int] = []
    url: str | None = page_url(challenge)
    while url:
        body = client.get(url).get_data(as_text=True)
        seen += shown_ranks(body)
        links = next_links(body)
        url = links[0] if links else None
    assert seen == list(range(1, 13))
    widget = board_for_page(challenge, None, utcnow()).rows
    page = ranks.board_page(challenge, None, ranks.FIRST, utcnow(), size=10)
    assert [(r.rank, r.user_id, r.counted_votes) for r in page.rows] == \
        [(r.rank, r.user_id, r.counted_votes) for r in widget]
    assert [r.user_id for r in page.rows] == [a.id for a in authors[:10]]


def test_load_more_appends_the_next_page_and_runs_no_sql(client, login, board_of_12, page_size,
                                                         count_sql):
    challenge, authors = board_of_12
    page_size(10)
    login(client, authors[11])
    first = client.get(page_url(challenge)).get_data(as_text=True)
    _, more = next_links(first)
    count_sql.clear()
    response = client.get(more, headers={"HX-Request": "true"})
    assert count_sql == [], count_sql
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<html" not in body and shown_ranks(body) == [11, 12]
    assert 'id="you"' in body and f"@{authors[11].username}" in body  # the viewer, from Redis
    assert "Ranks 11 to 12 loaded." in body
    assert response.headers["Cache-Control"] == "no-store"


def test_jump_to_my_rank_opens_the_page_holding_my_row(client, login, board_of_12, page_size):
    challenge, authors = board_of_12
    page_size(5)
    login(client, authors[11])  # rank 12: on the third page of five
    first = client.get(page_url(challenge)).get_data(as_text=True)
    jump = re.search(r'href="([^"]+)" data-testid="jump-to-me">Jump to my rank \(12th\)', first)
    assert jump, first
    assert unescape(jump.group(1)).endswith("?at=me#you")
    mine = client.get(unescape(jump.group(1)).split("#")[0]).get_data(as_text=True)
    assert shown_ranks(mine) == [11, 12]
    row = re.search(r'<li class="board-row is-you" id="you" aria-current="true" data-rank="(\d+)"',
                    mine)
    assert row and row.group(1) == "12"
    assert PREV_RE.search(mine)  # the ranks above are one link away


def test_a_visitor_has_no_jump_link_and_at_me_is_the_first_page(client, board_of_12, page_size):
    challenge, _ = board_of_12
    page_size(5)
    body = client.get(page_url(challenge) + "?at=me").get_data(as_text=True)
    assert shown_ranks(body) == [1, 2, 3, 4, 5]
    assert "jump-to-me" not in body


BAD_QUERIES = ["after=abc", "after=nan", "after=inf", "after=-1", "after=0", "after=1.25",
               "after=1.3", "before=1e400", "after=" + "9" * 40, "at=you",
               f"after={encode(3, 2)!r}&before={encode(3, 2)!r}"]


@pytest.fixture
def small_board(make_challenge, make_user):
    challenge = make_challenge("active")
    submit(challenge, make_user())
    board_for_page(challenge, None, utcnow())
    return challenge


@pytest.mark.parametrize("query", BAD_QUERIES)
def test_a_bad_cursor_is_404_on_the_page_and_the_fragment(client, small_board, query):
    challenge = small_board
    assert client.get(f"{page_url(challenge)}?{query}").status_code == 404
    assert client.get(f"{fragment_url(challenge)}?{query}").status_code == 404


def test_a_draft_boards_fragment_is_404_for_visitors(client, make_challenge):
    challenge = make_challenge("active", status="draft")
    board_for_page(challenge, None, utcnow())  # built, with meta saying "not published"
    assert get_redis().exists(keys.built(challenge.id))
    assert client.get(fragment_url(challenge)).status_code == 404
    assert client.get(page_url(challenge)).status_code == 404


def test_an_empty_board_says_so(client, make_challenge):
    challenge = make_challenge("active")
    body = client.get(page_url(challenge)).get_data(as_text=True)
    assert "No entries yet" in body and shown_ranks(body) == []


# --- From SQL when Redis lacks the board ----------------------------------------------------


def walk(client, url: str) -> tuple[list[int], list[str]]:
    """Follow the next links from ``url``: every rank shown, and each page's body."""
    seen, bodies = [], []
    while url:
        body = client.get(url).get_data(as_text=True)
        bodies.append(body)
        seen += shown_ranks(body)
        links = next_links(body)
        url = links[0] if links else None
    return seen, bodies


def test_without_the_board_in_redis_the_same_pages_come_from_sql_marked_paused(
        client, login, board_of_12, page_size):
    challenge, authors = board_of_12
    page_size(5)
    login(client, authors[6])
    from_redis, redis_bodies = walk(client, page_url(challenge))
    client_redis = get_redis()
    forget(client_redis, challenge.id)
    client_redis.set(keys.rebuild_lock(challenge.id), "someone else", ex=60)  # no rebuild now
    from_sql, sql_bodies = walk(client, page_url(challenge))
    assert from_sql == from_redis == list(range(1, 13))
    assert all("Live updates paused" in body for body in sql_bodies)
    assert not any("Live updates paused" in body for body in redis_bodies)
    row = re.compile(r'data-rank="(\d+)">.*?@(\w+).*?data-testid="votes-\w+">([^<]+)<', re.S)
    assert [row.findall(b) for b in sql_bodies] == [row.findall(b) for b in redis_bodies]
    mine = client.get(page_url(challenge) + "?at=me").get_data(as_text=True)
    assert shown_ranks(mine) == [6, 7, 8, 9, 10] and 'id="you"' in mine
    previous = client.get(unescape(PREV_RE.search(sql_bodies[-1]).group(1)))
    assert shown_ranks(previous.get_data(as_text=True)) == [6, 7, 8, 9, 10]
    fragment = client.get(next_links(sql_bodies[0])[1]).get_data(as_text=True)
    assert shown_ranks(fragment) == [6, 7, 8, 9, 10]
    assert 'id="rank-status" hx-swap-oob="true"' in fragment and "Live updates paused" in fragment


# --- The API ----------------------------------------------------------------------------------


def api_url(challenge, **query) -> str:
    args = "&".join(f"{k}={v}" for k, v in query.items())
    return f"/api/challenges/{challenge.slug}/leaderboard/" + (f"?{args}" if args else "")


def test_the_api_pages_every_rank_by_cursor(client, login, board_of_12):
    challenge, authors = board_of_12
    login(client, authors[11])
    body = client.get(api_url(challenge, limit=5)).get_json()
    assert set(body) == {"version", "live", "final", "participant_count", "results", "me",
                         "next_cursor", "next", "frozen_hours"}
    assert body["me"]["rank"] == 12 and body["me"]["username"] == authors[11].username
    seen = [row["rank"] for row in body["results"]]
    while body["next_cursor"]:
        assert f"cursor={body['next_cursor']}" in body["next"]
        body = client.get(api_url(challenge, limit=5, cursor=body["next_cursor"])).get_json()
        seen += [row["rank"] for row in body["results"]]
        assert body["me"]["rank"] == 12
    assert seen == list(range(1, 13)) and body["next"] is None
    client.post_form("/logout")
    top = client.get(api_url(challenge)).get_json()  # the first page is the old top-N answer
    assert [row["rank"] for row in top["results"]] == list(range(1, 11))
    assert [row["counted_votes"] for row in top["results"][:4]] == [3, 2, 1, 0]
    assert top["me"] is None and top["participant_count"] == 12


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize("cursor", ["!!!", _b64("after:abc"), _b64("sideways:3.2"),
                                    _b64("after:1.3"), _b64("me:"), _b64(f"{encode(2, 1)!r}")])
def test_a_bad_api_cursor_is_a_400_bad_cursor(client, small_board, cursor):
    challenge = small_board
    assert_error(client.get(api_url(challenge, cursor=cursor)), 400, "bad_cursor")


# --- 100,000 members --------------------------------------------------------------------------

BIG = 100_000
WALK = 1000  # rows a page while walking the whole chain through the service


def test_a_board_of_100000_pages_to_its_end_with_no_sql_and_constant_redis_work(
        client, make_challenge, count_sql):
    challenge = make_challenge("active")
    leave_board_as_a_rebuild_would(get_redis(), challenge, BIG)
    now = utcnow()
    ranks.fragment_page(challenge.slug, None, ranks.FIRST, now, WALK)  # loads the script once

    count_sql.clear()
    cursor, seen, calls, cursors = ranks.FIRST, 0, set(), []
    while True:
        before = redis_calls()
        result = ranks.fragment_page(challenge.slug, None, cursor, now, WALK)
        calls.add(redis_calls() - before)
        page = result.page
        assert [r.rank for r in page.rows] == list(range(seen + 1, seen + len(page.rows) + 1))
        seen += len(page.rows)
        cursors.append(cursor)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == BIG and page.rows[-1].username == member_name(BIG)
    assert count_sql == []
    assert len(cursors) == BIG // WALK
    assert len(calls) == 1, calls  # the same Redis work on the first page and on the last

    # Over HTTP (page size 50): the first page, a middle one, and from the last thousand ranks
    # by the fragment's own "load more" links to the end.
    size, calls_per_fragment = ranks.PAGE_SIZE, set()

    def fragment(url: str, **query: str) -> str:
        count_sql.clear()
        before = redis_calls()
        response = client.get(url, query_string=query or None, headers={"HX-Request": "true"})
        calls_per_fragment.add(redis_calls() - before)
        assert count_sql == [], count_sql
        assert response.status_code == 200
        return response.get_data(as_text=True)

    assert shown_ranks(fragment(fragment_url(challenge))) == list(range(1, size + 1))
    middle = fragment(fragment_url(challenge), **cursors[len(cursors) // 2].query())
    assert shown_ranks(middle) == list(range(50_001, 50_001 + size))
    body = fragment(fragment_url(challenge), **cursors[-1].query())
    while links := next_links(body):
        body = fragment(links[1])
    assert shown_ranks(body) == list(range(BIG - size + 1, BIG + 1))
    assert len(calls_per_fragment) == 1, calls_per_fragment
