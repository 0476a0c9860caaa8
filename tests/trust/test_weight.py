"""SPEC §4: the one weight function, a test per rule (issue 13), and what a vote stores."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from challenges.clock import utcnow
from challenges.extensions import db
from challenges.models import ChallengeVote
from challenges.services.votes import (
    NEW_ACCOUNT_HOURS,
    VoteWeight,
    WeightReason,
    network_hash,
    network_of,
    vote_weight,
)
from tests.core.helpers import submit, vote

HOUR = timedelta(hours=1)


def voter(make_user, *, age: timedelta, verified: bool = True, flagged: bool = False):
    return make_user(is_verified=verified, is_flagged=flagged, created_at=utcnow() - age)


def test_a_verified_account_older_than_a_day_counts_one(frozen_clock, make_user):
    assert vote_weight(voter(make_user, age=48 * HOUR), utcnow()) == VoteWeight(
        1.0, WeightReason.FULL)


def test_an_unverified_email_counts_half(frozen_clock, make_user):
    assert vote_weight(voter(make_user, age=48 * HOUR, verified=False), utcnow()) == VoteWeight(
        0.5, WeightReason.UNVERIFIED)


def test_a_verified_account_younger_than_a_day_counts_half(frozen_clock, make_user):
    assert vote_weight(voter(make_user, age=2 * HOUR), utcnow()) == VoteWeight(
        0.5, WeightReason.NEW_ACCOUNT)


def test_the_24_hour_boundary_with_the_frozen_clock(frozen_clock, make_user):
    member = voter(make_user, age=timedelta(0))
    frozen_clock.advance(hours=NEW_ACCOUNT_HOURS, seconds=-1)
    assert vote_weight(member, utcnow()).weight == 0.5  # 23:59:59 old
    frozen_clock.advance(seconds=1)
    assert vote_weight(member, utcnow()) == VoteWeight(1.0, WeightReason.FULL)  # exactly 24 h


def test_a_flagged_account_counts_zero_whatever_else_holds(frozen_clock, make_user):
    for verified in (True, False):
        member = voter(make_user, age=400 * 24 * HOUR, verified=verified, flagged=True)
        assert vote_weight(member, utcnow()) == VoteWeight(0.0, WeightReason.FLAGGED)


def test_an_unverified_and_young_account_is_told_about_the_email(frozen_clock, make_user):
    """Verifying is what the member can do now, so that is the reason they read."""
    assert vote_weight(voter(make_user, age=HOUR, verified=False), utcnow()).reason == \
        WeightReason.UNVERIFIED


@pytest.mark.parametrize("verified_weight", [1.0, 0.75])
def test_weights_are_quarter_multiples_between_zero_and_one(frozen_clock, make_user,
                                                           verified_weight):
    for member in (voter(make_user, age=48 * HOUR), voter(make_user, age=HOUR),
                   voter(make_user, age=48 * HOUR, verified=False),
                   voter(make_user, age=48 * HOUR, flagged=True)):
        weight = vote_weight(member, utcnow(), verified_weight, 0.5).weight
        assert 0 <= weight <= 1 and (weight * 4).is_integer()


@pytest.mark.parametrize(("reason", "text"), [
    (WeightReason.UNVERIFIED, "Your vote counts 0.5 until your email is verified."),
    (WeightReason.NEW_ACCOUNT, "your account was less than a day old"),
    (WeightReason.FLAGGED, "doesn't count while your account is under review"),
    (WeightReason.VOIDED, "doesn't count: an editor set it aside"),
])
def test_every_reduced_weight_explains_itself(app, reason, text):
    with app.test_request_context():
        assert text in VoteWeight(0.5 if reason in (WeightReason.UNVERIFIED,
                                                    WeightReason.NEW_ACCOUNT) else 0.0,
                                  reason).explanation()
    with app.test_request_context():
        assert VoteWeight(1.0, WeightReason.FULL).explanation() == ""


def test_a_vote_stores_its_weight_reason_and_what_was_cast(frozen_clock, make_challenge,
                                                           make_user):
    entry = submit(make_challenge("active"), make_user())
    young, flagged = voter(make_user, age=HOUR), voter(make_user, age=48 * HOUR, flagged=True)
    vote(entry, young)
    vote(entry, flagged)
    rows = {v.voter_id: v for v in db.session.query(ChallengeVote)}
    assert (rows[young.id].weight, rows[young.id].cast_weight, rows[young.id].weight_reason) == \
        (0.5, 0.5, "new_account")
    assert (rows[flagged.id].weight, rows[flagged.id].weight_reason) == (0.0, "flagged")
    db.session.refresh(entry)
    assert (entry.vote_count, entry.counted_votes) == (2, 0.5)  # raw counts both


def test_a_flagged_voters_vote_earns_no_points(frozen_clock, make_challenge, make_user):
    author = make_user()
    entry = submit(make_challenge("active"), author)
    before = author.points_balance
    member = voter(make_user, age=48 * HOUR, flagged=True)
    vote(entry, member)
    db.session.refresh(author)
    db.session.refresh(member)
    assert author.points_balance == before
    assert member.points_balance == 0


@pytest.mark.parametrize(("address", "network"), [
    ("203.0.113.77", "203.0.113.0/24"),
    ("::ffff:203.0.113.77", "203.0.113.0/24"),
    ("2001:db8:abcd:12::1", "2001:db8:abcd::/48"),
    ("unknown", None),
])
def test_the_network_is_the_24_or_the_48(address, network):
    assert network_of(address) == network


def test_the_network_hash_is_keyed_and_never_the_address():
    one, two = network_hash("203.0.113.5", "k1"), network_hash("203.0.113.250", "k1")
    assert one == two and len(one) == 64
    assert "203.0.113" not in one and one != network_of("203.0.113.5")
    assert network_hash("203.0.114.5", "k1") != one  # another /24
    assert network_hash("203.0.113.5", "k2") != one  # another key


def test_demo_members_vote_with_full_weight(runner):
    """The demo's members are verified and older than their votes, so every demo vote counts 1
    (the demo's past votes are cast days before the demo is loaded)."""
    assert runner.invoke(args=["demo"]).exit_code == 0
    reasons = set(db.session.scalars(select(ChallengeVote.weight_reason).distinct()))
    assert reasons == {"full"}
