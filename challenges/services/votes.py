"""Voting (SPEC §4): one upvote per voter and entry, withdrawable while voting is open."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache
from typing import Any, cast

from flask_babel import gettext as _
from sqlalchemy import (
    BindParameter,
    Insert,
    Select,
    Table,
    Update,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm.attributes import set_committed_value

from ..clock import as_utc
from ..errors import (
    Conflict,
    EntryNotVotable,
    LoginRequired,
    Refusal,
    SelfVote,
    VotingClosed,
)
from ..extensions import db
from ..leaderboard.updates import lock_member, lock_members, publish_entry_change
from ..models import ChallengeStatus, ChallengeSubmission, ChallengeVote, User, WeeklyChallenge
from ..phase import accepts_votes, phase_at
from ..timefmt import format_votes
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


NEW_ACCOUNT_HOURS = 24  # SPEC §4: an account younger than this votes at the unverified weight


class WeightReason(StrEnum):
    """Why a vote counts what it counts (stored on the vote as ``weight_reason``)."""

    FULL = "full"  # a verified email on an account older than a day
    UNVERIFIED = "unverified"  # the email is not verified yet
    NEW_ACCOUNT = "new_account"  # verified, but the account was under a day old
    FLAGGED = "flagged"  # an editor flagged the account for review
    VOIDED = "voided"  # an editor voided the vote (a vote ring); never returned by vote_weight


@dataclass(frozen=True)
class VoteWeight:
    """What a vote counts and why: ``weight`` is a multiple of 0.25 in [0, 1] (with the
    default settings) and ``reason`` the rule that gave it."""

    weight: float
    reason: WeightReason

    @property
    def full(self) -> bool:
        return self.reason == WeightReason.FULL

    def explanation(self) -> str:
        """The sentence a voter reads on their own vote ("counts 0.5 until your email is
        verified"); empty when the vote counts in full."""
        amount = format_votes(self.weight)
        if self.reason == WeightReason.UNVERIFIED:
            return str(_("Your vote counts %(weight)s until your email is verified.",
                         weight=amount))
        if self.reason == WeightReason.NEW_ACCOUNT:
            return str(_("Your vote counts %(weight)s: your account was less than a day old "
                         "when you voted.", weight=amount))
        if self.reason == WeightReason.FLAGGED:
            return str(_("Your vote doesn't count while your account is under review."))
        if self.reason == WeightReason.VOIDED:
            return str(_("Your vote doesn't count: an editor set it aside after a review."))
        return ""


def vote_weight(voter: User, now: datetime, verified_weight: float = 1.0,
                unverified_weight: float = 0.5) -> VoteWeight:
    """The one rule for what a vote counts on the leaderboard (SPEC §4), first match wins:

    1. an account an editor flagged (``is_flagged``) counts 0 ("under review");
    2. an unverified email counts ``unverified_weight`` (``UNVERIFIED_VOTE_WEIGHT``, 0.5);
    3. an account younger than ``NEW_ACCOUNT_HOURS`` (24 h) at ``now`` counts
       ``unverified_weight`` too;
    4. otherwise ``verified_weight`` (``VERIFIED_VOTE_WEIGHT``, 1.0).

    Whether the voter entered or voted before does not count (docs/decisions.md). The weight is
    fixed when the vote is cast; only ``reweigh_votes`` (verification, an editor's flag) and an
    editor's void/restore change it later."""
    if voter.is_flagged:
        return VoteWeight(0.0, WeightReason.FLAGGED)
    if not voter.is_verified:
        return VoteWeight(float(unverified_weight), WeightReason.UNVERIFIED)
    if as_utc(now) - as_utc(voter.created_at) < timedelta(hours=NEW_ACCOUNT_HOURS):
        return VoteWeight(float(unverified_weight), WeightReason.NEW_ACCOUNT)
    return VoteWeight(float(verified_weight), WeightReason.FULL)


def weight_of_vote(vote: ChallengeVote) -> VoteWeight:
    """What a stored vote counts now and why (a voided vote says so)."""
    if vote.voided_at is not None:
        return VoteWeight(0.0, WeightReason.VOIDED)
    return VoteWeight(vote.weight, WeightReason(vote.weight_reason))


def own_vote_weight(submission_id: uuid.UUID, voter_id: int | None) -> VoteWeight | None:
    """The viewer's vote on an entry with what it counts and why, or None if they have not
    voted (the entry page shows it beside the vote button)."""
    if voter_id is None:
        return None
    vote = db.session.scalar(select(ChallengeVote).where(
        ChallengeVote.submission_id == submission_id, ChallengeVote.voter_id == voter_id))
    return None if vote is None else weight_of_vote(vote)


def network_of(address: str) -> str | None:
    """The voter's network for vote-ring detection: the /24 of an IPv4 address or the /48 of
    an IPv6 one (an IPv4-mapped IPv6 address counts as IPv4); None for anything else."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def network_hash(address: str, secret_key: str) -> str | None:
    """A keyed hash (HMAC-SHA256, key derived from ``SECRET_KEY``) of ``network_of(address)``:
    votes from one network share it, and neither it nor the database reveals the address."""
    network = network_of(address)
    if network is None:
        return None
    key = hmac.new(secret_key.encode(), b"vote-network-v1", hashlib.sha256).digest()
    return hmac.new(key, network.encode(), hashlib.sha256).hexdigest()


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
              verified_weight: float = 1.0, unverified_weight: float = 0.5,
              network: str | None = None) -> VoteOutcome:
    """Upvote an entry. Voting again changes nothing. The vote counts ``vote_weight``: callers
    pass ``VERIFIED_VOTE_WEIGHT`` and ``UNVERIFIED_VOTE_WEIGHT`` (the defaults are theirs), and
    ``network``, the ``network_hash`` of the request's address (vote-ring detection).

    Locks in the one order of docs/decisions.md: the author's board-member row (never the
    challenge row: votes for different members commit side by side, issue #14), then the entry
    row, then the vote row. The vote row goes in only after the entry's lock, because its
    foreign key takes a KEY SHARE lock on the entry, which a withdrawal's FOR UPDATE waits for.
    Whether the vote counts is decided under the member lock, which every vote, unvote and
    status change of that member's entries takes first. The rewards follow in their own
    transaction after the commit, in the settle job (``vote_rewards``), which publishes
    ``VoteCast`` once they are granted.
    """
    entry = get_entry(submission_id, voter)
    voter = check_can_vote(entry, voter, now)
    weighed = vote_weight(voter, now, verified_weight, unverified_weight)
    weight = weighed.weight
    # From here to the commit every vote for this author waits for us: keep it short. No read
    # of "voted already?" first: the UPDATE below asks it (a repeated vote, a double click, is
    # rare; it costs the lock and a version number, never a write to the board or the counters).
    version = lock_member(entry.challenge_id, entry.user_id)
    # On the session's connection, not through the session: the ORM's bulk-UPDATE path (half
    # this statement's CPU) has nothing to do here (no session sync; ``lock_member`` just
    # flushed anything pending, and nothing changed since).
    totals = db.session.connection().execute(
        _count_vote(), {"entry_id": entry.id, "voter_id": voter.id, "weight": weight}).first()
    if totals is None:
        if _voted(entry.id, voter.id):  # voted before (a double click), or a concurrent request
            # The member's version moved: write it to the board with the entry as it stands
            # under our lock, as every version is, so Redis and the database agree on it.
            db.session.refresh(entry, ["vote_count", "counted_votes", "is_withdrawn",
                                       "is_disqualified"])
            publish_entry_change(entry, version, now)
            return VoteOutcome(entry, voted=True, changed=False)
        raise EntryNotVotable()  # withdrawn or disqualified while we were voting
    vote_id = uuid.uuid4()
    # One INSERT statement, not the ORM's unit of work: nothing here reads the vote back. No
    # conflict: votes on an entry come and go under its author's lock.
    db.session.execute(_insert_vote(), {
        "id": vote_id, "submission_id": entry.id, "voter_id": voter.id,
        "challenge_id": entry.challenge_id, "weight": weight, "cast_weight": weight,
        "weight_reason": weighed.reason.value, "network_hash": network, "created_at": now})
    # The new counts, as the UPDATE returned them (no second SELECT of the row).
    set_committed_value(entry, "vote_count", totals.vote_count)
    set_committed_value(entry, "counted_votes", totals.counted_votes)
    publish_entry_change(entry, version, now)
    # After the commit, in a job: the rewards, then ``VoteCast`` (``vote_rewards``).
    rewards.reward_vote_after_commit(vote_id)
    return VoteOutcome(entry, voted=True, changed=True)


@cache
def _count_vote() -> Update:
    """The vote's counters, moved only when the entry still counts and the voter has no vote on
    it yet; returns the new counters (no row: nothing moved). Built once: building and keying
    the vote's statements on every vote was a third of its CPU (issue #14). No session sync:
    ``cast_vote`` sets the entry's counters from what this returns."""
    entry_id = bindparam("entry_id", type_=ChallengeSubmission.id.type)
    return (
        update(ChallengeSubmission)
        .where(
            ChallengeSubmission.id == entry_id,
            ChallengeSubmission.counts,
            ~_vote_of(entry_id, bindparam("voter_id")).exists(),
        )
        .values(
            vote_count=ChallengeSubmission.vote_count + 1,
            counted_votes=ChallengeSubmission.counted_votes + bindparam("weight"),
        )
        .returning(ChallengeSubmission.vote_count, ChallengeSubmission.counted_votes)
        .execution_options(synchronize_session=False)
    )


@cache
def _insert_vote() -> Insert:
    """One vote row, its columns passed as parameters: a Core INSERT on the table (not the ORM's
    unit of work or bulk path: nothing reads the vote back), built once."""
    return insert(cast(Table, ChallengeVote.__table__))


def withdraw_vote(submission_id: uuid.UUID, voter: User | None, now: datetime) -> VoteOutcome:
    """Take an upvote back while voting is open. Withdrawing twice changes nothing.

    Same lock order as ``cast_vote``: the author's member row, entry, vote row, users. The vote
    is read and the counters moved under the member lock, so an unvote racing the entry's withdrawal
    leaves every counter equal to the vote rows (the vote row goes whatever the entry's state;
    the challenge's ``total_votes`` is derived from its counting entries' counters).
    """
    entry = get_entry(submission_id, voter)
    if (refusal := unvote_refusal(entry, voter, now)) is not None:
        raise refusal
    assert voter is not None
    if not _voted(entry.id, voter.id):  # nothing to withdraw: no lock, no write
        return VoteOutcome(entry, voted=False, changed=False)
    version = lock_member(entry.challenge_id, entry.user_id)
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
    publish_entry_change(entry, version, now)
    rewards.vote_withdrawn(removed.id, entry, now)
    return VoteOutcome(entry, voted=False, changed=True)


def reweigh_votes(voter: User, now: datetime, *, verified_weight: float = 1.0,
                  unverified_weight: float = 0.5) -> int:
    """Give ``voter``'s votes in challenges still open for voting the weight ``vote_weight``
    gives them now, after their verification changed or an editor flagged or unflagged them
    (SPEC §4: "a recompute that the member's verification triggers"); the boards and the
    "receive vote" points follow. Votes in challenges whose voting has closed keep the weight
    they were cast with; a voided vote keeps counting 0 (a restore gives it the new weight).
    Returns how many votes changed.

    Its own transaction, after the one that verified or flagged (that one locked the user row,
    which comes after the member rows in the one lock order). Per challenge: the authors'
    member locks, then each entry's counters, then the vote rows, then users, as ``cast_vote``
    does.
    """
    target = vote_weight(voter, now, verified_weight, unverified_weight)
    differs = (ChallengeVote.voter_id == voter.id,
               or_(ChallengeVote.cast_weight != target.weight,
                   ChallengeVote.weight_reason != target.reason.value))
    challenge_ids = db.session.scalars(
        select(ChallengeVote.challenge_id).distinct().where(*differs)).all()
    changed = 0
    tag = _ledger_tag()
    for challenge_id in sorted(challenge_ids):
        challenge = db.session.get(WeeklyChallenge, challenge_id)
        if challenge is None or voting_refusal(challenge, now) is not None:
            continue
        versions = _lock_authors(challenge_id, (ChallengeVote.challenge_id == challenge_id,
                                                *differs))
        votes = db.session.execute(
            select(ChallengeVote.id, ChallengeVote.submission_id, ChallengeVote.weight,
                   ChallengeVote.voided_at)
            .join(ChallengeSubmission, ChallengeSubmission.id == ChallengeVote.submission_id)
            .where(ChallengeVote.challenge_id == challenge_id, *differs,
                   ChallengeSubmission.user_id.in_(versions))
            .order_by(ChallengeVote.submission_id, ChallengeVote.id)
        ).all()
        _apply_weights(versions, [
            _WeightChange(v.id, v.submission_id, v.weight,
                          0.0 if v.voided_at is not None else target.weight) for v in votes
        ], now, tag, cast_weight=target.weight, reason=target.reason)
        changed += len(votes)
    return changed


def note_flag(member: User, editor: User | None, now: datetime) -> None:
    """Record when and by whom ``member.is_flagged`` was just set (cleared on unflagging);
    the caller then re-weighs their votes (``reweigh_votes``) after its commit."""
    if member.is_flagged:
        member.flagged_at = now
        member.flagged_by_id = getattr(editor, "id", None)
    else:
        member.flagged_at = None
        member.flagged_by_id = None
        member.flagged_reason = ""


def set_votes_voided(vote_ids: Collection[uuid.UUID], voided: bool, now: datetime) -> int:
    """An editor's void (``voided``) or restore of these votes, in bulk (a vote-ring flag's).

    A voided vote counts 0 (raw counts still include it); a restored one counts its
    ``cast_weight`` again. Counters, Redis boards and the author's "receive vote" points follow
    as they do for a disqualification (compensating ledger rows; voters keep what they earned
    for voting). Votes already so are left alone, so running it twice changes nothing. Refused
    once a challenge's results are final (its ranks, prizes and payouts are settled: an editor
    disqualifies the entry instead, which re-ranks). Returns how many votes changed.

    Lock order per challenge: the authors' member rows (user id order), then entries, then vote
    rows, then users."""
    ids = sorted(set(vote_ids))
    if not ids:
        return 0
    challenge_ids = sorted(set(db.session.scalars(
        select(ChallengeVote.challenge_id).where(ChallengeVote.id.in_(ids)))))
    for challenge_id in challenge_ids:
        if db.session.scalar(select(WeeklyChallenge.finalized_at)
                             .where(WeeklyChallenge.id == challenge_id)) is not None:
            raise Conflict(_("The results of this challenge are final: disqualify the entry "
                             "instead."))
    changed = 0
    tag = _ledger_tag()
    for challenge_id in challenge_ids:
        state = (ChallengeVote.voided_at.is_(None) if voided
                 else ChallengeVote.voided_at.is_not(None))
        these = (ChallengeVote.challenge_id == challenge_id, ChallengeVote.id.in_(ids), state)
        versions = _lock_authors(challenge_id, these)
        votes = db.session.execute(
            select(ChallengeVote.id, ChallengeVote.submission_id, ChallengeVote.weight,
                   ChallengeVote.cast_weight)
            .join(ChallengeSubmission, ChallengeSubmission.id == ChallengeVote.submission_id)
            .where(*these, ChallengeSubmission.user_id.in_(versions))
            .order_by(ChallengeVote.submission_id, ChallengeVote.id)
        ).all()
        _apply_weights(versions, [
            _WeightChange(v.id, v.submission_id, v.weight, 0.0 if voided else v.cast_weight)
            for v in votes
        ], now, tag, voided_at=now if voided else None)
        changed += len(votes)
    return changed


@dataclass(frozen=True)
class _WeightChange:
    vote_id: uuid.UUID
    submission_id: uuid.UUID
    old: float
    new: float


_UNSET: Any = object()


def _lock_authors(challenge_id: uuid.UUID, which: tuple[Any, ...]) -> dict[int, int]:
    """Take the member locks of the authors of the votes ``which`` selects (in user id order);
    author id -> their new version. The votes are read again under the locks."""
    authors = db.session.scalars(
        select(ChallengeSubmission.user_id).distinct()
        .join(ChallengeVote, ChallengeVote.submission_id == ChallengeSubmission.id)
        .where(*which))
    return lock_members(challenge_id, list(authors))


def _apply_weights(versions: dict[int, int], changes: list[_WeightChange], now: datetime,
                   tag: str, *,
                   cast_weight: float | None = None, reason: WeightReason | None = None,
                   voided_at: datetime | None = _UNSET) -> None:
    """Move the vote rows of one challenge (whose authors' member locks the caller holds,
    ``versions`` by author) to
    their new weights: each entry's ``counted_votes`` by the sum of its changes, then the vote
    rows (with ``cast_weight``/``weight_reason``/``voided_at`` when given), then the author's
    "receive vote" points for each vote that stopped or started counting. The one path of
    ``reweigh_votes`` and ``set_votes_voided``."""
    by_entry: dict[uuid.UUID, list[_WeightChange]] = {}
    for change in changes:
        by_entry.setdefault(change.submission_id, []).append(change)
    for submission_id in sorted(by_entry):
        entry_changes = by_entry[submission_id]
        delta = sum(c.new - c.old for c in entry_changes)
        after = db.session.execute(
            update(ChallengeSubmission)
            .where(ChallengeSubmission.id == submission_id)
            .values(counted_votes=ChallengeSubmission.counted_votes + delta)
            .returning(ChallengeSubmission.counted_votes, ChallengeSubmission.is_withdrawn,
                       ChallengeSubmission.is_disqualified)
        ).one()
        for change in entry_changes:
            values: dict[str, Any] = {"weight": change.new}
            if cast_weight is not None:
                values["cast_weight"] = cast_weight
            if reason is not None:
                values["weight_reason"] = reason.value
            if voided_at is not _UNSET:
                values["voided_at"] = voided_at
            db.session.execute(update(ChallengeVote).where(ChallengeVote.id == change.vote_id)
                               .values(**values).execution_options(synchronize_session=False))
        entry = db.session.get(ChallengeSubmission, submission_id)
        assert entry is not None  # the votes' foreign key keeps it
        for name in ("counted_votes", "is_withdrawn", "is_disqualified"):
            set_committed_value(entry, name, getattr(after, name))
        publish_entry_change(entry, versions[entry.user_id], now)
        for change in entry_changes:
            if change.old > 0 and change.new == 0:
                rewards.vote_stopped_counting(change.vote_id, entry, now, tag)
            elif change.old == 0 and change.new > 0 and entry.counts:
                rewards.vote_counts_again(change.vote_id, entry, now, tag)
    # The vote rows changed behind the ORM's back: loaded copies read them again.
    for vote in [o for o in db.session.identity_map.values() if isinstance(o, ChallengeVote)]:
        db.session.expire(vote)


def _ledger_tag() -> str:
    """Keys the ledger rows of one re-weighing, so a later one writes its own."""
    return f"t{uuid.uuid4().hex[:12]}"


def _vote_of(submission_id: uuid.UUID | BindParameter[uuid.UUID],
             voter_id: int | BindParameter[int]) -> Select[uuid.UUID]:
    """The vote of ``voter_id`` on an entry (values, or parameters of a statement built once)."""
    return select(ChallengeVote.id).where(
        ChallengeVote.submission_id == submission_id, ChallengeVote.voter_id == voter_id)


def _voted(submission_id: uuid.UUID, voter_id: int) -> bool:
    return db.session.scalar(_vote_of(submission_id, voter_id)) is not None


def has_voted(submission_ids: list[uuid.UUID], voter_id: int | None) -> set[uuid.UUID]:
    """Which of these entries ``voter_id`` has upvoted (one query for a whole gallery page)."""
    if voter_id is None or not submission_ids:
        return set()
    return set(db.session.scalars(_voted_among(),
                                  {"voter_id": voter_id, "submission_ids": submission_ids}))


@cache
def _voted_among() -> Select[uuid.UUID]:
    """``has_voted``'s query, built once (every gallery and landing page of a member asks)."""
    return select(ChallengeVote.submission_id).where(
        ChallengeVote.voter_id == bindparam("voter_id"),
        ChallengeVote.submission_id.in_(bindparam("submission_ids", expanding=True)),
    )


@cache
def votes_cast_query() -> Select[int]:
    """How many votes a member cast in a challenge (binds ``challenge_id`` and ``voter_id``),
    built once (a member's landing page asks it, with their live entries: ``services.status``)."""
    return select(func.count()).where(ChallengeVote.challenge_id == bindparam("challenge_id"),
                                      ChallengeVote.voter_id == bindparam("voter_id"))
