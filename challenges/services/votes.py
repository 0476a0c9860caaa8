"""Voting (SPEC §4): one upvote per voter and entry, withdrawable while voting is open."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.attributes import set_committed_value

from ..errors import EntryNotVotable, LoginRequired, Refusal, SelfVote, VotingClosed
from ..extensions import db
from ..leaderboard.store import BoardUpdate
from ..leaderboard.updates import lock_board, member_value, publish_after_commit, submission_value
from ..models import ChallengeStatus, ChallengeSubmission, ChallengeVote, User, WeeklyChallenge
from ..phase import accepts_votes, phase_at
from . import rewards
from .entries import get_entry


@dataclass(frozen=True)
class VoteOutcome:
    """What happened: ``changed`` is False when the vote (or its absence) was already so."""

    entry: ChallengeSubmission
    voted: bool
    changed: bool


def vote_weight(voter: User) -> float:
    """What a vote counts for on the leaderboard: 1, or the configured weight if verified."""
    if voter.is_verified:
        return float(current_app.config["VERIFIED_VOTE_WEIGHT"])
    return 1.0


def voting_refusal(challenge: WeeklyChallenge, now: datetime) -> Refusal | None:
    """The one rule for "is voting open in this challenge now?": why nobody may vote (or take a
    vote back), or None while they may. Pages say it once above a gallery."""
    if not challenge.allow_voting:
        return VotingClosed("Voting is turned off for this challenge.")
    if accepts_votes(challenge, now):
        return None
    phase = phase_at(challenge, now)
    if phase == ChallengeStatus.UPCOMING:
        return VotingClosed("Voting opens when the challenge starts.")
    if phase == ChallengeStatus.COMPLETED:
        return VotingClosed("Voting has closed for this challenge.")
    return VotingClosed()


def unvote_refusal(entry: ChallengeSubmission, voter: User | None,
                   now: datetime) -> Refusal | None:
    """Why this user may not take back a vote on this entry now, or None: while voting is open
    a member may always withdraw (withdrawing a vote they never cast changes nothing)."""
    if (closed := voting_refusal(entry.challenge, now)) is not None:
        return closed
    if voter is None or not voter.is_authenticated:
        return LoginRequired("Log in to vote.")
    return None


def vote_refusal(entry: ChallengeSubmission, voter: User | None, now: datetime) -> Refusal | None:
    """The one rule for "may this user vote on this entry now?": the reason they may not, or
    None. ``cast_vote`` raises it; the pages disable the vote button and show its message."""
    # Whatever forbids taking a vote back forbids casting one.
    if (refusal := unvote_refusal(entry, voter, now)) is not None:
        return refusal
    assert voter is not None
    if entry.user_id == voter.id:
        return SelfVote()
    if not entry.counts:
        return EntryNotVotable()
    return None


def vote_refusals(entries: list[ChallengeSubmission], voter: User | None,
                  now: datetime) -> dict[uuid.UUID, Refusal | None]:
    """``vote_refusal`` for each entry of a gallery page, by entry id."""
    return {entry.id: vote_refusal(entry, voter, now) for entry in entries}


def check_can_vote(entry: ChallengeSubmission, voter: User | None, now: datetime) -> User:
    """Raise ``vote_refusal``'s reason, if any; the voter otherwise."""
    if (refusal := vote_refusal(entry, voter, now)) is not None:
        raise refusal
    assert voter is not None
    return voter


def cast_vote(submission_id: uuid.UUID, voter: User | None, now: datetime) -> VoteOutcome:
    """Upvote an entry. Voting again changes nothing (the unique constraint decides races)."""
    entry = get_entry(submission_id, voter)
    voter = check_can_vote(entry, voter, now)
    insert = (postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert)(
        ChallengeVote
    )
    vote_id = db.session.execute(
        insert.values(
            id=uuid.uuid4(),
            submission_id=entry.id,
            voter_id=voter.id,
            challenge_id=entry.challenge_id,
            weight=vote_weight(voter),
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["submission_id", "voter_id"])
        .returning(ChallengeVote.id)
    ).scalar()
    if vote_id is None:
        return VoteOutcome(entry, voted=True, changed=False)
    vote = db.session.get(ChallengeVote, vote_id)  # our own row: read it before taking the lock
    assert vote is not None
    # From here to the commit every vote of this challenge waits for us: keep it short.
    version = lock_board(entry.challenge_id, total_votes=1)
    totals = db.session.execute(
        update(ChallengeSubmission)
        .where(
            ChallengeSubmission.id == entry.id,
            ChallengeSubmission.counts,
        )
        .values(
            vote_count=ChallengeSubmission.vote_count + 1,
            counted_votes=ChallengeSubmission.counted_votes + vote.weight,
        )
        .returning(ChallengeSubmission.vote_count, ChallengeSubmission.counted_votes)
    ).first()
    if totals is None:  # withdrawn or disqualified while we were voting
        raise EntryNotVotable()
    # The new counts, as the UPDATE returned them (no second SELECT of the row).
    set_committed_value(entry, "vote_count", totals.vote_count)
    set_committed_value(entry, "counted_votes", totals.counted_votes)
    _publish(entry, version, now)
    rewards.vote_cast(vote, entry, entry.challenge, now)
    return VoteOutcome(entry, voted=True, changed=True)


def withdraw_vote(submission_id: uuid.UUID, voter: User | None, now: datetime) -> VoteOutcome:
    """Take an upvote back while voting is open. Withdrawing twice changes nothing."""
    entry = get_entry(submission_id, voter)
    if (refusal := unvote_refusal(entry, voter, now)) is not None:
        raise refusal
    assert voter is not None
    removed = db.session.execute(
        delete(ChallengeVote)
        .where(ChallengeVote.submission_id == entry.id, ChallengeVote.voter_id == voter.id)
        .returning(ChallengeVote.id, ChallengeVote.weight)
    ).first()
    if removed is None:
        return VoteOutcome(entry, voted=False, changed=False)
    version = lock_board(entry.challenge_id, total_votes=-1)
    db.session.execute(
        update(ChallengeSubmission)
        .where(ChallengeSubmission.id == entry.id)
        .values(
            vote_count=ChallengeSubmission.vote_count - 1,
            counted_votes=ChallengeSubmission.counted_votes - removed.weight,
        )
    )
    db.session.refresh(entry)
    _publish(entry, version, now)
    rewards.vote_withdrawn(removed.id, entry, now)
    return VoteOutcome(entry, voted=False, changed=True)


def _publish(entry: ChallengeSubmission, version: int, now: datetime) -> None:
    """Queue the Redis write of ``entry``'s new totals (the caller has them current)."""
    publish_after_commit(
        BoardUpdate(entry.challenge_id, version, now.date(),
                    members=[member_value(entry.challenge_id, entry.user_id, now)],
                    submissions=[submission_value(entry.id, entry.counted_votes,
                                                  entry.entry_number, entry.counts)])
    )


def has_voted(submission_ids: list[uuid.UUID], voter_id: int | None) -> set[uuid.UUID]:
    """Which of these entries ``voter_id`` has upvoted (one query for a whole gallery page)."""
    if voter_id is None or not submission_ids:
        return set()
    return set(
        db.session.scalars(
            select(ChallengeVote.submission_id).where(
                ChallengeVote.voter_id == voter_id,
                ChallengeVote.submission_id.in_(submission_ids),
            )
        )
    )


def votes_cast(challenge_id: uuid.UUID, voter_id: int) -> int:
    return db.session.scalar(
        select(func.count()).where(
            ChallengeVote.challenge_id == challenge_id, ChallengeVote.voter_id == voter_id
        )
    ) or 0
