"""A vote's rewards after the vote (issue 14): the ledger rows follow in their own short
transaction after the vote commits, exactly once through the compare-and-set on
``challenge_votes.rewarded_at`` and the ledger keys; a crash in between is repaired by the sweep
job; the voter's points follow within a second (the settle job: ``test_settle_job.py``)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import func, select

from challenges import transactions
from challenges.clock import utcnow
from challenges.extensions import db
from challenges.leaderboard.store import day_start
from challenges.models import ChallengeVote, LedgerEntry, Role, User
from challenges.services.api_tokens import create_token
from challenges.services.entries import reinstate_entry
from challenges.services.vote_rewards import SWEEP_GRACE, settle_now, sweep_unrewarded
from challenges.services.votes import cast_vote, withdraw_vote
from challenges.transactions import commit_with_retry
from jobs.settle import sweep_vote_rewards

from ..api.conftest import bearer
from ..core.helpers import submit, vote
from ..rewards.helpers import disqualify, grants, points
from ..support.concurrency import run_concurrently

VOTE_KEYS = re.compile(r"^(vote-received|vote-received-reversal|vote-reward):")


def vote_keys() -> Counter[str]:
    """Every vote-related ledger key, with how many rows carry it (each must be 1)."""
    db.session.expire_all()
    keys = db.session.scalars(select(LedgerEntry.idempotency_key)).all()
    return Counter(key for key in keys if VOTE_KEYS.match(key))


def vote_crashing_after_commit(entry, voter) -> ChallengeVote:
    """Commit a vote as the service does, but drop its follow-up, as a process dying between
    the vote's commit and its rewards would."""
    config = current_app.config
    cast_vote(entry.id, voter, utcnow(), verified_weight=config["VERIFIED_VOTE_WEIGHT"],
              unverified_weight=config["UNVERIFIED_VOTE_WEIGHT"])
    db.session.info.pop(transactions._PENDING_RELEASE_KEY)  # the crash: no follow-up runs
    db.session.commit()
    return db.session.scalars(select(ChallengeVote).where(
        ChallengeVote.submission_id == entry.id, ChallengeVote.voter_id == voter.id)).one()


def token_of(user: User) -> str:
    _, raw = create_token(user, "tests", utcnow())
    db.session.commit()
    return raw


def rewarded_at(vote_id) -> object:
    db.session.expire_all()
    return db.session.scalar(select(ChallengeVote.rewarded_at).where(ChallengeVote.id == vote_id))


def test_the_vote_page_returns_with_the_voters_points_already_granted(
        app, client, login, make_challenge, make_user):
    """With RQ inline (the tests' setting) the settle job runs in the vote's own request,
    after its commit and before the response, so the balance read right after the response has
    them (in production a worker runs it: ``test_settle_job.py``, ``make bench-mixed``)."""
    challenge, author, voter = make_challenge("active"), make_user(), make_user()
    entry = submit(challenge, author)
    login(client, voter)

    response = client.post_form(f"/challenges/{challenge.slug}/submissions/{entry.id}/vote")

    assert response.status_code == 302
    assert points(voter) == 5
    assert points(author) == 50 + 2
    vote_row = db.session.scalars(select(ChallengeVote)).one()
    assert vote_row.rewarded_at is not None
    assert set(vote_keys().values()) == {1}
    profile = client.get(f"/u/{voter.username}").get_data(as_text=True)
    assert re.search(r'data-testid="points">5<', profile), profile[:2000]


def test_the_json_api_vote_gets_the_same_follow_up(app, client, make_challenge, make_user):
    """The service registers the follow-up, not the view: the API's vote earns the same."""
    challenge, author, voter = make_challenge("active"), make_user(), make_user()
    entry = submit(challenge, author)

    response = client.post(f"/api/challenges/{challenge.slug}/vote/{entry.id}/",
                           headers=bearer(token_of(voter)))

    assert response.status_code in (200, 201), response.get_data(as_text=True)
    assert points(voter) == 5
    assert points(author) == 50 + 2


def test_a_crash_between_the_vote_and_its_rewards_is_repaired_by_the_sweep_once(
        app, frozen_clock, make_challenge, make_user):
    challenge, author, voter = make_challenge("active"), make_user(), make_user()
    entry = submit(challenge, author)
    crashed = vote_crashing_after_commit(entry, voter)
    assert crashed.rewarded_at is None
    assert (points(voter), points(author)) == (0, 50)

    # A vote this young is its own request's to settle: the sweep leaves it.
    assert sweep_vote_rewards() == {"settled": 0}
    assert rewarded_at(crashed.id) is None

    frozen_clock.advance(SWEEP_GRACE + timedelta(seconds=1))
    assert sweep_vote_rewards() == {"settled": 1}  # the scheduler's job
    assert sweep_vote_rewards() == {"settled": 0}  # run twice = once
    assert settle_now(crashed.id) is False  # a late follow-up finds it settled
    assert (points(voter), points(author)) == (5, 50 + 2)
    assert set(vote_keys().values()) == {1}
    # The rows carry the vote's own time (the daily cap counts the vote's day).
    moments = db.session.scalars(select(LedgerEntry.created_at).where(
        LedgerEntry.reason.in_(("vote_reward", "vote_received")))).all()
    assert moments == [crashed.created_at] * 2


def test_a_vote_swept_the_next_day_counts_against_its_own_days_cap(
        app, frozen_clock, make_challenge, make_user):
    """Yesterday's crashed vote, settled after 00:00 UTC (by the settle job today's first vote
    queued: it takes every vote waiting) when the voter earns today's 20 rewards, still earns
    its reward under yesterday's cap."""
    midnight = day_start(frozen_clock.now) + timedelta(days=1)
    frozen_clock.set(midnight - timedelta(seconds=5))
    challenge = make_challenge("active", max_submissions_per_user=30)
    author, voter = make_user(), make_user()
    entries = [submit(challenge, author, title=f"E{i}") for i in range(21)]
    crashed = vote_crashing_after_commit(entries[0], voter)
    frozen_clock.set(midnight + timedelta(minutes=1))
    for entry in entries[1:]:
        vote(entry, voter)

    assert points(voter) == 21 * 5
    assert rewarded_at(crashed.id) is not None
    assert sweep_unrewarded(utcnow()) == 0
    key = db.session.scalar(select(LedgerEntry.idempotency_key).where(
        LedgerEntry.reason == "vote_reward", LedgerEntry.submission_id == entries[0].id))
    assert key == f"vote-reward:{voter.id}:{(midnight - timedelta(days=1)).date()}:1"
    assert crashed.id


def test_an_entry_disqualified_before_its_votes_rewards_keeps_nothing_and_a_reinstatement_restores(
        app, frozen_clock, make_challenge, make_user):
    """The author's grant and its reversal come together, as if the rewards had come first;
    the reinstatement then gives the points back (the family it re-grants from exists)."""
    challenge, author, voter = make_challenge("active"), make_user(), make_user()
    editor = make_user(role=Role.EDITOR)
    entry = submit(challenge, author)
    crashed = vote_crashing_after_commit(entry, voter)
    disqualify(entry, editor)

    frozen_clock.advance(SWEEP_GRACE + timedelta(seconds=1))
    assert sweep_unrewarded(utcnow()) == 1
    assert grants(author, "vote_received", "vote_received_reversal") == [
        ("vote_received", 2), ("vote_received_reversal", -2)]
    assert points(voter) == 5  # voters keep theirs (SPEC §6)

    commit_with_retry(lambda: reinstate_entry(entry.id, editor, utcnow()))
    assert sum(amount for _, amount in grants(author, "vote_received",
                                                "vote_received_reversal")) == 2
    assert crashed.id


@pytest.mark.postgres_only
def test_concurrent_follow_ups_of_one_vote_grant_once(app, make_challenge, make_user):
    """The request's follow-up, a retry and sweeps at once: one settles, the ledger has each
    key once."""
    challenge, author, voter = make_challenge("active"), make_user(), make_user()
    entry = submit(challenge, author)
    vote_id = vote_crashing_after_commit(entry, voter).id

    settled = run_concurrently(app, lambda _: settle_now(vote_id), 8)

    assert sorted(settled) == [False] * 7 + [True], settled
    assert (points(voter), points(author)) == (5, 50 + 2)
    assert vote_keys() == Counter({f"vote-received:{vote_id}": 1,
                                   f"vote-reward:{voter.id}:{day_start(utcnow()).date()}:1": 1})


@pytest.mark.postgres_only
def test_a_withdrawal_racing_the_follow_up_leaves_the_author_nothing(
        app, make_challenge, make_user):
    """Twenty rounds of "withdraw the vote while its rewards are being granted": whichever
    goes first, the author holds 0 for the vote (the withdrawal waits for the rewards and
    reverses them, or deleted the row first and nothing is granted). No deadlock, no error."""
    challenge, author = make_challenge("active"), make_user()
    entry = submit(challenge, author)
    voters = [make_user() for _ in range(20)]
    for voter in voters:
        vote_id = vote_crashing_after_commit(entry, voter).id
        voter_id = voter.id

        def race(i: int, vote_id=vote_id, voter_id=voter_id) -> object:
            if i == 0:
                return settle_now(vote_id)
            member = db.session.get(User, voter_id)
            return commit_with_retry(lambda: withdraw_vote(entry.id, member, utcnow())).changed

        outcomes = run_concurrently(app, race, 2)
        assert not any(isinstance(o, BaseException) for o in outcomes), outcomes
        assert outcomes[1] is True

    assert points(author) == 50  # the entry's submit only: every vote's 2 points net 0
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(ChallengeVote)) == 0
    assert set(vote_keys().values()) <= {1}


@pytest.mark.postgres_only
def test_the_daily_cap_holds_under_30_concurrent_votes_of_one_voter(
        app, frozen_clock, make_challenge, make_user):
    """RELIABILITY #4 with the rewards after the vote: 30 votes of one voter at once on 30
    entries earn exactly 20 rewards today, and every author is paid for every vote."""
    challenge = make_challenge("active", max_submissions_per_user=30)
    author, voter = make_user(), make_user()
    entries = [submit(challenge, author, title=f"E{i}") for i in range(30)]
    voter_id, targets = voter.id, [e.id for e in entries]
    config = app.config

    def cast(i: int) -> bool:
        member = db.session.get(User, voter_id)
        return commit_with_retry(lambda: cast_vote(
            targets[i], member, utcnow(), verified_weight=config["VERIFIED_VOTE_WEIGHT"],
            unverified_weight=config["UNVERIFIED_VOTE_WEIGHT"])).changed

    outcomes = run_concurrently(app, cast, len(targets))

    assert outcomes == [True] * len(targets), outcomes
    assert points(voter_id) == 20 * 5
    assert points(author) == 30 * 50 + 30 * 2
    today = day_start(frozen_clock.now).date()
    assert {k for k in vote_keys() if k.startswith("vote-reward:")} == {
        f"vote-reward:{voter_id}:{today}:{slot}" for slot in range(1, 21)}
    assert set(vote_keys().values()) == {1}
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(ChallengeVote).where(
        ChallengeVote.rewarded_at.is_(None))) == 0


@pytest.mark.postgres_only
def test_fifty_concurrent_votes_write_every_ledger_key_once(app, make_challenge, make_user):
    """50 members vote on one entry at once: every vote is settled, each ledger key is written
    once, the author is paid 50 times."""
    challenge, author = make_challenge("active"), make_user()
    entry = submit(challenge, author)
    voter_ids = [make_user().id for _ in range(50)]
    config = app.config

    def cast(i: int) -> bool:
        member = db.session.get(User, voter_ids[i])
        return commit_with_retry(lambda: cast_vote(
            entry.id, member, utcnow(), verified_weight=config["VERIFIED_VOTE_WEIGHT"],
            unverified_weight=config["UNVERIFIED_VOTE_WEIGHT"])).changed

    outcomes = run_concurrently(app, cast, 50)

    assert outcomes == [True] * 50, outcomes
    keys = vote_keys()
    assert set(keys.values()) == {1}
    assert sum(1 for k in keys if k.startswith("vote-received:")) == 50
    assert sum(1 for k in keys if k.startswith("vote-reward:")) == 50
    assert points(author) == 50 + 50 * 2
    assert all(points(voter_id) == 5 for voter_id in voter_ids)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(ChallengeVote).where(
        ChallengeVote.rewarded_at.is_(None))) == 0
