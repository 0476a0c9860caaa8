"""SPEC §6, one test per row of the points table (and per reversal), then the prizes JSON.

Amounts are asserted on the cached balance and on the ledger rows; the autouse check in
``tests/conftest.py`` then proves after every test that each balance equals its ledger sum.
"""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from challenges.clock import utcnow
from challenges.errors import NotFound, SelfVote, SubmissionLimitReached
from challenges.extensions import db
from challenges.leaderboard.store import day_start
from challenges.models import ChallengeSubmission, Role, User
from challenges.services.entries import reinstate_entry
from challenges.services.points import DEFAULT_POINTS
from challenges.transactions import commit_with_retry

from ..core.helpers import submit, unvote, vote
from .helpers import (
    count_reason,
    disqualify,
    feature,
    final_ranks,
    finalize,
    grants,
    payouts,
    points,
    tokens,
    withdraw,
)


def test_default_point_values_are_the_spec_table():
    assert DEFAULT_POINTS == {
        "submit": 50, "early_bird": 25, "vote": 5, "vote_received": 2, "featured": 100,
        "first_place": 500, "second_place": 300, "third_place": 200, "top_10": 100,
        "daily_vote_rewards": 20,
    }


# --- submit entry: 50, per entry, up to the max; reversed if withdrawn -------------------------


def test_submit_entry_earns_50_per_entry_up_to_the_max(make_challenge, make_user):
    challenge = make_challenge("active", max_submissions_per_user=2)
    author = make_user()
    submit(challenge, author, title="One")
    submit(challenge, author, title="Two")
    with pytest.raises(SubmissionLimitReached):
        submit(challenge, author, title="Three")
    assert points(author) == 100
    assert grants(author) == [("submit", 50), ("submit", 50)]


def test_submit_entry_is_reversed_when_the_entry_is_withdrawn(make_challenge, make_user):
    challenge = make_challenge("active", max_submissions_per_user=2)
    author = make_user()
    first = submit(challenge, author, title="One")
    submit(challenge, author, title="Two")
    withdraw(first)
    assert points(author) == 50
    with pytest.raises(NotFound):  # withdrawing again: it is gone; nothing is reversed twice
        withdraw(first)
    assert grants(author) == [("submit", 50), ("submit", 50), ("submit_reversal", -50)]
    # The freed slot takes a new entry, which earns its own 50.
    submit(challenge, author, title="Three")
    assert points(author) == 100


# --- early bird: 25, once per user per challenge, first entry within 24 h of starts_at ---------


def test_early_bird_earns_25_once_per_user_per_challenge(frozen_clock, make_challenge, make_user):
    start = frozen_clock.now - timedelta(hours=1)
    challenge = make_challenge("active", starts_at=start, max_submissions_per_user=3)
    author = make_user()
    first = submit(challenge, author, title="First")
    assert points(author) == 75
    submit(challenge, author, title="Second")  # within 24 h again, but not a first entry
    assert points(author) == 125
    withdraw(first)
    submit(challenge, author, title="Third")  # withdrawing the first does not re-open it
    assert count_reason(author, "early_bird") == 1
    assert points(author) == 125

    other = make_challenge("active", starts_at=start)
    submit(other, author)  # another challenge: another early bird
    assert count_reason(author, "early_bird") == 2


def test_early_bird_is_reversed_when_the_last_live_entry_is_withdrawn(frozen_clock,
                                                                      make_challenge, make_user):
    """SPEC §3: withdrawing reverses the early bird only once no live entry of that user
    remains; withdrawing again, or another entry later, never reverses it twice."""
    start = frozen_clock.now - timedelta(hours=1)
    challenge = make_challenge("active", starts_at=start, max_submissions_per_user=3)
    author = make_user()
    first = submit(challenge, author, title="First")
    second = submit(challenge, author, title="Second")
    withdraw(first)  # "Second" is still live: the early bird stays
    assert grants(author, "early_bird", "early_bird_reversal") == [("early_bird", 25)]
    withdraw(second)  # none left: it goes
    assert grants(author, "early_bird", "early_bird_reversal") == [
        ("early_bird", 25), ("early_bird_reversal", -25)]
    assert points(author) == 0
    third = submit(challenge, author, title="Third")  # once per challenge: not earned again
    withdraw(third)
    assert count_reason(author, "early_bird_reversal") == 1
    assert points(author) == 0


def test_early_bird_up_to_but_not_after_24_hours(frozen_clock, make_challenge, make_user):
    start = frozen_clock.now
    challenge = make_challenge("active", starts_at=start)
    earned = {}
    for label, offset in (("23h59m59s", timedelta(hours=24, seconds=-1)),
                          ("24h", timedelta(hours=24)),
                          ("25h", timedelta(hours=25))):
        frozen_clock.set(start + offset)
        user = make_user()
        submit(challenge, user)
        earned[label] = points(user)
    assert earned == {"23h59m59s": 75, "24h": 50, "25h": 50}


def test_early_bird_goes_to_the_first_entry_only(frozen_clock, make_challenge, make_user):
    """A first entry after 24 h earns no early bird, and nothing later can."""
    start = frozen_clock.now - timedelta(hours=30)
    challenge = make_challenge("active", starts_at=start)
    author = make_user()
    submit(challenge, author, title="Late")
    submit(challenge, author, title="Later")
    assert grants(author, "early_bird") == []


# --- vote on others: 5; 20 rewarded votes per voter per UTC day; once per (voter, entry) ever ----


@pytest.fixture
def entries(make_challenge, make_user):
    """30 entries by one author in an active challenge."""
    challenge = make_challenge("active", max_submissions_per_user=30)
    author = make_user()
    return [submit(challenge, author, title=f"Entry {i}") for i in range(30)]


def test_vote_on_others_earns_5(make_challenge, make_user):
    challenge = make_challenge("active")
    author, voter = make_user(), make_user()
    entry = submit(challenge, author)
    own = submit(challenge, voter)
    vote(entry, voter)
    with pytest.raises(SelfVote):
        vote(own, voter)
    assert grants(voter, "vote_reward") == [("vote_reward", 5)]
    assert points(voter) == 50 + 5


def test_vote_on_others_is_rewarded_at_most_20_times_per_utc_day(frozen_clock, entries,
                                                                 make_user):
    """RELIABILITY #4: at most 20 rewarded votes a UTC day, reset at 00:00 UTC."""
    voter = make_user()
    for entry in entries[:25]:
        vote(entry, voter)
    assert points(voter) == 20 * 5
    # Unvoting gives no reward back, and voting again earns nothing: the day's 20 are used.
    for entry in entries[:25]:
        unvote(entry, voter)
    for entry in entries[:25]:
        vote(entry, voter)
    assert points(voter) == 20 * 5
    # The cap resets at 00:00 UTC: new entries are rewarded again; the 20 already rewarded never.
    frozen_clock.set(day_start(frozen_clock.now) + timedelta(days=1))
    for entry in entries[:20]:
        unvote(entry, voter)
        vote(entry, voter)
    assert points(voter) == 20 * 5
    for entry in entries[20:]:
        unvote(entry, voter)
        vote(entry, voter)
    assert points(voter) == 30 * 5
    assert count_reason(voter, "vote_reward") == 30


def test_vote_on_others_is_rewarded_at_most_once_per_voter_and_entry_ever(
    frozen_clock, make_challenge, make_user
):
    """RELIABILITY #6: however often a vote is toggled, its reward is paid once, ever."""
    entry = submit(make_challenge("active"), make_user())
    voter = make_user()
    for _ in range(3):
        vote(entry, voter)
        unvote(entry, voter)
        frozen_clock.advance(days=1)  # not even a new day re-opens it
    vote(entry, voter)
    assert grants(voter) == [("vote_reward", 5)]


def test_no_vote_unvote_sequence_earns_more(frozen_clock, entries, make_user):
    """Random vote/unvote sequences (over two UTC days): the voter earns 5 per distinct entry
    ever voted, at most 20 a day; the author holds 2 per vote standing at the end."""
    rng = random.Random(20240601)
    voter = make_user()
    author_id = entries[0].user_id
    voted: set[int] = set()
    rewarded_per_day: dict[object, set[int]] = {}
    ever_rewarded: set[int] = set()
    for step in range(160):
        if step == 80:
            frozen_clock.set(day_start(frozen_clock.now) + timedelta(days=1, minutes=1))
        i = rng.randrange(26)
        if i in voted and rng.random() < 0.6:
            unvote(entries[i], voter)
            voted.discard(i)
        else:
            vote(entries[i], voter)
            if i not in voted and i not in ever_rewarded:
                today = rewarded_per_day.setdefault(frozen_clock.now.date(), set())
                if len(today) < 20:
                    today.add(i)
                    ever_rewarded.add(i)
            voted.add(i)
    assert points(voter) == 5 * len(ever_rewarded)
    assert all(len(day) <= 20 for day in rewarded_per_day.values())
    assert points(author_id) == 50 * len(entries) + 2 * len(voted)


# --- receive vote: 2 per counted vote; reversed when withdrawn or voided -----------------------


@pytest.fixture
def voted_entry(make_challenge, make_user):
    """An entry (its author has nothing else) with three votes."""
    entry = submit(make_challenge("active"), make_user())
    voters = [make_user() for _ in range(3)]
    for voter in voters:
        vote(entry, voter)
    return entry, voters


def test_receive_vote_earns_2_per_counted_vote(voted_entry):
    entry, _ = voted_entry
    assert points(entry.user_id) == 50 + 3 * 2
    assert grants(entry.user_id, "vote_received") == [("vote_received", 2)] * 3


def test_receive_vote_is_reversed_when_the_vote_is_withdrawn(voted_entry):
    entry, voters = voted_entry
    unvote(entry, voters[0])
    unvote(entry, voters[0])  # twice changes nothing
    assert points(entry.user_id) == 50 + 2 * 2
    assert grants(entry.user_id, "vote_received_reversal") == [("vote_received_reversal", -2)]
    vote(entry, voters[0])  # the vote counts again, and so do its 2 points
    assert points(entry.user_id) == 50 + 3 * 2
    assert points(voters[0]) == 5  # the voter's reward stays once


def test_receive_vote_is_voided_when_the_entry_is_disqualified_voters_keep_theirs(
    voted_entry, make_user
):
    entry, voters = voted_entry
    editor = make_user(role=Role.EDITOR)
    disqualify(entry, editor)
    disqualify(entry, editor, "Another reason")  # again: nothing more is reversed
    assert points(entry.user_id) == 50
    assert grants(entry.user_id, "vote_received_reversal") == [("vote_received_reversal", -2)] * 3
    assert [points(v) for v in voters] == [5, 5, 5]


def test_receive_vote_points_come_back_when_the_entry_is_reinstated(voted_entry, make_user):
    """Reinstating undoes the disqualification: each vote's 2 points again, once per step;
    a second disqualification takes them again, with rows of its own."""
    entry, voters = voted_entry
    editor = make_user(role=Role.EDITOR)

    def reinstate():
        commit_with_retry(lambda: reinstate_entry(entry.id, editor, utcnow()))

    disqualify(entry, editor)
    reinstate()
    reinstate()  # again: nothing more
    assert points(entry.user_id) == 50 + 3 * 2
    assert count_reason(entry.user_id, "vote_received") == 6
    disqualify(entry, editor)
    assert points(entry.user_id) == 50
    assert count_reason(entry.user_id, "vote_received_reversal") == 6
    assert [points(v) for v in voters] == [5, 5, 5]


def test_a_vote_withdrawn_after_a_reinstatement_is_reversed_once(voted_entry, make_user):
    entry, voters = voted_entry
    editor = make_user(role=Role.EDITOR)
    disqualify(entry, editor)
    commit_with_retry(lambda: reinstate_entry(entry.id, editor, utcnow()))
    unvote(entry, voters[0])
    assert points(entry.user_id) == 50 + 2 * 2
    withdraw(entry)  # the other two votes' points go; the withdrawn one is not taken twice
    assert points(entry.user_id) == 0


def test_receive_vote_is_reversed_when_the_entry_is_withdrawn(voted_entry):
    entry, voters = voted_entry
    unvote(entry, voters[0])  # already reversed once: must not be reversed twice
    withdraw(entry)
    assert points(entry.user_id) == 0
    assert len(grants(entry.user_id, "vote_received_reversal")) == 3
    assert [points(v) for v in voters] == [5, 5, 5]


# --- featured pick: 100, once per entry -------------------------------------------------------


def test_featured_pick_earns_100_once_per_entry(frozen_clock, make_challenge, make_user):
    challenge = make_challenge("active")
    author, editor = make_user(), make_user(role=Role.EDITOR)
    entry = submit(challenge, author)
    other = submit(challenge, author, title="Other")
    feature(entry, editor)
    feature(entry, editor, on=False)
    feature(entry, editor)
    assert points(author) == 2 * 50 + 100
    feature(other, editor)  # another entry is another pick
    assert points(author) == 2 * 50 + 200
    frozen_clock.set(challenge.voting_deadline)
    finalize(challenge)  # finalization grants featured picks too, under the same key
    assert count_reason(author, "featured") == 2


def test_featured_pick_is_reversed_when_the_entry_is_withdrawn(make_challenge, make_user):
    challenge = make_challenge("active", max_submissions_per_user=2)
    author, editor = make_user(), make_user(role=Role.EDITOR)
    entry = submit(challenge, author)
    kept = submit(challenge, author, title="Kept")
    feature(entry, editor)
    feature(kept, editor)
    withdraw(entry)
    assert grants(author, "featured", "featured_reversal") == [
        ("featured", 100), ("featured", 100), ("featured_reversal", -100)]
    assert points(author) == 50 + 100


# --- places: 500 / 300 / 200 and 100 for places 4-10, by leaderboard rank ----------------------


def test_places_1st_2nd_3rd_earn_500_300_200_and_top_10_earns_100(
    frozen_clock, make_challenge, make_user
):
    """Twelve authors; ties at the 3rd/4th/5th and the 9th/10th/11th places are broken by the
    earlier first entry (SPEC §5), which decides who gets 200 vs 100 and 100 vs nothing. A
    disqualified entry with the most votes and a withdrawn one are not ranked."""
    challenge = make_challenge("active")
    editor = make_user(role=Role.EDITOR)
    votes_wanted = [3, 5, 5, 8, 1, 1, 2, 4, 5, 7, 0, 1]  # author i's entry is entry number i+1
    authors = [make_user(username=f"author{i + 1}") for i in range(len(votes_wanted))]
    entries = [submit(challenge, author) for author in authors]
    cheater = make_user(username="cheater")
    cheat = submit(challenge, cheater)
    quitter = make_user(username="quitter")
    quit_entry = submit(challenge, quitter)
    voters = [make_user() for _ in range(9)]
    for entry, wanted in zip(entries, votes_wanted, strict=True):
        for voter in voters[:wanted]:
            vote(entry, voter)
    for voter in voters:
        vote(cheat, voter)
    vote(quit_entry, voters[0])
    disqualify(cheat, editor)
    withdraw(quit_entry)
    before = {a.id: points(a) for a in authors}

    frozen_clock.set(challenge.voting_deadline)
    result = finalize(challenge)
    assert result["ranked"] == len(authors)

    order = ["author4", "author10", "author2", "author3", "author9", "author8", "author1",
             "author7", "author5", "author6", "author12", "author11"]
    by_name = {a.username: a.id for a in authors}
    assert final_ranks(challenge.id) == {by_name[name]: i for i, name in enumerate(order, 1)}
    expected = dict.fromkeys(order, 0) | {
        "author4": 500, "author10": 300, "author2": 200,
        **dict.fromkeys(["author3", "author9", "author8", "author1", "author7", "author5",
                         "author6"], 100),
    }
    earned = {a.username: points(a) - before[a.id] for a in authors}
    assert earned == expected
    assert grants(by_name["author4"], "place", "top_10") == [("place", 500)]
    assert grants(by_name["author3"], "place", "top_10") == [("top_10", 100)]
    assert grants(cheater, "place", "top_10") == grants(quitter, "place", "top_10") == []
    db.session.expire_all()
    assert db.session.get(ChallengeSubmission, cheat.id).final_rank is None
    assert db.session.get(ChallengeSubmission, quit_entry.id).final_rank is None


# --- per-challenge overrides ------------------------------------------------------------------


def test_point_values_follow_the_challenge_points_config(frozen_clock, make_challenge, make_user):
    config = {"submit": 10, "early_bird": 4, "vote": 1, "vote_received": 3, "featured": 7,
              "first_place": 1000, "second_place": 600, "third_place": 400, "top_10": 50,
              "daily_vote_rewards": 2}
    challenge = make_challenge("active", starts_at=frozen_clock.now - timedelta(hours=1),
                               points_config=config)
    plain = make_challenge("active")  # the defaults still hold elsewhere
    authors = [make_user() for _ in range(4)]
    entries = [submit(challenge, a) for a in authors]
    voter, editor = make_user(), make_user(role=Role.EDITOR)
    for entry in entries[:3]:
        vote(entry, voter)
    feature(entries[0], editor)
    assert points(voter) == 2 * 1  # only two rewarded votes a day here
    assert [points(a) for a in authors] == [14 + 3 + 7, 14 + 3, 14 + 3, 14]

    # A challenge's cap bounds the voter's rewards of the day when voting there: elsewhere the
    # default 20 still applies to the same daily count.
    vote(submit(plain, make_user()), voter)
    assert points(voter) == 2 * 1 + 5

    frozen_clock.set(challenge.voting_deadline)
    finalize(challenge)
    assert [points(a) for a in authors] == [24 + 1000, 17 + 600, 17 + 400, 14 + 50]


def test_a_zero_override_grants_nothing_and_finalization_still_runs(
    frozen_clock, make_challenge, make_user
):
    """0 is a valid override ("this activity earns nothing here"): no ledger row is written for
    it (a ledger amount is never 0), at vote time or at finalization."""
    zero = dict.fromkeys(DEFAULT_POINTS, 0)
    challenge = make_challenge("active", starts_at=frozen_clock.now, points_config=zero)
    authors = [make_user() for _ in range(4)]
    entries = [submit(challenge, a) for a in authors]
    voter, editor = make_user(), make_user(role=Role.EDITOR)
    vote(entries[0], voter)
    feature(entries[1], editor)
    frozen_clock.set(challenge.voting_deadline)
    result = finalize(challenge)
    assert result["ranked"] == 4 and result["ledger_rows"] == 0
    assert [points(u) for u in (*authors, voter)] == [0] * 5
    assert all(grants(u) == [] for u in (*authors, voter))


# --- prizes: participation, voting reward, token places, cash places ---------------------------


def test_participation_tokens_for_everyone_with_a_non_disqualified_entry(
    frozen_clock, make_challenge, make_user
):
    challenge = make_challenge(
        "active", prizes={"participation": {"type": "tokens", "amount": 10}})
    editor = make_user(role=Role.EDITOR)
    one, two_entries, half_out, all_out, withdrew, voter_only = (make_user() for _ in range(6))
    submit(challenge, one)
    submit(challenge, two_entries, title="A")
    submit(challenge, two_entries, title="B")
    disqualify(submit(challenge, half_out, title="Bad"), editor)
    submit(challenge, half_out, title="Good")
    disqualify(submit(challenge, all_out), editor)
    withdraw(submit(challenge, withdrew))
    vote(submit(challenge, make_user()), voter_only)

    frozen_clock.set(challenge.voting_deadline)
    finalize(challenge)
    assert {u: tokens(u) for u in (one, two_entries, half_out, all_out, withdrew, voter_only)} == {
        one: 10, two_entries: 10, half_out: 10, all_out: 0, withdrew: 0, voter_only: 0}
    assert grants(two_entries, "participation") == [("participation", 10)]


def test_voting_reward_tokens_for_voting_on_min_votes_entries(
    frozen_clock, make_challenge, make_user
):
    default = make_challenge("active", prizes={
        "voting_reward": {"type": "tokens", "amount": 1000}})  # min_votes defaults to 10
    custom = make_challenge("active", prizes={
        "voting_reward": {"type": "tokens", "amount": 7, "min_votes": 2}})
    entries = [submit(default, make_user()) for _ in range(11)]
    ten, nine, took_back = make_user(), make_user(), make_user()
    for entry in entries[:10]:
        vote(entry, ten)
    for entry in entries[:9]:
        vote(entry, nine)
    for entry in entries:
        vote(entry, took_back)
    unvote(entries[0], took_back)
    unvote(entries[1], took_back)  # 9 votes stand
    small = [submit(custom, make_user()) for _ in range(2)]
    both, one = make_user(), make_user()
    for entry in small:
        vote(entry, both)
    vote(small[0], one)

    frozen_clock.set(default.voting_deadline)
    finalize(default)
    finalize(custom)
    assert [tokens(u) for u in (ten, nine, took_back, both, one)] == [1000, 0, 0, 7, 0]
    assert grants(ten, "voting_reward") == [("voting_reward", 1000)]


def test_token_place_prizes_go_to_the_ledger_and_cash_prizes_become_pending_payouts(
    frozen_clock, make_challenge, make_user
):
    challenge = make_challenge("active", prizes={
        "1st": {"type": "cash", "amount": 100, "currency": "USD"},
        "2nd": {"type": "tokens", "amount": 500000},
        "3rd": {"type": "cash", "amount": "25.50", "currency": "EUR"},
        "4th": {"type": "tokens", "amount": 1000},
        "5th": {"type": "cash", "amount": 5},
    })
    first, second, third, fourth = (make_user() for _ in range(4))
    entries = {u: submit(challenge, u) for u in (first, second, third, fourth)}
    voters = [make_user() for _ in range(3)]
    for user, wanted in ((first, 3), (second, 2), (third, 1)):
        for voter in voters[:wanted]:
            vote(entries[user], voter)

    frozen_clock.set(challenge.voting_deadline)
    result = finalize(challenge)
    assert result["payouts"] == 2
    assert [tokens(u) for u in (first, second, third, fourth)] == [0, 500000, 0, 1000]
    assert grants(second, "prize") == [("prize", 500000)]
    # Cash for 1st and 3rd; nobody holds 5th, so no payout for it.
    assert payouts(challenge.id) == [
        (1, first.id, "100.00", "USD", "pending"),
        (3, third.id, "25.50", "EUR", "pending"),
    ]
    db.session.expire_all()
    assert db.session.get(User, first.id).points_balance == 50 + 3 * 2 + 500
