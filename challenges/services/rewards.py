"""Who earns what, when (SPEC §6). Called by the entry and vote services inside their
transactions (a vote's own rewards: in their own short transaction right after it, see
``vote_rewards``); every grant goes through ``ledger.grant`` with a key that makes it happen
once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, func, select

from ..clock import as_utc
from ..extensions import db
from ..leaderboard.store import day_start
from ..models import (
    ChallengeSubmission,
    ChallengeVote,
    Currency,
    LedgerEntry,
    WeeklyChallenge,
)
from .ledger import grant
from .points import EARLY_BIRD_HOURS, points_for


def entry_submitted(entry: ChallengeSubmission, challenge: WeeklyChallenge, now: datetime) -> None:
    """50 points per entry; 25 more, once per challenge, for a first entry in the first 24 h."""
    config = challenge.points_config
    grant(entry.user_id, points_for(config, "submit"), "submit", f"submit:{entry.id}", now,
          challenge_id=challenge.id, submission_id=entry.id)
    if as_utc(now) - as_utc(challenge.starts_at) < timedelta(hours=EARLY_BIRD_HOURS):
        grant(entry.user_id, points_for(config, "early_bird"), "early_bird",
              f"early-bird:{challenge.id}:{entry.user_id}", now,
              challenge_id=challenge.id, submission_id=entry.id)


def entry_withdrawn(entry: ChallengeSubmission, now: datetime) -> None:
    """Reverse every point the entry earned (SPEC §3): submit, featured, every received vote
    still held, and the early bird if no live entry of that user remains."""
    from .entries import live_entry_count  # entries calls us: import at call time

    _reverse(f"submit:{entry.id}", f"submit-reversal:{entry.id}", "submit_reversal", now)
    _reverse(f"featured:{entry.id}", f"featured-reversal:{entry.id}", "featured_reversal", now)
    if live_entry_count(entry.challenge_id, entry.user_id) == 0:
        key = f"early-bird:{entry.challenge_id}:{entry.user_id}"
        _reverse(key, f"early-bird-reversal:{entry.challenge_id}:{entry.user_id}",
                 "early_bird_reversal", now)
    _reverse_votes_received(entry, now, tag="w")


def entry_disqualified(entry: ChallengeSubmission, now: datetime, tag: str) -> None:
    """Its received votes stop counting, so their points go; voters keep theirs. ``tag`` (the
    moderation event's) keys the rows after the first, so each disqualification writes its
    own."""
    _reverse_votes_received(entry, now, tag)


def entry_reinstated(entry: ChallengeSubmission, now: datetime, tag: str) -> None:
    """Its received votes count again: every vote still on it whose points were taken back
    earns them again (the amount it first earned)."""
    held = _vote_received_held(entry)
    vote_ids = db.session.scalars(  # a vote that counts 0 (flagged, voided) earns nothing
        select(ChallengeVote.id).where(ChallengeVote.submission_id == entry.id,
                                       ChallengeVote.weight > 0)
    ).all()
    for vote_id in vote_ids:
        family = held.get(str(vote_id))
        if family is None or family.original is None or family.net != 0:
            continue
        grant(entry.user_id, family.original, "vote_received",
              f"vote-received:{vote_id}:{tag}", now, challenge_id=entry.challenge_id,
              submission_id=entry.id)


def entry_featured(entry: ChallengeSubmission, now: datetime) -> None:
    grant(entry.user_id, points_for(entry.challenge.points_config, "featured"), "featured",
          f"featured:{entry.id}", now, challenge_id=entry.challenge_id, submission_id=entry.id)


@dataclass(frozen=True)
class VoteToReward:
    """What a vote's rewards depend on, as its follow-up read it under its locks
    (``vote_rewards.settle_votes``): the vote's current weight, and whether its entry counts."""

    vote_id: uuid.UUID
    voter_id: int
    weight: float
    author_id: int
    submission_id: uuid.UUID
    challenge_id: uuid.UUID
    entry_counts: bool
    config: dict[str, Any]


def vote_cast(vote: VoteToReward, moment: datetime, now: datetime) -> None:
    """2 points to the author per counted vote; 5 to the voter, within the caps. A vote that
    counts 0 (a flagged voter's, a voided one) earns neither.

    ``moment`` is the vote's own time: the rows carry it, so the daily cap counts the vote's
    day even when a sweep grants them later. An entry that stopped counting between the vote
    and its rewards (withdrawn, disqualified) gets the author's grant and its reversal
    together, as if the rewards had come first: a reinstatement then finds the family it
    re-grants from (``entry_reinstated``).

    The caller has locked the voter's and the author's user rows (``vote_rewards.settle_votes``
    locks a batch's users in id order, FOR NO KEY UPDATE): that serialises a voter's rewards, so
    their daily count is not raced."""
    if vote.weight == 0:
        return
    # Users are locked in id order, so two votes between the same people never deadlock.
    for user_id in sorted({vote.voter_id, vote.author_id}):
        if user_id == vote.author_id:
            key = f"vote-received:{vote.vote_id}"
            granted = grant(vote.author_id, points_for(vote.config, "vote_received"),
                            "vote_received", key, moment, challenge_id=vote.challenge_id,
                            submission_id=vote.submission_id)
            if granted and not vote.entry_counts:
                _reverse(key, f"vote-received-reversal:{vote.vote_id}", "vote_received_reversal",
                         now)
        else:
            _reward_voter(vote.voter_id, vote.submission_id, vote.challenge_id, vote.config,
                          moment)


def reward_vote_after_commit(vote_id: uuid.UUID) -> None:
    """The vote service's one call: the vote's rewards follow in their own short transaction
    once the vote has committed (``vote_rewards``)."""
    from . import vote_rewards  # it builds on this module: import at call time

    vote_rewards.reward_after_commit(vote_id)


def vote_withdrawn(vote_id: object, entry: ChallengeSubmission, now: datetime) -> None:
    """The author's 2 points for that vote go (if the author still holds them); the voter keeps
    the voting reward (once per entry ever, so voting again earns nothing more)."""
    first = f"vote-received-reversal:{vote_id}"
    if db.session.scalar(select(LedgerEntry.id).where(LedgerEntry.idempotency_key == first)):
        # The entry was disqualified (and maybe reinstated) since: reverse what is held now.
        _reverse_votes_received(entry, now, tag="w", only=str(vote_id))
    else:  # the common case: one grant, never reversed
        _reverse(f"vote-received:{vote_id}", first, "vote_received_reversal", now)


def vote_stopped_counting(vote_id: object, entry: ChallengeSubmission, now: datetime,
                          tag: str) -> None:
    """A vote's weight went to 0 (voided, or its voter flagged): the author's points for it go,
    as a disqualification takes them (the voter keeps the voting reward)."""
    _reverse_votes_received(entry, now, tag, only=str(vote_id))


def vote_counts_again(vote_id: object, entry: ChallengeSubmission, now: datetime,
                      tag: str) -> None:
    """A vote that counted 0 counts again (restored, or its voter unflagged) on a counting
    entry: the author earns its points, once (the amount first earned, or today's value if it
    never earned any)."""
    family = _vote_received_held(entry).get(str(vote_id))
    if family is None:
        grant(entry.user_id, points_for(entry.challenge.points_config, "vote_received"),
              "vote_received", f"vote-received:{vote_id}", now,
              challenge_id=entry.challenge_id, submission_id=entry.id)
    elif family.original is not None and family.net == 0:
        grant(entry.user_id, family.original, "vote_received", f"vote-received:{vote_id}:{tag}",
              now, challenge_id=entry.challenge_id, submission_id=entry.id)


def _reward_voter(voter_id: int, submission_id: uuid.UUID, challenge_id: uuid.UUID,
                  config: dict[str, Any], moment: datetime) -> None:
    already = db.session.scalar(_voter_rewarded_for(),
                                {"voter_id": voter_id, "submission_id": submission_id})
    if already is not None:
        return
    # The caller holds the voter's row lock (``vote_cast``), so the daily count below cannot be
    # raced; the key's slot number makes a 21st reward impossible even so.
    # The vote's own UTC day, bounded on both sides: a sweep granting yesterday's vote today
    # must not count today's rewards against yesterday's cap.
    today = day_start(moment)
    rewarded_today = db.session.scalar(_voter_rewards_between(), {
        "voter_id": voter_id, "start": today, "end": today + timedelta(days=1)}) or 0
    cap = points_for(config, "daily_vote_rewards")
    if rewarded_today >= cap:
        return
    grant(voter_id, points_for(config, "vote"), "vote_reward",
          f"vote-reward:{voter_id}:{today.date().isoformat()}:{rewarded_today + 1}", moment,
          challenge_id=challenge_id, submission_id=submission_id)


# ``_reward_voter``'s two reads, built once: the settle job runs them for every vote (#14).
@cache
def _voter_rewarded_for() -> Select[int]:
    """The voter's voting reward for an entry, if they earned one (once per entry ever)."""
    return select(LedgerEntry.id).where(
        LedgerEntry.user_id == bindparam("voter_id"),
        LedgerEntry.reason == "vote_reward",
        LedgerEntry.submission_id == bindparam("submission_id"),
    )


@cache
def _voter_rewards_between() -> Select[int]:
    """How many voting rewards the voter earned from ``start`` up to ``end`` (the daily cap)."""
    return select(func.count()).where(
        LedgerEntry.user_id == bindparam("voter_id"),
        LedgerEntry.reason == "vote_reward",
        LedgerEntry.created_at >= bindparam("start", type_=LedgerEntry.created_at.type),
        LedgerEntry.created_at < bindparam("end", type_=LedgerEntry.created_at.type),
    )


def _reverse(original_key: str, reversal_key: str, reason: str, now: datetime) -> None:
    original = db.session.execute(
        select(LedgerEntry.user_id, LedgerEntry.amount, LedgerEntry.currency,
               LedgerEntry.challenge_id, LedgerEntry.submission_id)
        .where(LedgerEntry.idempotency_key == original_key)
    ).first()
    if original is None:
        return
    grant(original.user_id, -original.amount, reason, reversal_key, now,
          currency=Currency(original.currency), challenge_id=original.challenge_id,
          submission_id=original.submission_id)


@dataclass
class _VoteFamily:
    """A vote's received-points rows: their sum, and the amount first granted."""

    net: int = 0
    original: int | None = None
    keys: set[str] = field(default_factory=set)


def _vote_received_held(entry: ChallengeSubmission) -> dict[str, _VoteFamily]:
    """vote id -> its received-points rows. Every such key is "<kind>:<vote id>[:<tag>]".
    Read through the author's rows (indexed by user), not the whole ledger."""
    families: dict[str, _VoteFamily] = {}
    for key, amount in db.session.execute(
        select(LedgerEntry.idempotency_key, LedgerEntry.amount).where(
            LedgerEntry.user_id == entry.user_id,
            LedgerEntry.submission_id == entry.id,
            LedgerEntry.reason.in_(("vote_received", "vote_received_reversal")),
        )
    ):
        vote_id = key.split(":")[1]
        family = families.setdefault(vote_id, _VoteFamily())
        family.net += amount
        family.keys.add(key)
        if key == f"vote-received:{vote_id}":
            family.original = amount
    return families


def _reverse_votes_received(entry: ChallengeSubmission, now: datetime, tag: str,
                            only: str | None = None) -> None:
    """Take back what the author still holds for each vote on ``entry`` (or the vote ``only``,
    already deleted). The first reversal of a vote keeps its historical key; later ones (after a
    reinstatement) add ``tag``."""
    held = _vote_received_held(entry)
    if only is not None:
        vote_ids = [only]
    else:
        vote_ids = [str(v) for v in db.session.scalars(
            select(ChallengeVote.id).where(ChallengeVote.submission_id == entry.id))]
    for vote_id in vote_ids:
        family = held.get(vote_id)
        if family is None or family.net <= 0:
            continue
        key = f"vote-received-reversal:{vote_id}"
        if key in family.keys:
            key = f"{key}:{tag}"
        grant(entry.user_id, -family.net, "vote_received_reversal", key, now,
              challenge_id=entry.challenge_id, submission_id=entry.id)
