"""A completed challenge's results page, and "a completed challenge's pages stay complete
forever" (issue #12): podium, final board (the leaderboard package's ranks), every
participant's card link, the gallery in final-rank order, and a walk of every page."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import timedelta

import pytest

from challenges.archive.service import results
from challenges.clock import utcnow
from challenges.extensions import db, get_redis
from challenges.leaderboard import ranks
from challenges.leaderboard.rebuild import rebuild
from challenges.models import ChallengeSubmission, Role, User, WeeklyChallenge

from ..core.helpers import submit, vote
from ..rewards.helpers import disqualify, finalize

BOARD_ROW = re.compile(r'<tr(?: [^>]*)? data-rank="(\d+)">.*?href="/u/([a-z0-9_-]+)"', re.S)
CARD_LINK = re.compile(r'href="(/challenges/[a-z0-9-]+/submissions/[0-9a-f-]{36}/)"')
LOAD_MORE = re.compile(r'id="load-more">\s*<a[^>]*href="([^"]+)"')
# Votes each author's entries get: "a" wins, "f" and "g" tie on one vote (the earlier first
# entry, "f", ranks higher), "h" has none.
VOTES = {"a": 5, "b": 4, "c": 3, "d": 2, "e": 2, "f": 1, "g": 1, "h": 0}


@dataclass
class Archived:
    challenge: WeeklyChallenge
    authors: dict[str, User]
    entries: list[ChallengeSubmission]


@pytest.fixture
def archived(frozen_clock, make_challenge, make_user) -> Archived:
    """A finalized challenge: eight authors ranked by votes, 13 counting entries ("b" has two,
    "c" and "d" three: the gallery has two pages), and a disqualified entry."""
    challenge = make_challenge("completed", slug="retro-futures", status="voting",
                               title="Retro Futures", max_submissions_per_user=3)
    frozen_clock.set(challenge.starts_at + timedelta(hours=30))
    voters = [make_user(username=f"voter{i}") for i in range(5)]
    authors = {name: make_user(username=f"author_{name}") for name in VOTES}
    entries = []
    for name, wanted in VOTES.items():
        entry = submit(challenge, authors[name], title=f"Entry {name}")
        entries.append(entry)
        for voter in voters[:wanted]:
            vote(entry, voter)
    entries.append(submit(challenge, authors["b"], title="Entry b2"))
    entries += [submit(challenge, authors[n], title=f"Entry {n}{i}") for n in "cd" for i in (2, 3)]
    cheat = submit(challenge, make_user(username="cheater"), title="Copied")
    for voter in voters:
        vote(cheat, voter)
    disqualify(cheat, make_user(role=Role.EDITOR))
    frozen_clock.set(challenge.voting_deadline + timedelta(hours=1))
    finalize(challenge)
    rebuild(get_redis(), challenge.id, utcnow())
    db.session.expire_all()
    return Archived(challenge, authors, entries)


def board_rows(body: str) -> list[tuple[int, str]]:
    return [(int(rank), name) for rank, name in BOARD_ROW.findall(body)]


def test_the_results_page_shows_the_podium_and_the_leaderboards_final_board(client, archived):
    response = client.get("/challenges/retro-futures/results/")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    expected = ranks.board_page(archived.challenge, None, ranks.FIRST, utcnow(), 100).rows
    assert board_rows(body) == [(row.rank, row.username) for row in expected]
    assert [name for _, name in board_rows(body)] == [f"author_{n}" for n in VOTES]
    start, end = body.index('data-testid="results-podium"'), body.index('data-testid="final-board"')
    podium = body[start:end]
    assert [n for n in re.findall(r'href="/u/([a-z_]+)"', podium)] == [
        "author_a", "author_b", "author_c"]
    assert "cheater" not in body
    text = html.unescape(body)
    assert "Results: Retro Futures" in text
    # Each participant's share card, at the path of the sharing package's route.
    for name in VOTES:
        assert f'href="/challenges/retro-futures/results/author_{name}"' in body


def test_the_board_pages_by_cursor_past_its_page_size(client, archived, app, monkeypatch):
    monkeypatch.setitem(app.config, "RESULTS_PAGE_SIZE", 3)
    seen: list[tuple[int, str]] = []
    url: str | None = "/challenges/retro-futures/results/"
    while url:
        body = client.get(url).get_data(as_text=True)
        rows = board_rows(body)
        assert rows
        seen += rows
        match = re.search(r'data-testid="results-next" href="([^"]+)"', body)
        url = html.unescape(match.group(1)) if match else None
        assert len(seen) < 50
    assert seen == [(i + 1, f"author_{n}") for i, n in enumerate(VOTES)]


def test_results_service_ranks_equal_the_leaderboard_from_sql_too(archived, redis_client):
    redis_client.flushdb()  # the leaderboard package answers from SQL: the same ranks
    shown = results(archived.challenge, None, utcnow())
    assert [(r.rank, r.username) for r in shown.board.rows] == [
        (i + 1, f"author_{n}") for i, n in enumerate(VOTES)]
    assert [e.user.username for e in shown.podium] == ["author_a", "author_b", "author_c"]


@pytest.mark.parametrize("phase", ["upcoming", "active", "voting"])
def test_results_of_a_challenge_not_completed_are_404(client, make_challenge, phase):
    challenge = make_challenge(phase)
    assert client.get(f"/challenges/{challenge.slug}/results/").status_code == 404


def test_results_of_a_draft_are_404_even_for_editors(client, make_challenge, make_user, login):
    draft = make_challenge("completed", status="draft")
    assert client.get(f"/challenges/{draft.slug}/results/").status_code == 404
    login(client, make_user(role=Role.EDITOR))
    assert client.get(f"/challenges/{draft.slug}/results/").status_code == 404
    assert client.get("/challenges/no-such-one/results/").status_code == 404


@pytest.mark.parametrize("args", [{"after": "abc"}, {"before": "-1"}, {"after": "1e999"},
                                  {"after": "1", "before": "2"}])
def test_a_bad_board_cursor_is_404(client, archived, args):
    assert client.get("/challenges/retro-futures/results/",
                      query_string=args).status_code == 404


def test_results_before_finalization_show_the_board_and_say_so(client, make_challenge,
                                                               make_user, frozen_clock):
    challenge = make_challenge("completed", status="voting")
    frozen_clock.set(challenge.starts_at + timedelta(hours=30))
    entry = submit(challenge, make_user(username="early"))
    vote(entry, make_user())
    frozen_clock.set(challenge.voting_deadline + timedelta(minutes=5))
    body = client.get(f"/challenges/{challenge.slug}/results/").get_data(as_text=True)
    assert 'data-testid="results-pending"' in body
    assert board_rows(body) == [(1, "early")]


def test_the_landing_page_links_its_results(client, archived):
    body = client.get("/challenges/retro-futures/").get_data(as_text=True)
    assert 'href="/challenges/retro-futures/results/"' in body


def gallery_walk(client, slug: str, sort: str | None = None) -> list[str]:
    """Every entry URL of the gallery, following "Load more" as a plain link."""
    url: str | None = f"/challenges/{slug}/submissions/" + (f"?sort={sort}" if sort else "")
    seen: list[str] = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        for link in CARD_LINK.findall(body):  # a card links its entry twice (image, title)
            if link not in seen:
                seen.append(link)
        match = LOAD_MORE.search(body)
        url = html.unescape(match.group(1)) if match else None
        assert len(seen) < 100
    return seen


def test_a_finalized_gallery_is_in_final_rank_order_by_default(client, archived):
    by_id = {f"/challenges/retro-futures/submissions/{e.id}/": e for e in archived.entries}
    seen = gallery_walk(client, "retro-futures")
    assert len(seen) == 13  # every counting entry (not the disqualified one), over two pages
    order = [by_id[u] for u in seen]
    keys = [(e.final_rank, -e.counted_votes, e.entry_number) for e in order]
    assert keys == sorted(keys)
    assert [order[0].user.username, order[1].user.username] == ["author_a", "author_b"]
    assert order[1].title == "Entry b" and order[2].title == "Entry b2"
    body = client.get("/challenges/retro-futures/submissions/").get_data(as_text=True)
    assert 'aria-current="true" class="is-current">Final rank' in body


def test_a_bad_final_rank_cursor_is_404(client, archived):
    for cursor in ("abc", "1|x|1", "0|1|1", "1|-1|1", "1|nan|1", "1|1|0", "1|1"):
        response = client.get("/challenges/retro-futures/submissions/",
                              query_string={"sort": "rank", "after": cursor})
        assert response.status_code == 404, cursor


def test_an_archived_challenges_pages_stay_complete(client, app, archived, frozen_clock):
    """Issue #12: a completed challenge's pages stay complete forever. A year on, with Redis
    emptied, every page answers 200 with its content: landing (podium), gallery (every page,
    every counting entry), leaderboard (final), results (podium and every participant), each
    entry page, and each participant's card."""
    frozen_clock.set(utcnow() + timedelta(days=365))
    get_redis().flushdb()
    slug = "retro-futures"
    landing = client.get(f"/challenges/{slug}/")
    assert landing.status_code == 200
    assert "Winners" in landing.get_data(as_text=True)

    counting = [e for e in archived.entries if e.counts]
    entry_urls = gallery_walk(client, slug)
    assert sorted(entry_urls) == sorted(f"/challenges/{slug}/submissions/{e.id}/"
                                        for e in counting)
    for sort in ("votes", "newest"):
        assert sorted(gallery_walk(client, slug, sort)) == sorted(entry_urls)

    board = client.get(f"/challenges/{slug}/leaderboard/")
    assert board.status_code == 200
    board_body = board.get_data(as_text=True)
    assert "Final results" in board_body
    for name in VOTES:
        assert f"@author_{name}" in board_body

    page = client.get(f"/challenges/{slug}/results/")
    assert page.status_code == 200
    assert [name for _, name in board_rows(page.get_data(as_text=True))] == [
        f"author_{n}" for n in VOTES]

    for entry in counting:
        response = client.get(f"/challenges/{slug}/submissions/{entry.id}/")
        assert response.status_code == 200
        assert html.escape(entry.title) in response.get_data(as_text=True)

    # Every participant's share card (the sharing package).
    for name in VOTES:
        card = client.get(f"/challenges/{slug}/results/author_{name}")
        assert card.status_code == 200, name
        assert f"author_{name}" in card.get_data(as_text=True)
