"""Shared steps for the rewards tests: read the ledger, act as an editor, finalize."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from sqlalchemy import select

from challenges.clock import utcnow
from challenges.extensions import db
from challenges.models import ChallengeSubmission, LedgerEntry, Payout, User
from challenges.services.entries import disqualify_entry, set_featured, withdraw_entry
from challenges.transactions import commit_with_retry


def points(user: User | int) -> int:
    """A user's cached points balance, fresh from the database."""
    user_id = user if isinstance(user, int) else user.id
    db.session.expire_all()
    return db.session.scalar(select(User.points_balance).where(User.id == user_id)) or 0


def tokens(user: User | int) -> int:
    user_id = user if isinstance(user, int) else user.id
    db.session.expire_all()
    return db.session.scalar(select(User.tokens_balance).where(User.id == user_id)) or 0


def grants(user: User | int, *reasons: str) -> list[tuple[str, int]]:
    """(reason, amount) of a user's ledger rows in insertion order, optionally of some reasons."""
    user_id = user if isinstance(user, int) else user.id
    query = select(LedgerEntry.reason, LedgerEntry.amount).where(LedgerEntry.user_id == user_id)
    if reasons:
        query = query.where(LedgerEntry.reason.in_(reasons))
    return [tuple(row) for row in db.session.execute(query.order_by(LedgerEntry.id))]


def count_reason(user: User | int, reason: str) -> int:
    return len(grants(user, reason))


def withdraw(entry: ChallengeSubmission) -> None:
    author = db.session.get(User, entry.user_id)
    commit_with_retry(lambda: withdraw_entry(entry.id, author, utcnow()))


def disqualify(entry: ChallengeSubmission, editor: User, reason: str = "Not original") -> None:
    commit_with_retry(lambda: disqualify_entry(entry.id, editor, reason, utcnow()))


def feature(entry: ChallengeSubmission, editor: User, on: bool = True) -> None:
    commit_with_retry(lambda: set_featured(entry.id, editor, on, utcnow()))


def finalize(challenge: Any) -> dict[str, Any]:
    """What the RQ job runs (outside a worker: no job meta), committed."""
    from jobs.finalize import finalize_challenge

    challenge_id = challenge if not hasattr(challenge, "id") else challenge.id
    db.session.rollback()
    return finalize_challenge(str(challenge_id))


def final_ranks(challenge_id: Any) -> dict[int, int | None]:
    """user id -> final rank of their entries (all of a user's counting entries share it)."""
    db.session.expire_all()
    ranks: dict[int, set] = {}
    for user_id, rank in db.session.execute(
        select(ChallengeSubmission.user_id, ChallengeSubmission.final_rank).where(
            ChallengeSubmission.challenge_id == challenge_id,
            ChallengeSubmission.is_withdrawn.is_(False),
            ChallengeSubmission.is_disqualified.is_(False),
        )
    ):
        ranks.setdefault(user_id, set()).add(rank)
    assert all(len(r) == 1 for r in ranks.values()), ranks
    return {user_id: next(iter(r)) for user_id, r in ranks.items()}


FINALIZATION_REASONS = ("place", "top_10", "prize", "featured", "participation", "voting_reward")


def challenge_ledger(challenge_id: Any, reasons: tuple[str, ...] = FINALIZATION_REASONS) -> Counter:
    """A challenge's ledger rows as comparable tuples (user, currency, amount, reason, key). Ids
    of the challenge and its entries inside keys are replaced by stable labels (an entry by its
    author and title), so the ledgers of two identical challenges compare equal."""
    labels = {str(challenge_id): "<challenge>"}
    for sub_id, user_id, title in db.session.execute(
        select(ChallengeSubmission.id, ChallengeSubmission.user_id, ChallengeSubmission.title)
        .where(ChallengeSubmission.challenge_id == challenge_id)
    ):
        labels[str(sub_id)] = f"<entry {user_id}:{title}>"
    pattern = re.compile("|".join(re.escape(k) for k in labels))
    rows = db.session.execute(
        select(LedgerEntry.user_id, LedgerEntry.currency, LedgerEntry.amount, LedgerEntry.reason,
               LedgerEntry.idempotency_key)
        .where(LedgerEntry.challenge_id == challenge_id, LedgerEntry.reason.in_(reasons))
    ).all()
    return Counter(
        (u, cur, amount, reason, pattern.sub(lambda m: labels[m.group(0)], key))
        for u, cur, amount, reason, key in rows
    )


def payouts(challenge_id: Any) -> list[tuple[int, int, str, str, str]]:
    """(place, user id, amount, currency, status) of a challenge's payouts."""
    return [
        (place, user_id, str(amount), currency, status)
        for place, user_id, amount, currency, status in db.session.execute(
            select(Payout.place, Payout.user_id, Payout.amount, Payout.currency, Payout.status)
            .where(Payout.challenge_id == challenge_id)
            .order_by(Payout.place)
        )
    ]
