"""Vote rings (issue 13 acceptance, RELIABILITY #7): many new accounts from one network voting
for one member within an hour are flagged by the job; voiding them puts the board back to what
it was without them (equal to the SQL standings, to a rebuild, and to a control challenge that
never had those votes); restoring brings them back; rewards follow."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import func, select

from challenges.clock import utcnow
from challenges.errors import Conflict, EditorOnlyAction
from challenges.extensions import db, get_redis
from challenges.leaderboard.live import board_for_page
from challenges.leaderboard.rebuild import rebuild
from challenges.models import (
    ChallengeSubmission,
    ChallengeVote,
    LedgerEntry,
    Role,
    VoteRingFlag,
    VoteRingFlagVote,
)
from challenges.services.votes import cast_vote, network_hash
from challenges.transactions import commit_with_retry
from challenges.trust.rings import RingSettings, record_rings, restore_flag, void_flag
from jobs.trust import detect_vote_rings
from tests.core.helpers import redis_board, redis_order, sql_truth, submit, unvote

MINUTE = timedelta(minutes=1)


def vote_from(entry, voter, address: str):
    """Vote as the view does, from ``address`` (the view hashes the request's address)."""
    config = current_app.config
    return commit_with_retry(lambda: cast_vote(
        entry.id, voter, utcnow(), verified_weight=config["VERIFIED_VOTE_WEIGHT"],
        unverified_weight=config["UNVERIFIED_VOTE_WEIGHT"],
        network=network_hash(address, config["SECRET_KEY"])))


def received_points(challenge, user) -> int:
    return db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
        LedgerEntry.challenge_id == challenge.id, LedgerEntry.user_id == user.id,
        LedgerEntry.reason.in_(("vote_received", "vote_received_reversal")))) or 0


def standings(challenge) -> list[tuple[int, float]]:
    return [(user_id, votes) for user_id, votes, _first in sql_truth(challenge)]


@pytest.fixture
def twin_challenges(frozen_clock, make_challenge, make_user):
    """Two challenges with the same authors, entries and genuine votes (from other networks)."""
    authors = [make_user() for _ in range(3)]
    genuine = [make_user() for _ in range(5)]
    pair = []
    for _ in range(2):
        challenge = make_challenge("active")
        entries = [submit(challenge, author) for author in authors]
        board_for_page(challenge, None, utcnow())  # built: every change is written to Redis
        for i, votes in enumerate((4, 3, 1)):  # genuine: authors[0] leads, authors[2] is last
            for member in genuine[:votes]:
                vote_from(entries[i], member, f"198.51.{i}.{genuine.index(member) + 1}")
        pair.append((challenge, entries))
    return authors, pair


def test_twenty_new_accounts_from_one_24_are_flagged_and_voiding_them_restores_the_board(
        app, frozen_clock, make_user, redis_client, twin_challenges):
    """Issue 13's acceptance and RELIABILITY #7: flagged by the job, and voiding them leaves the
    board equal to the SQL standings, to a rebuild and to a control challenge."""
    authors, [(challenge, entries), (control, _control_entries)] = twin_challenges
    before = redis_board(redis_client, challenge)
    assert before == redis_board(redis_client, control)
    # 20 accounts made in the last hours, verified, each voting from its own address of one
    # /24 for the last-placed member, within 40 minutes.
    ring = [make_user(created_at=utcnow() - timedelta(hours=3)) for _ in range(20)]
    for n, member in enumerate(ring):
        frozen_clock.advance(2 * MINUTE)
        vote_from(entries[2], member, f"203.0.113.{n + 10}")
    assert redis_order(redis_client, challenge)[0] == authors[2].id  # the ring won it
    assert received_points(challenge, authors[2]) == 2 * (1 + 20)

    found = detect_vote_rings()  # the scheduler's job
    assert len(found["flags"]) == 1
    flag = db.session.get(VoteRingFlag, found["flags"][0])
    assert (flag.challenge_id, flag.target_user_id, flag.accounts, flag.status) == (
        challenge.id, authors[2].id, 20, "open")
    assert flag.network_hash == network_hash("203.0.113.1", app.config["SECRET_KEY"])
    assert len(flag.votes) == 20
    assert detect_vote_rings() == {"flags": []}  # idempotent: nothing new the second time

    editor = make_user(role=Role.EDITOR)
    assert commit_with_retry(lambda: void_flag(flag.id, editor, utcnow(), "ring")) == 20
    db.session.expire_all()
    # The board is what it was without them: Redis == SQL == a rebuild == the control.
    assert redis_board(redis_client, challenge) == before
    assert standings(challenge) == list(before.items())
    assert redis_order(redis_client, challenge) == redis_order(redis_client, control)
    assert standings(challenge) == standings(control)
    rebuild(get_redis(), challenge.id, utcnow())
    assert redis_board(redis_client, challenge) == before
    # Raw votes still count every vote; counted ones and the author's points do not.
    entry = db.session.get(ChallengeSubmission, entries[2].id)
    assert (entry.vote_count, entry.counted_votes) == (21, 1.0)
    assert received_points(challenge, authors[2]) == received_points(control, authors[2]) == 2
    assert db.session.get(VoteRingFlag, flag.id).status == "voided"
    # Voiding twice changes nothing.
    assert commit_with_retry(lambda: void_flag(flag.id, editor, utcnow())) == 0

    # Restoring puts back exactly what was cast (0.5 each: the accounts were under a day old).
    assert commit_with_retry(lambda: restore_flag(flag.id, editor, utcnow(), "genuine")) == 20
    db.session.expire_all()
    entry = db.session.get(ChallengeSubmission, entries[2].id)
    assert (entry.vote_count, entry.counted_votes) == (21, 11.0)
    assert redis_order(redis_client, challenge)[0] == authors[2].id
    assert redis_board(redis_client, challenge) == dict(standings(challenge))
    assert received_points(challenge, authors[2]) == 2 * 21


def test_accounts_that_are_not_new_or_spread_over_hours_or_networks_are_not_flagged(
        frozen_clock, make_user, twin_challenges):
    _authors, [(_challenge, entries), _control] = twin_challenges
    settings = RingSettings(min_accounts=5)
    old = [make_user(created_at=utcnow() - timedelta(days=30)) for _ in range(6)]
    for n, member in enumerate(old):  # one /24, within minutes, but old accounts
        vote_from(entries[1], member, f"192.0.2.{n + 1}")
    slow = [make_user(created_at=utcnow() - timedelta(hours=2)) for _ in range(6)]
    for n, member in enumerate(slow):  # new accounts, one /24, but 20 minutes apart
        frozen_clock.advance(20 * MINUTE)
        vote_from(entries[0], member, f"192.0.3.{n + 1}")
    spread = [make_user(created_at=utcnow() - timedelta(hours=1)) for _ in range(6)]
    for n, member in enumerate(spread):  # new, within minutes, but six networks
        vote_from(entries[2], member, f"192.0.{10 + n}.1")
    assert record_rings(utcnow(), settings) == []
    # Five new accounts within the hour is the threshold.
    for n, member in enumerate(make_user(created_at=utcnow()) for _ in range(5)):
        vote_from(entries[0], member, f"192.0.3.{100 + n}")
    assert len(record_rings(utcnow(), settings)) == 1


def test_new_votes_on_a_decided_flag_open_it_again_and_only_add_the_new_ones(
        frozen_clock, make_user, twin_challenges):
    _authors, [(_challenge, entries), _control] = twin_challenges
    editor = make_user(role=Role.EDITOR)
    for n in range(5):
        vote_from(entries[1], make_user(created_at=utcnow()), f"203.0.113.{n + 1}")
    [flag_id] = commit_with_retry(lambda: record_rings(utcnow()))
    commit_with_retry(lambda: void_flag(flag_id, editor, utcnow()))
    vote_from(entries[1], make_user(created_at=utcnow()), "203.0.113.99")
    assert commit_with_retry(lambda: record_rings(utcnow())) == [flag_id]
    flag = db.session.get(VoteRingFlag, flag_id)
    assert (flag.status, len(flag.votes)) == ("open", 6)
    # Voiding again voids only the newcomer.
    assert commit_with_retry(lambda: void_flag(flag_id, editor, utcnow())) == 1


def test_only_editors_decide_and_final_results_are_left_alone(
        frozen_clock, make_user, twin_challenges):
    _authors, [(challenge, entries), _control] = twin_challenges
    for n in range(5):
        vote_from(entries[1], make_user(created_at=utcnow()), f"203.0.113.{n + 1}")
    [flag_id] = commit_with_retry(lambda: record_rings(utcnow()))
    with pytest.raises(EditorOnlyAction):
        void_flag(flag_id, make_user(), utcnow())
    db.session.rollback()
    challenge = db.session.get(type(challenge), challenge.id)
    challenge.finalized_at = utcnow()
    db.session.commit()
    with pytest.raises(Conflict):
        void_flag(flag_id, make_user(role=Role.EDITOR), utcnow())
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ChallengeVote).where(
        ChallengeVote.voided_at.is_not(None))) == 0


def test_a_flag_keeps_its_evidence_when_a_vote_is_withdrawn(frozen_clock, make_user,
                                                              twin_challenges):
    _authors, [(_challenge, entries), _control] = twin_challenges
    members = [make_user(created_at=utcnow()) for _ in range(5)]
    for n, member in enumerate(members):
        vote_from(entries[1], member, f"203.0.113.{n + 1}")
    [flag_id] = commit_with_retry(lambda: record_rings(utcnow()))
    unvote(entries[1], members[0])
    assert db.session.scalar(select(func.count()).select_from(VoteRingFlagVote).where(
        VoteRingFlagVote.flag_id == flag_id)) == 4
