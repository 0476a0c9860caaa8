"""The profile's points history is grouped by challenge, day and entry; winners (and editors)
see where their cash prizes stand; the home page shows artwork without N+1 queries."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from html import unescape
from typing import Any

import pytest
from sqlalchemy import event

from challenges.extensions import db
from challenges.models import Payout, Role
from challenges.services.profiles import points_history
from tests.core.helpers import submit, vote

from .helpers import move_to_phase


def text_of(page: str) -> str:
    import re

    return " ".join(unescape(re.sub(r"<[^>]+>", " ", page)).split())


@pytest.fixture
def sql_statements(app) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    yield statements
    event.remove(db.engine, "before_cursor_execute", record)


def test_votes_received_are_one_line_naming_the_challenge_and_the_entry(
        client, frozen_clock, make_challenge, make_user):
    challenge = make_challenge("active", title="Dreamscapes")
    author = make_user()
    entry = submit(challenge, author, title="Sunrise")
    for _ in range(3):
        vote(entry, make_user())

    page = client.get(f"/u/{author.username}").get_data(as_text=True)
    history = text_of(page[page.index('data-testid="history"'):])
    assert "Dreamscapes · “Sunrise” 3 votes received" in history
    assert "+6 points" in history
    assert "Received a vote" not in page
    assert history.count("votes received") == 1


def test_votes_given_are_grouped_per_challenge_and_day(frozen_clock, make_challenge, make_user):
    challenge = make_challenge("active")
    voter = make_user()
    entries = [submit(challenge, make_user(), title=f"Entry {n}") for n in range(3)]
    for entry in entries:
        vote(entry, voter)

    lines, _ = points_history(voter.id, None)
    assert [(line.reason, line.count, line.amount, line.entry) for line in lines] == [
        ("vote_reward", 3, 15, None)]
    assert lines[0].challenge.id == challenge.id


def test_each_day_is_its_own_line(frozen_clock, make_challenge, make_user):
    challenge = make_challenge("active")
    author = make_user()
    entry = submit(challenge, author)
    vote(entry, make_user())
    frozen_clock.advance(days=1)
    vote(entry, make_user())
    vote(entry, make_user())

    lines, _ = points_history(author.id, None)
    received = [(line.day, line.count) for line in lines if line.reason == "vote_received"]
    today = frozen_clock.now.date()
    assert received == [(today, 2), (today - timedelta(days=1), 1)]


def test_history_pages_by_keyset_and_shows_every_line_once(client, frozen_clock, make_challenge,
                                                           make_user):
    author = make_user()
    for _ in range(3):
        entry = submit(make_challenge("active"), author)
        vote(entry, make_user())
        frozen_clock.advance(hours=25)
    everything, cursor = points_history(author.id, None, size=100)
    assert cursor is None and len(everything) >= 6  # per challenge: submit, early bird, vote

    seen, cursor = [], None
    while True:
        page, cursor = points_history(author.id, cursor, size=2)
        seen.extend(page)
        if cursor is None:
            break
    assert seen == everything
    # The page walks the same way through the profile's "Older" link.
    first = client.get(f"/u/{author.username}?before=" + points_history(author.id, None, 2)[1])
    assert first.status_code == 200


def test_history_has_a_fixed_number_of_queries(client, frozen_clock, make_challenge, make_user,
                                               sql_statements):
    def queries_for(entries: int) -> int:
        author = make_user()
        challenge = make_challenge("active")
        for n in range(entries):
            vote(submit(challenge, author, title=f"E{n}"),
                 make_user())
        sql_statements.clear()
        client.get(f"/u/{author.username}")
        return len(sql_statements)

    challenge_limit = 3  # entries per member and challenge
    assert queries_for(1) == queries_for(challenge_limit)


@pytest.fixture
def payout(make_challenge, make_user):
    challenge = make_challenge("completed", title="Dreamscapes")
    winner = make_user()
    row = Payout(challenge=challenge, user=winner, place=1, amount=Decimal("100.00"),
                 currency="USD", status="pending")
    db.session.add(row)
    db.session.commit()
    return row


def test_a_winner_sees_their_payout_status(client, login, payout):
    login(client, payout.user)
    page = client.get(f"/u/{payout.user.username}").get_data(as_text=True)
    status = text_of(page[page.index('data-testid="payouts"'):])
    assert "Dreamscapes" in status and "$100.00" in status and "Pending" in status

    payout.status = "paid"
    db.session.commit()
    page = client.get(f"/u/{payout.user.username}").get_data(as_text=True)
    assert "Paid" in text_of(page[page.index('data-testid="payouts"'):])


def test_an_editor_sees_a_winners_payout_status(client, login, make_user, payout):
    login(client, make_user(role=Role.EDITOR))
    page = client.get(f"/u/{payout.user.username}").get_data(as_text=True)
    assert 'data-testid="payouts"' in page


@pytest.mark.parametrize("who", ["visitor", "other member"])
def test_nobody_else_sees_a_payout(client, login, make_user, payout, who):
    if who != "visitor":
        login(client, make_user())
    page = client.get(f"/u/{payout.user.username}").get_data(as_text=True)
    assert 'data-testid="payouts"' not in page and "$100.00" not in page


def test_home_shows_the_artwork_of_the_challenge_in_voting(client, frozen_clock,
                                                           make_challenge, make_user):
    challenge = make_challenge("active", title="Dreamscapes")
    for n in range(3):
        submit(challenge, make_user(), title=f"Piece {n}", image_url=f"https://img.example/{n}.png")
    move_to_phase(challenge, "voting")

    page = client.get("/").get_data(as_text=True)
    showcase = page[page.index('data-testid="showcase"'):]
    assert "Dreamscapes" in showcase
    for n in range(3):
        assert f'src="https://img.example/{n}.png"' in showcase and f"Piece {n}" in showcase


def test_home_artwork_costs_the_same_queries_for_2_or_6_entries(client, frozen_clock,
                                                                make_challenge, make_user,
                                                                sql_statements):
    def queries_with(entries: int) -> int:
        challenge = make_challenge("active")
        for n in range(entries):
            submit(challenge, make_user(), title=f"P{n}")
        move_to_phase(challenge, "completed")
        sql_statements.clear()
        page = client.get("/").get_data(as_text=True)
        assert page.count('class="art-card"') == entries
        return len(sql_statements)

    two = queries_with(2)
    frozen_clock.advance(seconds=1)
    assert queries_with(6) == two
