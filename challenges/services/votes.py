"""Voting (SPEC §4): one upvote per voter and entry, withdrawable while voting is open."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.orm.attributes import set_committed_value

from .. import events
from ..errors import EntryNotVotable, LoginRequired, Refusal, SelfVote, VotingClosed
from ..extensions import db
from ..leaderboard.updates import lock_board, publish_entry_change
from ..models import ChallengeStatus, ChallengeSubmission, ChallengeVote, User, WeeklyChallenge
from ..phase import accepts_votes, phase_at
from . import rewards
from .entries import get_entry

# Features' own reasons a member may not vote in a challenge (a judge of it: challenges.judging),
# asked by ``vote_refusal`` after the core's checks pass, so the gallery's disabled button, the
# POST and the API refuse alike. The core never imports a feature: they register at start.
VoterCheck = Callable[[WeeklyChallenge, User], "Refusal | None"]
refusal_checks: list[VoterCheck] = []


def on_vote_check(check: VoterCheck) -> VoterCheck:
    """Ask ``check(challenge, voter)`` in every ``vote_refusal`` once the core allows the vote.
    Registering the same function twice is a no-op (apps are created more than once in tests)."""
    if check not in refusal_checks:
        refusal_checks.append(check)
    return check


@dataclass(frozen=True)
class VoteOutcome:
    """What happened: ``changed`` is False when the vote (or its absence) was already so."""

    entry: ChallengeSubmission
    voted: bool
    changed: bool


def vote_weight(voter: User, verified_weight: float, unverified_weight: float) -> float:
    """The one rule for what a vote counts on the leaderboard (SPEC §4): ``verified_weight``
    (the ``VERIFIED_VOTE_WEIGHT`` setting) once the voter confirmed their email,
    ``unverified_weight`` (``UNVERIFIED_VOTE_WEIGHT``) until then."""
    return float(verified_weight if voter.is_verified else unverified_weight)


def voting_refusal(challenge: WeeklyChallenge, now: datetime) -> Refusal | None:
    """The one rule for "is voting open in this challenge now?": why nobody may vote (or take a
    vote back), or None while they may. Pages say it once above a gallery."""
    if not challenge.allow_voting:
        return VotingClosed(_("Voting is turned off for this challenge."))
    if accepts_votes(challenge, now):
        return None
    phase = phase_at(challenge, now)
    if phase == ChallengeStatus.UPCOMING:
        return VotingClosed(_("Voting opens when the challenge starts."))
    if phase == ChallengeStatus.COMPLETED:
        return VotingClosed(_("Voting has closed for this challenge."))
    return VotingClosed()


def unvote_refusal(entry: ChallengeSubmission, voter: User | None,
                   now: datetime) -> Refusal | None:
    """Why this user may not take back a vote on this entry now, or None: while voting is open
    a member may always withdraw (withdrawing a vote they never cast changes nothing)."""
    if (closed := voting_refusal(entry.challenge, now)) is not None:
        return closed
    if voter is None or not voter.is_authenticated:
        return LoginRequired(_("Log in to vote."))
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
    for check in refusal_checks:
        if (refusal := check(entry.challenge, voter)) is not None:
            return refusal
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


def cast_vote(submission_id: uuid.UUID, voter: User | None, now: datetime, *,
              verified_weight: float = 1.0, unverified_weight: float = 0.5) -> VoteOutcome:
    """Upvote an entry. Voting again changes nothing. The vote counts ``vote_weight``: callers
    pass ``VERIFIED_VOTE_WEIGHT`` and ``UNVERIFIED_VOTE_WEIGHT`` (the defaults are theirs).

    Locks in the one order of docs/decisions.md: the challenge row, then the entry row, then
    the vote row, then users. The vote row goes in only after the entry's lock, because its
    foreign key takes a KEY SHARE lock on the entry, which a withdrawal's FOR UPDATE waits for:
    inserted first, a vote waiting for the challenge lock deadlocked with the withdrawal
    holding it. Whether the vote counts is decided under the challenge lock, which every vote,
    unvote and entry status change of the challenge takes first.
    """
    entry = get_entry(submission_id, voter)
    voter = check_can_vote(entry, voter, now)
    if _voted(entry.id, voter.id):  # voting again: no lock, no write
        return VoteOutcome(entry, voted=True, changed=False)
    weight = vote_weight(voter, verified_weight, unverified_weight)
    # From here to the commit every vote of this challenge waits for us: keep it short.
    version = lock_board(entry.challenge_id)
    totals = db.session.execute(
        update(ChallengeSubmission)
        .where(
            ChallengeSubmission.id == entry.id,
            ChallengeSubmission.counts,
            ~_vote_of(entry.id, voter.id).exists(),
        )
        .values(
            vote_count=ChallengeSubmission.vote_count + 1,
            counted_votes=ChallengeSubmission.counted_votes + weight,
        )
        .returning(ChallengeSubmission.vote_count, ChallengeSubmission.counted_votes)
    ).first()
    if totals is None:
        if _voted(entry.id, voter.id):  # a concurrent request of this voter voted first
            return VoteOutcome(entry, voted=True, changed=False)
        raise EntryNotVotable()  # withdrawn or disqualified while we were voting
    vote = ChallengeVote(id=uuid.uuid4(), submission_id=entry.id, voter_id=voter.id,
                         challenge_id=entry.challenge_id, weight=weight, created_at=now)
    db.session.add(vote)
    db.session.flush()  # no conflict possible: votes come and go only under the challenge lock
    _add_to_total_votes(entry.challenge_id, 1)  # the entry counts: checked under the lock
    # The new counts, as the UPDATE returned them (no second SELECT of the row).
    set_committed_value(entry, "vote_count", totals.vote_count)
    set_committed_value(entry, "counted_votes", totals.counted_votes)
    publish_entry_change(entry, version, now)
    rewards.vote_cast(vote, entry, entry.challenge, now)
    events.publish(events.VoteCast(entry.challenge_id, entry.id, voter.id, entry.user_id))
    return VoteOutcome(entry, voted=True, changed=True)


def withdraw_vote(submission_id: uuid.UUID, voter: User | None, now: datetime) -> VoteOutcome:
    """Take an upvote back while voting is open. Withdrawing twice changes nothing.

    Same lock order as ``cast_vote``: challenge, entry, vote row, users. The vote is read and
    the counters moved under the challenge lock, so an unvote racing the entry's withdrawal
    leaves every counter equal to the vote rows (the vote row goes whatever the entry's state;
    ``total_votes`` moves only if the entry still counts).
    """
    entry = get_entry(submission_id, voter)
    if (refusal := unvote_refusal(entry, voter, now)) is not None:
        raise refusal
    assert voter is not None
    if not _voted(entry.id, voter.id):  # nothing to withdraw: no lock, no write
        return VoteOutcome(entry, voted=False, changed=False)
    version = lock_board(entry.challenge_id)
    removed = db.session.execute(
        select(ChallengeVote.id, ChallengeVote.weight).where(
            ChallengeVote.submission_id == entry.id, ChallengeVote.voter_id == voter.id)
    ).first()
    if removed is None:  # a concurrent unvote of this voter went first
        return VoteOutcome(entry, voted=False, changed=False)
    after = db.session.execute(
        update(ChallengeSubmission)
        .where(ChallengeSubmission.id == entry.id)
        .values(
            vote_count=ChallengeSubmission.vote_count - 1,
            counted_votes=ChallengeSubmission.counted_votes - removed.weight,
        )
        .returning(ChallengeSubmission.vote_count, ChallengeSubmission.counted_votes,
                   ChallengeSubmission.is_withdrawn, ChallengeSubmission.is_disqualified)
    ).one()
    db.session.execute(delete(ChallengeVote).where(ChallengeVote.id == removed.id))
    for name in ("vote_count", "counted_votes", "is_withdrawn", "is_disqualified"):
        set_committed_value(entry, name, getattr(after, name))
    if entry.counts:  # as read under the lock, not as loaded before it
        _add_to_total_votes(entry.challenge_id, -1)
    publish_entry_change(entry, version, now)
    rewards.vote_withdrawn(removed.id, entry, now)
    return VoteOutcome(entry, voted=False, changed=True)


def reweigh_votes(voter: User, now: datetime, *, verified_weight: float = 1.0,
                  unverified_weight: float = 0.5) -> int:
    """Give ``voter``'s votes in challenges still open for voting the weight ``vote_weight``
    gives them now, after their verification changed (SPEC §4: "a recompute that the member's
    verification triggers"); the boards follow. Votes in challenges whose voting has closed
    keep the weight they were cast with. Returns how many votes changed.

    Its own transaction, after the one that verified (that one locked the user row, which
    comes after the challenge row in the one lock order). Per challenge: the challenge lock,
    then each entry's counters, then the vote rows, as ``cast_vote`` does.
    """
    weight = vote_weight(voter, verified_weight, unverified_weight)
    challenge_ids = db.session.scalars(
        select(ChallengeVote.challenge_id).distinct()
        .where(ChallengeVote.voter_id == voter.id, ChallengeVote.weight != weight)
    ).all()
    changed = 0
    for challenge_id in sorted(challenge_ids):
        challenge = db.session.get(WeeklyChallenge, challenge_id)
        if challenge is None or voting_refusal(challenge, now) is not None:
            continue
        version = lock_board(challenge_id)
        votes = db.session.execute(
            select(ChallengeVote.id, ChallengeVote.submission_id, ChallengeVote.weight)
            .where(ChallengeVote.challenge_id == challenge_id,
                   ChallengeVote.voter_id == voter.id, ChallengeVote.weight != weight)
            .order_by(ChallengeVote.submission_id)
        ).all()
        for vote in votes:
            after = db.session.execute(
                update(ChallengeSubmission)
                .where(ChallengeSubmission.id == vote.submission_id)
                .values(counted_votes=ChallengeSubmission.counted_votes + (weight - vote.weight))
                .returning(ChallengeSubmission.counted_votes, ChallengeSubmission.is_withdrawn,
                           ChallengeSubmission.is_disqualified)
            ).one()
            db.session.execute(
                update(ChallengeVote).where(ChallengeVote.id == vote.id).values(weight=weight))
            entry = db.session.get(ChallengeSubmission, vote.submission_id)
            assert entry is not None  # the vote's foreign key keeps it
            for name in ("counted_votes", "is_withdrawn", "is_disqualified"):
                set_committed_value(entry, name, getattr(after, name))
            publish_entry_change(entry, version, now)
            changed += 1
    return changed


def _vote_of(submission_id: uuid.UUID, voter_id: int) -> Select[uuid.UUID]:
    return select(ChallengeVote.id).where(
        ChallengeVote.submission_id == submission_id, ChallengeVote.voter_id == voter_id)


def _voted(submission_id: uuid.UUID, voter_id: int) -> bool:
    return db.session.scalar(_vote_of(submission_id, voter_id)) is not None


def _add_to_total_votes(challenge_id: uuid.UUID, delta: int) -> None:
    """``total_votes`` counts the vote rows on counting entries (docs/decisions.md); the caller
    holds the challenge lock and decided ``delta`` from rows it read under it."""
    db.session.execute(
        update(WeeklyChallenge)
        .where(WeeklyChallenge.id == challenge_id)
        .values(total_votes=WeeklyChallenge.total_votes + delta)
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
