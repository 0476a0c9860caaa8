"""Vote-ring detection and review (issue 13, RELIABILITY #7).

A vote ring: at least ``RING_MIN_ACCOUNTS`` distinct NEW accounts (created at most
``RING_NEW_ACCOUNT_DAYS`` days before their vote) voting from one network (the keyed hash of
the /24 or /48 that ``services.votes.network_hash`` stores on each vote) for entries of one
member of one challenge within ``RING_WINDOW`` (an hour). The detection job
(``jobs.trust.detect_vote_rings``) looks back ``RING_LOOKBACK`` and keeps one flag per
(challenge, member, network) with every such vote as evidence; running it again adds only what
is new. An editor voids a flag's votes (they count 0; raw counts keep them) or restores them
(they count what they were cast with), through ``services.votes.set_votes_voided``: counters,
boards and "receive vote" points follow as for a disqualification.

Each setting can be overridden in the app config under the same name with a ``TRUST_`` prefix.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..clock import as_utc
from ..errors import EditorOnlyAction, NotFound
from ..extensions import db
from ..models import (
    ChallengeSubmission,
    ChallengeVote,
    RingFlagStatus,
    User,
    VoteRingFlag,
    VoteRingFlagVote,
)
from ..services.text import required_text
from ..services.votes import set_votes_voided

RING_MIN_ACCOUNTS = 5  # distinct new accounts from one network for one member within the window
RING_NEW_ACCOUNT_DAYS = 7  # "new": the account was created at most this long before its vote
RING_WINDOW = timedelta(hours=1)
RING_LOOKBACK = timedelta(hours=24)  # each run re-reads this much (the job runs every 15 min)
NOTE_MAX = 1000


@dataclass(frozen=True)
class RingSettings:
    min_accounts: int = RING_MIN_ACCOUNTS
    new_account_days: int = RING_NEW_ACCOUNT_DAYS
    window: timedelta = RING_WINDOW
    lookback: timedelta = RING_LOOKBACK

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> RingSettings:
        """The documented defaults, or ``TRUST_RING_*`` overrides from the app config."""
        return cls(
            min_accounts=int(config.get("TRUST_RING_MIN_ACCOUNTS", RING_MIN_ACCOUNTS)),
            new_account_days=int(config.get("TRUST_RING_NEW_ACCOUNT_DAYS",
                                            RING_NEW_ACCOUNT_DAYS)),
            window=timedelta(minutes=int(config.get("TRUST_RING_WINDOW_MINUTES", 60))),
            lookback=timedelta(hours=int(config.get("TRUST_RING_LOOKBACK_HOURS", 24))),
        )


@dataclass(frozen=True)
class _Vote:
    id: uuid.UUID
    voter_id: int
    at: datetime


@dataclass(frozen=True)
class Finding:
    """One ring as the job saw it: its key, the votes in any qualifying hour, the densest hour."""

    challenge_id: uuid.UUID
    target_user_id: int
    network_hash: str
    vote_ids: list[uuid.UUID]
    accounts: int
    window_start: datetime
    window_end: datetime


def find_rings(now: datetime, settings: RingSettings) -> list[Finding]:
    """Every ring in the votes of the last ``settings.lookback`` (read only)."""
    since = now - settings.lookback
    new_for = timedelta(days=settings.new_account_days)
    rows = db.session.execute(
        select(ChallengeVote.id, ChallengeVote.challenge_id, ChallengeVote.voter_id,
               ChallengeVote.created_at, ChallengeVote.network_hash,
               ChallengeSubmission.user_id, User.created_at.label("joined"))
        .join(ChallengeSubmission, ChallengeSubmission.id == ChallengeVote.submission_id)
        .join(User, User.id == ChallengeVote.voter_id)
        .where(ChallengeVote.network_hash.is_not(None), ChallengeVote.created_at >= since,
               User.created_at >= since - new_for)  # narrows; the exact test is per vote below
        .order_by(ChallengeVote.created_at, ChallengeVote.id)
    ).all()
    groups: dict[tuple[uuid.UUID, int, str], list[_Vote]] = {}
    for row in rows:
        if as_utc(row.created_at) - as_utc(row.joined) > new_for:
            continue
        key = (row.challenge_id, row.user_id, row.network_hash)
        groups.setdefault(key, []).append(_Vote(row.id, row.voter_id, as_utc(row.created_at)))
    findings = []
    for (challenge_id, target, network), votes in groups.items():
        finding = _ring_in(votes, settings)
        if finding is not None:
            ids, accounts, start, end = finding
            findings.append(Finding(challenge_id, target, network, ids, accounts, start, end))
    return findings


def _ring_in(votes: list[_Vote], settings: RingSettings
             ) -> tuple[list[uuid.UUID], int, datetime, datetime] | None:
    """Sliding window over votes in time order: the votes of every window holding at least
    ``min_accounts`` distinct voters, and the densest such window."""
    in_ring: set[uuid.UUID] = set()
    best: tuple[int, datetime, datetime] | None = None
    voters: Counter[int] = Counter()
    first = 0
    for last, vote in enumerate(votes):
        voters[vote.voter_id] += 1
        while vote.at - votes[first].at > settings.window:
            voters[votes[first].voter_id] -= 1
            if voters[votes[first].voter_id] == 0:
                del voters[votes[first].voter_id]
            first += 1
        if len(voters) >= settings.min_accounts:
            in_ring.update(v.id for v in votes[first:last + 1])
            if best is None or len(voters) > best[0]:
                best = (len(voters), votes[first].at, vote.at)
    if best is None:
        return None
    return sorted(in_ring), best[0], best[1], best[2]


def record_rings(now: datetime, settings: RingSettings | None = None) -> list[int]:
    """Find rings and keep them as flags for review (the job's work, in the caller's
    transaction). New evidence on a flag already decided opens it again. Returns the ids of
    the flags that are new or grew; a second run over the same votes returns none."""
    settings = settings or RingSettings.from_config(current_app.config)
    changed = []
    for finding in find_rings(now, settings):
        flag = _flag_for(finding, now)
        known = set(db.session.scalars(
            select(VoteRingFlagVote.vote_id).where(VoteRingFlagVote.flag_id == flag.id)))
        new = [vote_id for vote_id in finding.vote_ids if vote_id not in known]
        if finding.accounts > flag.accounts:
            flag.accounts = finding.accounts
            flag.window_start, flag.window_end = finding.window_start, finding.window_end
        if not new:
            continue
        db.session.add_all(VoteRingFlagVote(flag_id=flag.id, vote_id=v) for v in new)
        flag.status = RingFlagStatus.OPEN.value
        flag.updated_at = now
        db.session.flush()
        changed.append(flag.id)
    return changed


def _flag_for(finding: Finding, now: datetime) -> VoteRingFlag:
    """The flag of this (challenge, member, network), created if new. Two job runs at once:
    the unique constraint lets one insert, the other reads it."""
    key = (VoteRingFlag.challenge_id == finding.challenge_id,
           VoteRingFlag.target_user_id == finding.target_user_id,
           VoteRingFlag.network_hash == finding.network_hash)
    flag = db.session.scalar(select(VoteRingFlag).where(*key))
    if flag is not None:
        return flag
    flag = VoteRingFlag(
        challenge_id=finding.challenge_id, target_user_id=finding.target_user_id,
        network_hash=finding.network_hash, status=RingFlagStatus.OPEN.value,
        accounts=finding.accounts, window_start=finding.window_start,
        window_end=finding.window_end, detected_at=now, updated_at=now, note="")
    try:
        with db.session.begin_nested():
            db.session.add(flag)
    except IntegrityError:
        flag = db.session.scalars(select(VoteRingFlag).where(*key)).one()
    return flag


@dataclass(frozen=True)
class EvidenceRow:
    """One vote of a flag, as the admin shows it."""

    vote_id: uuid.UUID
    voter: str
    joined: datetime
    voted_at: datetime
    entry_title: str
    weight: float
    cast_weight: float
    voided: bool


def evidence(flag_id: int) -> list[EvidenceRow]:
    """The flag's votes in time order: who (and when they joined), when, which entry, and what
    each counts now and was cast with (one query)."""
    rows = db.session.execute(
        select(ChallengeVote.id, User.username, User.created_at, ChallengeVote.created_at,
               ChallengeSubmission.title, ChallengeVote.weight, ChallengeVote.cast_weight,
               ChallengeVote.voided_at)
        .join(VoteRingFlagVote, VoteRingFlagVote.vote_id == ChallengeVote.id)
        .join(User, User.id == ChallengeVote.voter_id)
        .join(ChallengeSubmission, ChallengeSubmission.id == ChallengeVote.submission_id)
        .where(VoteRingFlagVote.flag_id == flag_id)
        .order_by(ChallengeVote.created_at, ChallengeVote.id)
    ).all()
    return [EvidenceRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7] is not None)
            for r in rows]


def void_flag(flag_id: int, editor: User | None, now: datetime, note: str = "") -> int:
    """An editor voids every vote of the flag (they count 0). Returns how many changed."""
    return _decide(flag_id, editor, now, note, voided=True)


def restore_flag(flag_id: int, editor: User | None, now: datetime, note: str = "") -> int:
    """An editor restores every vote of the flag (they count their cast weight again)."""
    return _decide(flag_id, editor, now, note, voided=False)


def _decide(flag_id: int, editor: User | None, now: datetime, note: str, *,
            voided: bool) -> int:
    if editor is None or not getattr(editor, "is_editor", False):
        raise EditorOnlyAction()
    note = required_text(note, "note", NOTE_MAX, _("Write a shorter note"), required=False)
    flag = db.session.get(VoteRingFlag, flag_id)
    if flag is None:
        raise NotFound(_("No such vote-ring flag."))
    vote_ids = db.session.scalars(
        select(VoteRingFlagVote.vote_id).where(VoteRingFlagVote.flag_id == flag_id)).all()
    # The votes first (challenge lock, entries, votes, users), then the flag's own row.
    changed = set_votes_voided(vote_ids, voided, now)
    flag.status = (RingFlagStatus.VOIDED if voided else RingFlagStatus.RESTORED).value
    flag.decided_at = now
    flag.decided_by_id = editor.id
    if note:
        flag.note = note
    db.session.flush()
    return changed
