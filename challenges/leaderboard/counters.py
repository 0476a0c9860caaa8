"""The SQL counters behind a board, checked against the rows they count (the reconcile job).

Each entry's ``vote_count`` / ``counted_votes`` must equal its vote rows (count, sum of weights);
the challenge's ``total_votes`` (derived from its counting entries' ``vote_count``) the vote
rows of its entries that are not withdrawn nor disqualified, and
``submission_count`` / ``participant_count`` its counting entries and their distinct authors.
A counter and the rows it counts change in the same transaction, so one statement that reads
both sees them agree unless they drifted: the check runs without any lock, and only a drift
takes the challenge row lock (``lock_challenge``) and the drifted entries' authors' member locks
(``lock_members``, which every vote of theirs takes first), reads the truth again under them and
writes it.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Select, distinct, func, or_, select, update

from ..extensions import db
from ..models import ChallengeSubmission, ChallengeVote, WeeklyChallenge
from .standings import counting
from .updates import lock_challenge, lock_members, publish_entry_change

log = logging.getLogger(__name__)
S = ChallengeSubmission


def _entry_drift(challenge_id: uuid.UUID) -> Select[uuid.UUID, int, float, Any, Any]:
    """Entries whose counters differ from their vote rows: (id, vote_count, counted_votes,
    rows, weight)."""
    votes = (
        select(ChallengeVote.submission_id.label("sid"), func.count().label("n"),
               func.sum(ChallengeVote.weight).label("w"))
        .where(ChallengeVote.challenge_id == challenge_id)
        .group_by(ChallengeVote.submission_id)
        .subquery()
    )
    rows, weight = func.coalesce(votes.c.n, 0), func.coalesce(votes.c.w, 0.0)
    return (
        select(S.id, S.vote_count, S.counted_votes, rows, weight)
        .outerjoin(votes, votes.c.sid == S.id)
        .where(S.challenge_id == challenge_id,
               or_(S.vote_count != rows, S.counted_votes != weight))
    )


def _challenge_truth(challenge_id: uuid.UUID) -> Select[Any]:
    """(stored, true) pairs of the challenge's counters, in one statement."""
    c = WeeklyChallenge
    total = (
        select(func.count()).select_from(ChallengeVote).join(S, S.id == ChallengeVote.submission_id)
        .where(*counting(challenge_id))  # total_votes: votes on counting entries
        .scalar_subquery()
    )
    entries = select(func.count()).where(*counting(challenge_id)).scalar_subquery()
    authors = select(func.count(distinct(S.user_id))).where(*counting(challenge_id))
    # ``total_votes`` is derived from the counting entries' ``vote_count`` (issue #14): it
    # drifts only with them, and the entries' repair mends it.
    derived = (select(func.coalesce(func.sum(S.vote_count), 0)).where(*counting(challenge_id))
               .scalar_subquery())
    return select(derived, total, c.submission_count, entries, c.participant_count,
                  authors.scalar_subquery()).where(c.id == challenge_id)


def _challenge_fixes(challenge_id: uuid.UUID) -> dict[str, tuple[int, int]]:
    row = db.session.execute(_challenge_truth(challenge_id)).one_or_none()
    if row is None:
        return {}
    pairs = {"total_votes": (row[0], row[1]), "submission_count": (row[2], row[3]),
             "participant_count": (row[4], row[5])}
    return {name: (int(had), int(true)) for name, (had, true) in pairs.items() if had != true}


def repair_counters(challenge_id: uuid.UUID, now: datetime) -> list[str]:
    """Make one challenge's counters equal the rows they count; returns (and logs) each fix.
    Flushes only: the caller commits (``commit_with_retry``). Idempotent."""
    drifted = db.session.execute(_entry_drift(challenge_id).limit(1)).first() is not None
    if not drifted and not _challenge_fixes(challenge_id):
        return []
    lock_challenge(challenge_id)  # the challenge's own counters below
    # The drifted entries' authors' member locks: from here on no vote, unvote or status change
    # of those entries commits, so the counts read below stay true until our commit.
    drifted_ids = [row[0] for row in db.session.execute(_entry_drift(challenge_id))]
    versions = lock_members(challenge_id, db.session.scalars(
        select(S.user_id).where(S.id.in_(drifted_ids))) if drifted_ids else [])
    authors = dict(db.session.execute(select(S.id, S.user_id).where(S.id.in_(drifted_ids)))
                   .all()) if drifted_ids else {}
    fixes: list[str] = []
    changed: list[uuid.UUID] = []
    for sid, count, counted, rows, weight in db.session.execute(_entry_drift(challenge_id)):
        if authors.get(sid) not in versions:
            continue  # drifted after we looked: the next run mends it, under its lock
        db.session.execute(
            update(S).where(S.id == sid).values(vote_count=rows, counted_votes=weight)
            .execution_options(synchronize_session=False)
        )
        changed.append(sid)
        fixes.append(f"entry {sid}: vote_count {count} -> {rows}, "
                     f"counted_votes {counted} -> {float(weight)}")
    challenge_fixes = _challenge_fixes(challenge_id)
    stored = {name: true for name, (_, true) in challenge_fixes.items() if name != "total_votes"}
    if stored:  # total_votes is derived: the entries' fixes above already mended it
        db.session.execute(
            update(WeeklyChallenge).where(WeeklyChallenge.id == challenge_id)
            .values(stored)
            .execution_options(synchronize_session=False)
        )
        fixes += [f"challenge {challenge_id}: {name} {had} -> {true}"
                  for name, (had, true) in challenge_fixes.items()]
    for sid in changed:
        entry = db.session.get(S, sid, populate_existing=True)
        if entry is not None:
            publish_entry_change(entry, versions[entry.user_id], now)
    for fix in fixes:
        log.warning("reconcile repaired %s", fix)
    return fixes
