"""Voting (SPEC §4): one upvote per voter and entry, withdrawable while voting is open."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.attributes import set_committed_value

from ..errors import EntryNotVotable, LoginRequired, SelfVote, VotingClosed
from ..extensions import db
from ..leaderboard.updates import lock_board, publish_entry_change
from ..models import ChallengeSubmission, ChallengeVote, User
from ..phase import accepts_votes
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


def check_can_vote(entry: ChallengeSubmission, voter: User | None, now: datetime) -> User:
    """The one rule for "may this user vote on this entry now?" (HTML, API and tests use it)."""
    if voter is None or not getattr(voter, "is_authenticated", False):
        raise LoginRequired("Log in to vote.")
    challenge = entry.challenge
    if not challenge.allow_voting or not accepts_votes(challenge, now):
        raise VotingClosed()
    if entry.user_id == voter.id:
        raise SelfVote()
    if not entry.counts:
        raise EntryNotVotable()
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
            ChallengeSubmission.is_withdrawn.is_(False),
            ChallengeSubmission.is_disqualified.is_(False),
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
    publish_entry_change(entry, version, now)
    rewards.vote_cast(vote, entry, entry.challenge, now)
    return VoteOutcome(entry, voted=True, changed=True)


def withdraw_vote(submission_id: uuid.UUID, voter: User | None, now: datetime) -> VoteOutcome:
    """Take an upvote back while voting is open. Withdrawing twice changes nothing."""
    if voter is None or not getattr(voter, "is_authenticated", False):
        raise LoginRequired("Log in to vote.")
    entry = get_entry(submission_id, voter)
    if not entry.challenge.allow_voting or not accepts_votes(entry.challenge, now):
        raise VotingClosed()
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
    publish_entry_change(entry, version, now)
    rewards.vote_withdrawn(removed.id, entry, now)
    return VoteOutcome(entry, voted=False, changed=True)


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
