"""SPEC §10: lists paginate by cursor. Following ``next`` visits every item exactly once, in
order; page sizes above the cap are capped; ``status=`` selects each phase."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from challenges.clock import utcnow
from challenges.extensions import db
from challenges.models import Role
from challenges.services.entries import disqualify_entry, set_featured, withdraw_entry
from challenges.transactions import commit_with_retry

from ..core.helpers import submit, vote
from .conftest import bearer

PHASES = ("upcoming", "active", "voting", "completed")


def walk(client, url: str, headers: dict[str, str] | None = None) -> tuple[list[dict], int]:
    """Every item reached by following ``next`` from ``url``, and the number of pages."""
    items: list[dict] = []
    pages = 0
    while url:
        response = client.get(url, headers=headers or {})
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert set(body) == {"results", "next"}
        items.extend(body["results"])
        pages += 1
        assert pages < 500, "next never ends"
        url = body["next"]
        if url:
            assert url.startswith("http://localhost/api/"), url  # absolute, on this API
    return items, pages


def ids(items: list[dict]) -> list[str]:
    return [item["id"] for item in items]


@pytest.fixture
def challenges(make_challenge, frozen_clock):
    """23 published challenges, some sharing a start time (ties broken by id), and drafts."""
    now = frozen_clock.now
    made = {phase: [] for phase in PHASES}
    for n in range(23):
        phase = PHASES[n % 4]
        starts_shift = {"upcoming": timedelta(days=1), "active": -timedelta(days=1),
                        "voting": -timedelta(days=5), "completed": -timedelta(days=10)}[phase]
        # Every third one starts at the same instant as its neighbour of the same phase.
        extra = {} if n % 3 else {"starts_at": now + starts_shift}
        made[phase].append(make_challenge(phase, **extra))
    make_challenge("active", status="draft")
    make_challenge("completed", status="cancelled")
    return made


@pytest.mark.parametrize("limit", [1, 4, 7, 23, 100])
def test_walking_next_over_all_challenges_returns_each_exactly_once(client, challenges, limit):
    items, pages = walk(client, f"/api/challenges/?limit={limit}")
    expected = {str(c.id) for group in challenges.values() for c in group}
    assert len(items) == len(expected) == 23
    assert set(ids(items)) == expected
    assert pages == -(-23 // limit), "no empty last page"
    starts = [item["starts_at"] for item in items]
    assert starts == sorted(starts, reverse=True), "newest first"


@pytest.mark.parametrize("status", PHASES)
def test_the_status_filter_selects_each_phase_across_pages(client, challenges, status):
    items, _ = walk(client, f"/api/challenges/?status={status}&limit=2")
    assert sorted(ids(items)) == sorted(str(c.id) for c in challenges[status])
    assert {item["status"] for item in items} == {status}


def test_the_status_filter_follows_the_clock_not_the_status_column(client, make_challenge):
    stale = make_challenge("voting", status="active")  # the phase job has not caught up yet
    assert ids(client.get("/api/challenges/?status=voting").get_json()["results"]) == [
        str(stale.id)]
    assert client.get("/api/challenges/?status=active").get_json()["results"] == []


def test_a_challenge_page_above_the_cap_is_capped_at_100(client, make_challenge):
    for _ in range(101):
        make_challenge("completed")
    body = client.get("/api/challenges/?limit=1000").get_json()
    assert len(body["results"]) == 100
    assert parse_qs(urlsplit(body["next"]).query)["limit"] == ["100"]
    rest, _ = walk(client, body["next"])
    assert len(rest) == 1
    assert not set(ids(rest)) & set(ids(body["results"]))


def test_the_default_challenge_page_is_20(client, make_challenge):
    for _ in range(21):
        make_challenge("upcoming")
    body = client.get("/api/challenges/").get_json()
    assert len(body["results"]) == 20 and body["next"]


@pytest.fixture
def gallery(make_challenge, make_user):
    """A challenge with 17 counting entries, votes with ties, features, and entries that must
    not be listed (withdrawn, disqualified)."""
    challenge = make_challenge("active", max_submissions_per_user=3)
    authors = [make_user() for _ in range(7)]
    voters = [make_user() for _ in range(4)]
    editor = make_user(role=Role.EDITOR)
    entries = [submit(challenge, authors[n % 7], title=f"Entry {n}") for n in range(19)]
    for n, entry in enumerate(entries):
        for voter in voters[: n % 5]:
            vote(entry, voter)
    for entry in entries[::4]:
        commit_with_retry(lambda e=entry: set_featured(e.id, editor, True, utcnow()))
    commit_with_retry(lambda: withdraw_entry(entries[1].id, entries[1].user, utcnow()))
    commit_with_retry(lambda: disqualify_entry(entries[2].id, editor, "copied", utcnow()))
    counting = [e for n, e in enumerate(entries) if n not in (1, 2)]
    db.session.expire_all()
    return challenge, counting


@pytest.mark.parametrize("sort", ["votes", "newest", "featured"])
def test_walking_next_over_all_submissions_returns_each_exactly_once(client, gallery, sort):
    challenge, counting = gallery
    expected = [e for e in counting if e.is_featured] if sort == "featured" else counting
    numbers = {str(e.id): e.entry_number for e in expected}
    for limit in (1, 5, 17, 50):
        url = f"/api/challenges/{challenge.slug}/submissions/?sort={sort}&limit={limit}"
        items, pages = walk(client, url)
        assert len(ids(items)) == len(set(ids(items))), ("no entry twice", limit)
        assert set(ids(items)) == set(numbers), limit
        assert pages == max(1, -(-len(expected) // limit)), limit
        if sort == "votes":
            votes = [item["counted_votes"] for item in items]
            assert votes == sorted(votes, reverse=True)
        else:
            order = [numbers[i] for i in ids(items)]
            assert order == sorted(order, reverse=True), "newest first"


def test_most_voted_pages_the_same_from_sql_when_redis_is_empty(client, gallery, redis_client):
    challenge, counting = gallery
    url = f"/api/challenges/{challenge.slug}/submissions/?limit=3"
    from_redis, _ = walk(client, url)
    redis_client.flushdb()
    from_sql, _ = walk(client, url)
    assert ids(from_sql) == ids(from_redis)
    assert len(from_sql) == len(counting)


def test_a_submissions_page_above_the_cap_is_capped_at_50(client, make_challenge, make_user):
    challenge = make_challenge("active", max_submissions_per_user=10)
    authors = [make_user() for _ in range(6)]
    for n in range(51):
        submit(challenge, authors[n % 6], title=f"E{n}")
    for sort in ("votes", "newest"):
        body = client.get(f"/api/challenges/{challenge.slug}/submissions/"
                          f"?sort={sort}&limit=500").get_json()
        assert len(body["results"]) == 50
        assert parse_qs(urlsplit(body["next"]).query)["limit"] == ["50"]
        rest, _ = walk(client, body["next"])
        assert len(rest) == 1


def test_the_voted_flag_is_there_for_members_only(client, gallery, make_token):
    challenge, counting = gallery
    url = f"/api/challenges/{challenge.slug}/submissions/?limit=50"
    anonymous = client.get(url).get_json()["results"]
    assert all("voted" not in item for item in anonymous)
    voter = counting[-1].user
    mine = client.get(url, headers=bearer(make_token(voter))).get_json()["results"]
    assert all(isinstance(item["voted"], bool) for item in mine)


def test_a_leaderboard_limit_above_the_cap_is_capped(client, gallery):
    challenge, _ = gallery
    body = client.get(f"/api/challenges/{challenge.slug}/leaderboard/?limit=100000").get_json()
    ranks = [row["rank"] for row in body["results"]]
    assert ranks == list(range(1, len(ranks) + 1))
    assert body["participant_count"] >= len(ranks)
