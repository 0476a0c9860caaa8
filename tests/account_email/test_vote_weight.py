"""Votes of unverified accounts count with UNVERIFIED_VOTE_WEIGHT (SPEC §4: 0.5), verified
ones with VERIFIED_VOTE_WEIGHT (1); ``votes.vote_weight`` is the one rule."""

from __future__ import annotations

import pytest

from challenges.config import load_config
from challenges.extensions import db
from challenges.models import User
from challenges.services.votes import vote_weight
from tests.core.helpers import submit

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
    for verified in (False, True):
        client = app.test_client()
        login(client, make_user(is_verified=verified))
        vote_through_the_page(client, entry)
    db.session.refresh(entry)
    assert entry.vote_count == 2
    assert entry.counted_votes == 1.5
    assert sorted(v.weight for v in entry.votes) == [0.5, 1.0]


def test_votes_after_verifying_count_in_full(app, client, smtp_server, entry, make_user,
                                             login, make_challenge):
    member = make_user(is_verified=False)
    login(client, member)
    vote_through_the_page(client, entry)
    client.post_form("/account/verify/resend")
    assert client.get(link_in(only_message_to(smtp_server, member.email),
                              "/account/verify/")).status_code == 200
    later = submit(entry.challenge, make_user())
    vote_through_the_page(client, later)
    db.session.refresh(entry)
    db.session.refresh(later)
    assert (entry.counted_votes, later.counted_votes) == (0.5, 1.0)  # a cast vote keeps its weight


@pytest.mark.parametrize(("verified", "expected"), [(True, 1.5), (False, 0.25)])
def test_vote_weight_is_the_setting_for_the_voters_state(verified, expected):
    voter = User(username="v", email="v@example.com", password_hash="x", is_verified=verified)
    assert vote_weight(voter, verified_weight=1.5, unverified_weight=0.25) == expected


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
