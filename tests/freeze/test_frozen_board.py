"""Freeze (issue #13, SPEC §2 ``freeze_hours``): during the frozen hours the public widget, its
poll, the full leaderboard page and the API show the board as it stood at the freeze, while
votes keep counting and each member still sees their own live row; the frozen copy in Redis is
the same whether the job took it on time or a page read took it again after a Redis loss."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest

from challenges.clock import utcnow
from challenges.extensions import db, get_redis
from challenges.freeze.service import take_due_freezes
from challenges.leaderboard import frozen, keys
from challenges.leaderboard.rebuild import rebuild
from challenges.models import User, WeeklyChallenge
from challenges.phase import freeze_starts_at, is_frozen
from challenges.services.api_tokens import create_token

from ..core.helpers import submit, vote

FRAGMENT_ROW = re.compile(r'href="/u/([a-z0-9_-]+)">@[^<]+(?:<span class="you-tag">[^<]*</span>)?'
                          r'</a>\s*<span class="votes"[^>]*>(\d+(?:\.\d+)?) votes?</span>')


@dataclass
class Frozen:
    challenge: WeeklyChallenge
    lead: User  # leads at the freeze (2 votes), overtaken after it
    late: User  # 1 vote at the freeze, 4 live: first on the live board
    third: User
    voters: list[User]


@pytest.fixture
def frozen_board(frozen_clock, make_challenge, make_user) -> Frozen:
    """A challenge frozen 12 h before its voting deadline; the clock one hour into the freeze.
    At the freeze @lead had 2 votes and @late 1; after it @late received 3 more."""
    challenge = make_challenge("active", freeze_hours=12)
    lead, late, third = (make_user(username=n) for n in ("lead", "late", "third"))
    voters = [make_user(username=f"voter{i}") for i in range(4)]
    entries = {u.username: submit(challenge, u) for u in (lead, late, third)}
    vote(entries["lead"], voters[0])
    vote(entries["lead"], voters[1])
    vote(entries["late"], voters[0])
    freeze_at = freeze_starts_at(challenge)
    assert freeze_at == challenge.voting_deadline - timedelta(hours=12)
    frozen_clock.set(freeze_at + timedelta(hours=1))
    for voter in voters[1:]:
        vote(entries["late"], voter)
    return Frozen(challenge, lead, late, third, voters)


def rows_of(body: str) -> list[tuple[str, float]]:
    return [(name, float(votes)) for name, votes in FRAGMENT_ROW.findall(body)]


FROZEN_ROWS = [("lead", 2.0), ("late", 1.0), ("third", 0.0)]


def test_the_public_widget_and_its_poll_show_the_board_at_the_freeze(client, frozen_board):
    slug = frozen_board.challenge.slug
    page = client.get(f"/challenges/{slug}/").get_data(as_text=True)
    assert rows_of(page) == FROZEN_ROWS
    assert 'data-testid="frozen-note"' in page and "Frozen 12 h before the end" in page
    poll = client.get(f"/challenges/{slug}/leaderboard/live?v=-1")
    assert poll.status_code == 200
    assert rows_of(poll.get_data(as_text=True)) == FROZEN_ROWS


def test_a_member_sees_their_own_live_row_during_the_freeze(client, login, frozen_board):
    login(client, frozen_board.late)
    slug = frozen_board.challenge.slug
    for body in (client.get(f"/challenges/{slug}/").get_data(as_text=True),
                 client.get(f"/challenges/{slug}/leaderboard/live?v=-1").get_data(as_text=True)):
        assert rows_of(body) == FROZEN_ROWS  # the public rows stay frozen
        you = body.split('class="board-row board-you')[1]
        assert '<span class="rank">1.</span>' in you and "4 votes" in you  # live: 1st, 4 votes
        assert 'data-testid="you-live"' in you


def test_the_full_leaderboard_page_is_frozen_with_the_viewers_live_rank(client, login,
                                                                        frozen_board):
    slug = frozen_board.challenge.slug
    body = client.get(f"/challenges/{slug}/leaderboard/").get_data(as_text=True)
    assert rows_of(body) == FROZEN_ROWS and 'data-testid="frozen-note"' in body
    login(client, frozen_board.late)
    body = client.get(f"/challenges/{slug}/leaderboard/").get_data(as_text=True)
    assert rows_of(body) == FROZEN_ROWS
    live = body.split('data-testid="you-live-rank"')[1].split("</p>")[0]
    assert "1." in live and "4 votes" in live


def test_the_api_leaderboard_is_frozen_and_me_is_live(client, frozen_board):
    _, raw = create_token(frozen_board.late, "tests", frozen_board.challenge.starts_at)
    db.session.commit()
    slug = frozen_board.challenge.slug
    anonymous = client.get(f"/api/challenges/{slug}/leaderboard/").get_json()
    assert [(r["username"], r["counted_votes"]) for r in anonymous["results"]] == FROZEN_ROWS
    assert anonymous["frozen_hours"] == 12 and anonymous["me"] is None
    mine = client.get(f"/api/challenges/{slug}/leaderboard/",
                      headers={"Authorization": f"Bearer {raw}"}).get_json()
    assert [(r["username"], r["counted_votes"]) for r in mine["results"]] == FROZEN_ROWS
    assert mine["me"]["rank"] == 1 and mine["me"]["counted_votes"] == 4.0


def test_votes_keep_counting_in_the_live_board_during_the_freeze(frozen_board):
    rebuild(get_redis(), frozen_board.challenge.id, utcnow())  # the live board, from SQL
    live = get_redis().zrevrange(keys.board(frozen_board.challenge.id), 0, -1)
    assert live[0] == str(frozen_board.late.id)  # @late leads the live board


def test_the_frozen_poll_runs_no_sql(client, login, frozen_board, count_sql):
    login(client, frozen_board.late)
    slug = frozen_board.challenge.slug
    assert client.get(f"/challenges/{slug}/").status_code == 200  # builds both boards
    count_sql.clear()
    changed = client.get(f"/challenges/{slug}/leaderboard/live?v=-1")
    assert changed.status_code == 200 and rows_of(changed.get_data(as_text=True)) == FROZEN_ROWS
    version = changed.get_data(as_text=True).split('data-version="')[1].split('"')[0]
    assert client.get(f"/challenges/{slug}/leaderboard/live?v={version}").status_code == 204
    assert count_sql == [], count_sql


def frozen_copy(challenge) -> list[tuple[str, float]]:
    return get_redis().zrevrange(keys.frozen_board(challenge.id), 0, -1, withscores=True)


def test_the_job_copy_and_a_copy_taken_again_after_a_redis_loss_are_equal(
        client, frozen_clock, make_challenge, make_user):
    challenge = make_challenge("active", freeze_hours=6)
    authors = [make_user() for _ in range(3)]
    voters = [make_user() for _ in range(3)]
    entries = [submit(challenge, a) for a in authors]
    for i, entry in enumerate(entries):
        for voter in voters[:i + 1]:
            vote(entry, voter)
    freeze_at = freeze_starts_at(challenge)
    assert freeze_at is not None
    frozen_clock.set(freeze_at - timedelta(seconds=1))
    assert take_due_freezes(get_redis(), freeze_at - timedelta(seconds=1)) == 0  # not yet
    frozen_clock.set(freeze_at)
    assert take_due_freezes(get_redis(), freeze_at) == 1  # the scheduler's job, on time
    assert take_due_freezes(get_redis(), freeze_at) == 0  # idempotent
    on_time = frozen_copy(challenge)
    vote(entries[0], voters[1])  # at the freeze moment itself: live only
    frozen_clock.advance(timedelta(hours=2))
    vote(entries[0], voters[2])
    get_redis().delete(keys.frozen(challenge.id), keys.frozen_board(challenge.id))  # lost
    body = client.get(f"/challenges/{challenge.slug}/").get_data(as_text=True)
    assert frozen_copy(challenge) == on_time  # taken again from SQL: the same board
    assert [n for n, _ in rows_of(body)] == [a.username for a in reversed(authors)]


def test_the_sql_twin_of_the_frozen_board_counts_votes_before_the_freeze_only(frozen_board):
    challenge = frozen_board.challenge
    freeze_at = freeze_starts_at(challenge)
    assert freeze_at is not None
    standings = frozen.frozen_standings(challenge.id, freeze_at)
    assert [(s.username, s.counted_votes) for s in standings] == FROZEN_ROWS


def test_the_widget_is_live_again_without_a_freeze(client, frozen_clock, make_challenge,
                                                   make_user):
    challenge = make_challenge("active")
    a, b = make_user(username="alpha"), make_user(username="beta")
    submit(challenge, a)
    vote(submit(challenge, b), make_user())
    frozen_clock.set(challenge.voting_deadline - timedelta(minutes=1))
    assert not is_frozen(challenge, frozen_clock())
    body = client.get(f"/challenges/{challenge.slug}/").get_data(as_text=True)
    assert "frozen-note" not in body and rows_of(body) == [("beta", 1.0), ("alpha", 0.0)]
