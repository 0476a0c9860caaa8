"""SPEC §10 and STYLE ("the API and the HTML view share the service"): one scenario played through
the HTML forms on one setup and through the JSON API on an identical one ends in the same
outcomes, step by step, and in the same database state."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from challenges.extensions import db
from challenges.models import (
    ChallengeSubmission,
    ChallengeVote,
    LedgerEntry,
    User,
    WeeklyChallenge,
)

from .conftest import bearer

GOOD = {"image_url": "https://img.example/dream.png", "image_alt_text": "A purple dream"}
# (actor, action, argument, the API's code for the outcome); "deadline" moves the clock.
SCENARIO: list[tuple[str, str, str, str]] = [
    ("author", "submit", "First", "ok"),
    ("author", "submit_invalid", "No link", "validation_failed"),
    ("author", "submit", "Second", "ok"),
    # At the limit the refusal comes before any field is checked (submission_refusal).
    ("author", "submit", "Third", "submission_limit_reached"),
    ("voter", "vote", "First", "ok"),
    ("voter", "vote", "First", "ok"),  # voting again changes nothing
    ("author", "vote", "First", "self_vote"),
    ("voter", "vote", "Second", "ok"),
    ("voter", "unvote", "Second", "ok"),
    ("voter", "submit", "Voter's own", "ok"),
    ("author", "vote", "Voter's own", "ok"),
    ("-", "deadline", "", ""),
    ("voter", "vote", "Second", "voting_closed"),
    ("voter", "unvote", "First", "voting_closed"),
    ("author", "submit", "Too late", "submissions_closed"),
]


@dataclass
class World:
    challenge: WeeklyChallenge
    users: dict[str, User]

    def entry_id(self, title: str) -> str:
        return str(db.session.scalar(select(ChallengeSubmission.id).where(
            ChallengeSubmission.challenge_id == self.challenge.id,
            ChallengeSubmission.title == title)))


def make_world(make_challenge, make_user, tag: str) -> World:
    challenge = make_challenge("active", slug=f"parity-{tag}", max_submissions_per_user=2)
    return World(challenge, {"author": make_user(f"author-{tag}"),
                             "voter": make_user(f"voter-{tag}")})


def entry_fields(action: str, title: str) -> dict[str, str]:
    return {"title": title} if action == "submit_invalid" else {"title": title, **GOOD}


class HtmlPlayer:
    """Plays steps through the forms, as a browser without JavaScript does."""

    def __init__(self, app: Flask, world: World, login: Any) -> None:
        self.world = world
        self.clients = {}
        for role, user in world.users.items():
            self.clients[role] = app.test_client()
            login(self.clients[role], user)

    def play(self, actor: str, action: str, title: str) -> tuple[str, ...]:
        client = self.clients[actor]
        slug = self.world.challenge.slug
        if action in ("submit", "submit_invalid"):
            response = client.post_form(f"/challenges/{slug}/submit",
                                        {**entry_fields(action, title), "project_id": ""})
        else:
            response = client.post_form(
                f"/challenges/{slug}/submissions/{self.world.entry_id(title)}/{action}")
        with client.session_transaction() as session:
            flashes = session.pop("_flashes", [])
        errors = [message for category, message in flashes if category == "error"]
        if response.status_code == 422:
            return ("invalid",)
        assert response.status_code == 302, response.status_code
        return ("error", errors[0]) if errors else ("ok",)


class ApiPlayer:
    """Plays the same steps through the JSON API with each member's token."""

    def __init__(self, app: Flask, world: World, make_token: Any) -> None:
        self.world = world
        self.client = app.test_client()
        self.auth = {role: bearer(make_token(user)) for role, user in world.users.items()}
        self.codes: list[str] = []

    def play(self, actor: str, action: str, title: str) -> tuple[str, ...]:
        slug = self.world.challenge.slug
        headers = self.auth[actor]
        if action in ("submit", "submit_invalid"):
            response = self.client.post(f"/api/challenges/{slug}/submit/",
                                        json=entry_fields(action, title), headers=headers)
        else:
            method = self.client.post if action == "vote" else self.client.delete
            response = method(f"/api/challenges/{slug}/vote/{self.world.entry_id(title)}/",
                              headers=headers)
        body = response.get_json()
        if response.status_code < 300:
            self.codes.append("ok")
            return ("ok",)
        self.codes.append(body["error"]["code"])
        if response.status_code == 422:
            return ("invalid",)
        return ("error", body["error"]["message"])


def play(player: Any, clock: Any, start: datetime, deadline: datetime) -> list[tuple[str, ...]]:
    clock.set(start)
    outcomes = []
    for actor, action, title, _ in SCENARIO:
        if action == "deadline":
            clock.set(deadline)
            continue
        outcomes.append(player.play(actor, action, title))
    return outcomes


def state(world: World) -> dict[str, Any]:
    """The world's rows with ids replaced by roles and titles, so two worlds compare."""
    db.session.expire_all()
    role = {user.id: name for name, user in world.users.items()}
    challenge = db.session.get(WeeklyChallenge, world.challenge.id)
    entries = db.session.scalars(select(ChallengeSubmission).where(
        ChallengeSubmission.challenge_id == challenge.id)).all()
    title = {e.id: e.title for e in entries}
    votes = db.session.scalars(select(ChallengeVote).where(
        ChallengeVote.challenge_id == challenge.id)).all()
    ledger = db.session.scalars(select(LedgerEntry).where(
        LedgerEntry.user_id.in_(list(role)))).all()
    users = {name: db.session.get(User, user.id) for name, user in world.users.items()}
    return {
        "entries": sorted((role[e.user_id], e.title, e.slot, e.entry_number, e.vote_count,
                           e.counted_votes, e.is_withdrawn, e.is_disqualified) for e in entries),
        "votes": sorted((role[v.voter_id], title[v.submission_id], v.weight) for v in votes),
        "counters": (challenge.submission_count, challenge.participant_count,
                     challenge.total_votes, challenge.entries_created),
        "ledger_rows": Counter((role[row.user_id], row.reason, row.currency, row.amount,
                                title.get(row.submission_id)) for row in ledger),
        "ledger_by_reason": Counter((role[row.user_id], row.reason) for row in ledger),
        "balances": {name: (u.points_balance, u.tokens_balance) for name, u in users.items()},
    }


def ledger_sums(world_state: dict[str, Any]) -> dict[tuple[str, str], int]:
    sums: dict[tuple[str, str], int] = {}
    for (who, reason, _currency, amount, _title), count in world_state["ledger_rows"].items():
        sums[(who, reason)] = sums.get((who, reason), 0) + amount * count
    return sums


@pytest.fixture
def worlds(make_challenge, make_user, frozen_clock):
    frozen_clock.set(frozen_clock.now.replace(hour=12, minute=0, second=0))  # one UTC day
    return (make_world(make_challenge, make_user, "html"),
            make_world(make_challenge, make_user, "api"))


def test_the_html_views_and_the_api_agree_step_by_step_and_in_the_database(
        app, worlds, frozen_clock, login, make_token):
    """RELIABILITY #2: a vote for one's own entry is refused and leaves no row."""
    html_world, api_world = worlds
    start = frozen_clock.now
    deadline = html_world.challenge.voting_deadline + timedelta(minutes=1)
    assert api_world.challenge.voting_deadline + timedelta(minutes=1) == deadline

    html_outcomes = play(HtmlPlayer(app, html_world, login), frozen_clock, start, deadline)
    api_player = ApiPlayer(app, api_world, make_token)
    api_outcomes = play(api_player, frozen_clock, start, deadline)

    steps = [step for step in SCENARIO if step[1] != "deadline"]
    assert api_player.codes == [code for *_, code in steps], "the API's stable codes"
    for step, from_html, from_api in zip(steps, html_outcomes, api_outcomes, strict=True):
        assert from_html == from_api, (step, from_html, from_api)

    html_state, api_state = state(html_world), state(api_world)
    assert html_state == api_state
    # And the state is the one the scenario means, not just the same on both sides.
    assert [e[:3] for e in api_state["entries"]] == [
        ("author", "First", 1), ("author", "Second", 2), ("voter", "Voter's own", 1)]
    assert api_state["votes"] == [("author", "Voter's own", 1.0), ("voter", "First", 1.0)]
    assert api_state["counters"] == (3, 2, 2, 3)
    sums = ledger_sums(api_state)
    assert sums == {
        ("author", "submit"): 100, ("voter", "submit"): 50,
        ("voter", "vote_reward"): 10,  # First and Second; withdrawing keeps the reward
        ("author", "vote_reward"): 5,
        ("author", "vote_received"): 4, ("author", "vote_received_reversal"): -2,
        ("voter", "vote_received"): 2,
    }
