"""The settle job grants a batch of votes' rewards in one short transaction (issue 14): the
entries, the vote rows and the users locked in id order, each vote's rewards as if settled on
its own (the voter's daily cap counts them in the order they were cast), and one failing vote
holds back no other."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from challenges.clock import utcnow
from challenges.extensions import db
from challenges.leaderboard.live import board_for_page
from challenges.leaderboard.store import day_start
from challenges.models import ChallengeVote, LedgerEntry, User, WeeklyChallenge
from challenges.notifications.inbox import InAppNotification
from challenges.services.vote_rewards import settle_batch, sweep_unrewarded
from challenges.services.votes import withdraw_vote
from challenges.transactions import commit_with_retry

from ..core.helpers import submit, vote
from ..rewards.helpers import points
from ..support.concurrency import run_concurrently
from .test_vote_rewards import vote_crashing_after_commit, vote_keys


def commits_during(work):
    """Run ``work()`` and return (its result, how many transactions the session committed)."""
    commits: list[object] = []

    def count(session) -> None:
        commits.append(session)

    event.listen(db.session(), "after_commit", count)
    try:
        return work(), len(commits)
    finally:
        event.remove(db.session(), "after_commit", count)


def waiting_votes() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(ChallengeVote).where(
        ChallengeVote.rewarded_at.is_(None)))


def test_a_batch_settles_its_votes_in_one_transaction(app, frozen_clock, make_challenge,
                                                      make_user):
    """Three voters, two authors, one vote withdrawn before its rewards: one commit, every
    remaining vote paid once, nothing for the withdrawn one."""
    challenge = make_challenge("active")
    authors = [make_user(), make_user()]
    entries = [submit(challenge, author) for author in authors]
    voters = [make_user() for _ in range(3)]
    ids = []
    for voter in voters:
        for entry in entries:
            frozen_clock.advance(timedelta(seconds=1))
            ids.append(vote_crashing_after_commit(entry, voter).id)
    withdrawn = ids.pop()  # the last voter takes back their vote on the second entry
    commit_with_retry(lambda: withdraw_vote(entries[1].id, voters[2], utcnow()))

    settled, commits = commits_during(lambda: settle_batch([*ids, withdrawn]))

    assert (settled, commits) == (5, 1)
    assert waiting_votes() == 0
    assert [points(v) for v in voters] == [10, 10, 5]
    assert [points(a) for a in authors] == [50 + 3 * 2, 50 + 2 * 2]
    assert f"vote-received:{withdrawn}" not in vote_keys()
    assert set(vote_keys().values()) == {1}
    assert settle_batch(ids) == 0  # settled already: the compare-and-set lets none through


def test_a_batchs_notifications_are_added_in_one_transaction(app, make_challenge, make_user):
    """Three first votes on three entries: each author is told (the bell's "first vote"), and
    the whole batch took two commits, its rewards' and its notifications' (was two per vote)."""
    challenge = make_challenge("active")
    authors = [make_user() for _ in range(3)]
    entries = [submit(challenge, author) for author in authors]
    voter = make_user()
    ids = [vote_crashing_after_commit(entry, voter).id for entry in entries]
    commits: list[object] = []

    def count(session) -> None:
        commits.append(session)

    event.listen(Session, "after_commit", count)  # every session: the bell's job has its own
    try:
        assert settle_batch(ids) == 3
    finally:
        event.remove(Session, "after_commit", count)

    assert len(commits) == 2
    db.session.expire_all()
    told = db.session.scalars(select(InAppNotification.key).where(
        InAppNotification.kind == "first_vote")).all()
    assert sorted(told) == sorted(f"first-vote:{entry.id}" for entry in entries)


def test_the_daily_cap_counts_a_batch_in_the_order_its_votes_were_cast(
        app, frozen_clock, make_challenge, make_user):
    """22 votes of one voter waiting in one batch: the first 20 cast earn the reward, in slots
    1 to 20; every author is paid."""
    frozen_clock.set(day_start(frozen_clock.now) + timedelta(hours=1))
    challenge = make_challenge("active", max_submissions_per_user=30)
    author, voter = make_user(), make_user()
    entries = [submit(challenge, author, title=f"E{i}") for i in range(22)]
    ids = []
    for entry in entries:
        frozen_clock.advance(timedelta(seconds=1))
        ids.append(vote_crashing_after_commit(entry, voter).id)

    assert settle_batch(list(reversed(ids))) == 22

    assert points(voter) == 20 * 5
    assert points(author) == 22 * 50 + 22 * 2
    rewarded = set(db.session.scalars(select(LedgerEntry.submission_id).where(
        LedgerEntry.reason == "vote_reward")))
    assert rewarded == {entry.id for entry in entries[:20]}  # the first 20 cast, not 20 any
    today = day_start(frozen_clock.now).date()
    keys = vote_keys()
    assert {k for k in keys if k.startswith("vote-reward:")} == {
        f"vote-reward:{voter.id}:{today}:{slot}" for slot in range(1, 21)}


def test_one_failing_vote_holds_back_no_other(app, frozen_clock, make_challenge, make_user,
                                              caplog):
    """A vote whose rewards cannot be computed (a challenge's points setting broken in the
    database, bypassing the admin's validation) stays waiting, logged, for the sweep; the
    batch's other votes are settled one by one."""
    good, broken = make_challenge("active"), make_challenge("active")
    author, voters = make_user(), [make_user() for _ in range(3)]
    good_entry, broken_entry = submit(good, author), submit(broken, author)
    ids = [vote_crashing_after_commit(good_entry, voter).id for voter in voters]
    bad = vote_crashing_after_commit(broken_entry, voters[0]).id
    db.session.execute(update(WeeklyChallenge).where(WeeklyChallenge.id == broken.id)
                       .values(points_config={"vote_received": "two"}))
    db.session.commit()

    with caplog.at_level(logging.WARNING):
        settled = settle_batch([*ids, bad])

    assert settled == 3
    assert waiting_votes() == 1
    assert points(author) == 2 * 50 + 3 * 2
    assert "one by one" in caplog.text and str(bad) in caplog.text


@pytest.mark.postgres_only
def test_batches_racing_each_other_and_withdrawals_pay_each_vote_once(
        app, frozen_clock, make_challenge, make_user):
    """The settle job and two sweeps take overlapping batches while three voters withdraw
    votes in them: no error, no deadlock, every ledger key once, and the authors hold 2 points
    for each vote that stayed."""
    challenge = make_challenge("active")
    authors = [make_user() for _ in range(4)]
    entries = [submit(challenge, author) for author in authors]
    voters = [make_user() for _ in range(6)]
    for voter in voters:
        for entry in entries:
            vote_crashing_after_commit(entry, voter)
    frozen_clock.advance(timedelta(minutes=1))  # old enough for the sweep
    ids = sorted(db.session.scalars(select(ChallengeVote.id)).all())
    voter_ids = [v.id for v in voters]

    def race(i: int) -> object:
        if i < 3:  # the job and two sweeps, each from a different end of the queue
            return (settle_batch(ids) if i == 0 else
                    settle_batch(list(reversed(ids))) if i == 1 else sweep_unrewarded(utcnow()))
        member = db.session.get(User, voter_ids[i - 3])
        return commit_with_retry(lambda: withdraw_vote(entries[i % 4].id, member,
                                                       utcnow())).changed

    outcomes = run_concurrently(app, race, 6)

    assert not any(isinstance(o, BaseException) for o in outcomes), outcomes
    assert outcomes[3:] == [True, True, True]
    assert sum(outcomes[:3]) <= len(ids)
    assert waiting_votes() == 0
    assert set(vote_keys().values()) == {1}
    db.session.expire_all()
    stayed = Counter(db.session.scalars(select(ChallengeVote.submission_id)).all())
    assert sum(stayed.values()) == len(ids) - 3
    for author, entry in zip(authors, entries, strict=True):
        assert points(author) == 50 + 2 * stayed[entry.id]


def test_votes_for_one_author_in_a_batch_tell_whom_each_passed(app, make_challenge,
                                                                make_user):
    """The author's board score is read once, after the batch: each vote's "passed" window is
    that score less the batch's later votes for them. The climber (entered last: loses ties)
    goes 0 -> 1 -> 2 -> 3 in one batch: the second vote passes A (on 1), the third B (on 2);
    both are told, not B alone."""
    challenge = make_challenge("active")
    climber, a, b = make_user(), make_user(), make_user()
    entry_b, entry_a = submit(challenge, b), submit(challenge, a)
    mine = submit(challenge, climber)
    voters = [make_user() for _ in range(3)]
    board_for_page(challenge, None, utcnow())  # the board in Redis, as a page load builds it
    db.session.rollback()
    vote(entry_b, voters[0])
    vote(entry_b, voters[1])  # B on 2
    vote(entry_a, voters[0])  # A on 1: nobody passed anybody so far
    ids = [vote_crashing_after_commit(mine, voter).id for voter in voters]  # climber on 3

    assert settle_batch(ids) == 3

    db.session.expire_all()
    told = set(db.session.scalars(select(InAppNotification.user_id).where(
        InAppNotification.kind == "passed")))
    assert told == {a.id, b.id}
