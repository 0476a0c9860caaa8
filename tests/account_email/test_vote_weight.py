"""Votes of unverified accounts count with UNVERIFIED_VOTE_WEIGHT (SPEC §4: 0.5), verified
ones with VERIFIED_VOTE_WEIGHT (1); ``votes.vote_weight`` is the one rule."""

from __future__ import annotations

from datetime import timedelta

import pytest

from challenges.account_email.jobs import reweigh_votes
from challenges.clock import utcnow
from challenges.config import load_config
from challenges.extensions import db
from challenges.leaderboard.live import board_for_page
from challenges.models import User
from challenges.services.votes import vote_weight
from tests.core.helpers import redis_board, sql_truth, submit, vote

from .helpers import link_in, only_message_to


def vote_through_the_page(client, entry):
    response = client.post_form(
        f"/challenges/{entry.challenge.slug}/submissions/{entry.id}/vote")
    assert response.status_code == 302


@pytest.fixture
def entry(make_challenge, make_user):
    return submit(make_challenge("active"), make_user())


def test_an_unverified_members_vote_counts_half_and_a_verified_members_counts_one(
        app, entry, make_user, login):
    """RELIABILITY #7: what covers vote-ring abuse today (vote weights, disqualification
    recomputes)."""
    for verified in (False, True):
        client = app.test_client()
        login(client, make_user(is_verified=verified))
        vote_through_the_page(client, entry)
    db.session.refresh(entry)
    assert entry.vote_count == 2
    assert entry.counted_votes == 1.5
    assert sorted(v.weight for v in entry.votes) == [0.5, 1.0]


def test_verifying_reweighs_votes_where_voting_is_open_and_the_board_follows(
        app, client, smtp_server, make_challenge, make_user, login, frozen_clock, redis_client):
    """SPEC §4: a vote's weight changes only through a recompute that the member's
    verification triggers; votes in challenges whose voting closed keep their weight."""
    closing = submit(make_challenge("active", voting_deadline=frozen_clock.now + timedelta(
        days=2), ends_at=frozen_clock.now + timedelta(days=2)), make_user())
    open_ = submit(make_challenge("active"), make_user())
    later = submit(open_.challenge, make_user())
    board_for_page(open_.challenge, None, utcnow())  # built: changes are written to Redis
    member = make_user(is_verified=False)
    login(client, member)
    vote_through_the_page(client, closing)
    vote_through_the_page(client, open_)
    client.post_form("/account/verify/resend")
    link = link_in(only_message_to(smtp_server, member.email), "/account/verify/")

    frozen_clock.advance(days=2, hours=1)  # the first challenge's voting has closed
    assert client.get(link).status_code == 200
    db.session.expire_all()
    assert (closing.counted_votes, open_.counted_votes) == (0.5, 1.0)
    assert [v.weight for v in open_.votes] == [1.0]
    assert redis_board(redis_client, open_.challenge)[open_.user_id] == 1.0
    assert redis_board(redis_client, open_.challenge) == {
        user_id: counted for user_id, counted, _ in sql_truth(open_.challenge)}

    vote_through_the_page(client, later)
    db.session.refresh(later)
    assert later.counted_votes == 1.0


def test_reweighing_twice_changes_nothing(app, entry, make_user):
    member = make_user(is_verified=False)
    vote(entry, member)
    member.is_verified = True
    db.session.commit()
    assert reweigh_votes(member.id) == 1
    assert reweigh_votes(member.id) == 0
    db.session.refresh(entry)
    assert entry.counted_votes == 1.0


@pytest.mark.parametrize(("verified", "expected"), [(True, 1.5), (False, 0.25)])
def test_vote_weight_is_the_setting_for_the_voters_state(verified, expected):
    now = utcnow()
    voter = User(username="v", email="v@example.com", password_hash="x", is_verified=verified,
                 is_flagged=False, created_at=now - timedelta(days=2))
    assert vote_weight(voter, now, verified_weight=1.5, unverified_weight=0.25).weight == expected


def test_the_default_weights_are_one_and_a_half(monkeypatch):
    monkeypatch.delenv("VERIFIED_VOTE_WEIGHT", raising=False)
    monkeypatch.delenv("UNVERIFIED_VOTE_WEIGHT", raising=False)
    config = load_config({"SECRET_KEY": "test"})
    assert (config["VERIFIED_VOTE_WEIGHT"], config["UNVERIFIED_VOTE_WEIGHT"]) == (1.0, 0.5)


@pytest.mark.parametrize("weight", ["0.3", "0", "-0.5", "10.25", "nan"])
def test_an_unverified_vote_weight_off_the_quarter_grid_is_refused(monkeypatch, weight):
    monkeypatch.setenv("UNVERIFIED_VOTE_WEIGHT", weight)
    with pytest.raises(ValueError, match="UNVERIFIED_VOTE_WEIGHT"):
        load_config({"SECRET_KEY": "test"})


@pytest.mark.parametrize("weight", ["0.25", "0.5", "1"])
def test_an_unverified_vote_weight_on_the_quarter_grid_is_accepted(monkeypatch, weight):
    monkeypatch.setenv("UNVERIFIED_VOTE_WEIGHT", weight)
    assert load_config({"SECRET_KEY": "test"})["UNVERIFIED_VOTE_WEIGHT"] == float(weight)
