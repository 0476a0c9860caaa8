"""Finalization (SPEC §7): final ranks from the database, place points, prizes, participation
and voting rewards, payouts, and the challenge marked completed with results published.

It runs as one transaction after taking the challenge's row lock. A worker killed half-way
leaves nothing behind (the transaction rolls back) and the next run does it all; two runs at
once queue on the lock and the second finds the work done; every row it writes has a unique
key, so even a run that repeats work inserts nothing twice.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from ..errors import Conflict, NotFound
from ..extensions import db
from ..leaderboard.standings import counting
from ..models import (
    ChallengeStatus,
    ChallengeSubmission,
    ChallengeVote,
    Currency,
    LedgerEntry,
    Payout,
    User,
    WeeklyChallenge,
)
from ..phase import in_phase, phase_at
from .points import points_for
from .prizes import parse_prizes

S = ChallengeSubmission
Progress = Callable[[str, int], None]  # (step, rows): 0 as a step starts, its count as it ends
STEPS = ("ranking", "ledger", "payouts", "done")
PLACE_POINTS = {1: "first_place", 2: "second_place", 3: "third_place"}


class NotFinished(Conflict):
    code = "not_finished"
    default_message = "Voting has not closed yet; results cannot be final."


@dataclass(frozen=True)
class FinalizationResult:
    challenge_id: uuid.UUID
    ranked: int
    ledger_rows: int
    payouts: int
    already_done: bool


def finalize_challenge(challenge_id: uuid.UUID, now: datetime,
                       progress: Progress | None = None) -> FinalizationResult:
    """Finalize one challenge. Flushes; the caller commits (``jobs.finalize`` does)."""
    report = progress or (lambda step, done: None)
    locked = db.session.execute(
        update(WeeklyChallenge)
        .where(WeeklyChallenge.id == challenge_id)
        .values(board_version=WeeklyChallenge.board_version)  # the row lock, nothing more
        .returning(WeeklyChallenge.id)
    ).first()
    if locked is None:
        raise NotFound("No such challenge.")
    challenge = db.session.get(WeeklyChallenge, challenge_id, populate_existing=True)
    assert challenge is not None
    if challenge.finalized_at is not None:
        return FinalizationResult(challenge_id, 0, 0, 0, already_done=True)
    if phase_at(challenge, now) != ChallengeStatus.COMPLETED:
        raise NotFinished()

    report("ranking", 0)
    ranking = _store_final_ranks(challenge_id)
    report("ranking", len(ranking))

    grants = list(_grants(challenge, ranking, now))
    report("ledger", 0)
    inserted = _insert_grants(grants)
    report("ledger", inserted)

    report("payouts", 0)
    payouts = _create_payouts(challenge, ranking, now)
    report("payouts", payouts)

    challenge.status = ChallengeStatus.COMPLETED.value
    challenge.finalized_at = now
    challenge.results_published_at = now
    db.session.flush()
    report("done", inserted)
    return FinalizationResult(challenge_id, len(ranking), inserted, payouts, already_done=False)


def _store_final_ranks(challenge_id: uuid.UUID) -> list[int]:
    """Give every counting entry its author's final place and return the authors in order.

    One statement ranks (counted votes, then the earlier first entry: SPEC §5) and writes;
    entries that do not count get no place."""
    ranks = (
        select(
            S.user_id.label("user_id"),
            func.row_number().over(
                order_by=(func.sum(S.counted_votes).desc(), func.min(S.entry_number).asc())
            ).label("place"),
        )
        .where(*counting(challenge_id))
        .group_by(S.user_id)
        .subquery()
    )
    placed = db.session.execute(
        update(S)
        .where(*counting(challenge_id), S.user_id == ranks.c.user_id)
        .values(final_rank=ranks.c.place)
        .returning(S.user_id, S.final_rank)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.execute(
        update(S)
        .where(S.challenge_id == challenge_id, ~S.counts, S.final_rank.is_not(None))
        .values(final_rank=None)
        .execution_options(synchronize_session=False)
    )
    place_of = dict(placed)
    return sorted(place_of, key=place_of.__getitem__)


def _grants(challenge: WeeklyChallenge, ranking: list[int], now: datetime) -> Iterable[dict]:
    cid, config = challenge.id, challenge.points_config
    prizes = parse_prizes(challenge.prizes)

    def row(user_id: int, amount: int, reason: str, key: str, currency: Currency = Currency.POINTS,
            submission_id: uuid.UUID | None = None) -> dict[str, Any]:
        return {"user_id": user_id, "currency": currency.value, "amount": amount,
                "reason": reason, "idempotency_key": key, "challenge_id": cid,
                "submission_id": submission_id, "created_at": now}

    for place, user_id in enumerate(ranking[:10], start=1):
        activity = PLACE_POINTS.get(place, "top_10")
        reason = "place" if place <= 3 else "top_10"
        yield row(user_id, points_for(config, activity), reason, f"place:{cid}:{user_id}")
        prize = prizes.places.get(place)
        if prize is not None and not prize.is_cash:
            yield row(user_id, int(prize.amount), "prize", f"prize:{cid}:{place}", Currency.TOKENS)

    featured = db.session.execute(
        select(S.id, S.user_id).where(*counting(cid), S.is_featured.is_(True))
    ).all()
    for submission_id, user_id in featured:
        yield row(user_id, points_for(config, "featured"), "featured", f"featured:{submission_id}",
                  submission_id=submission_id)

    if prizes.participation is not None:
        amount = int(prizes.participation.amount)
        for user_id in ranking:  # everyone with a counting (non-disqualified) entry
            yield row(user_id, amount, "participation", f"participation:{cid}:{user_id}",
                      Currency.TOKENS)

    if prizes.voting_reward is not None:
        amount = int(prizes.voting_reward.amount)
        voters = db.session.scalars(
            select(ChallengeVote.voter_id)
            .where(ChallengeVote.challenge_id == cid)
            .group_by(ChallengeVote.voter_id)
            .having(func.count() >= prizes.voting_reward_min_votes)
        )
        for user_id in voters:
            yield row(user_id, amount, "voting_reward", f"voting-reward:{cid}:{user_id}",
                      Currency.TOKENS)


def _insert_grants(rows: list[dict]) -> int:
    """Bulk insert, skipping keys already used, and move the balances by what went in."""
    rows = [row for row in rows if row["amount"] != 0]  # a 0 override is no grant (as in grant)
    if not rows:
        return 0
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        inserted = _insert_postgresql(connection, rows)
    else:
        ledger = LedgerEntry.__table__
        inserted = connection.execute(
            sqlite.insert(ledger).on_conflict_do_nothing()
            .returning(ledger.c.user_id, ledger.c.currency, ledger.c.amount),
            rows,
        ).all()
    deltas: dict[int, list[int]] = defaultdict(lambda: [0, 0])  # user -> [points, tokens]
    for user_id, currency, amount in inserted:
        deltas[user_id][0 if currency == "points" else 1] += amount
    if connection.dialect.name == "postgresql":
        # Every balance in one statement, the moves passed as three arrays.
        connection.execute(
            text("UPDATE users SET points_balance = points_balance + m.points, "
                 "tokens_balance = tokens_balance + m.tokens "
                 "FROM unnest(CAST(:ids AS integer[]), CAST(:points AS bigint[]), "
                 "CAST(:tokens AS bigint[])) AS m(uid, points, tokens) WHERE users.id = m.uid"),
            {"ids": list(deltas), "points": [d[0] for d in deltas.values()],
             "tokens": [d[1] for d in deltas.values()]},
        )
    elif deltas:  # SQLite: one prepared statement, executed many times
        users = User.__table__
        connection.execute(
            update(users).where(users.c.id == bindparam("uid")).values(
                points_balance=users.c.points_balance + bindparam("points"),
                tokens_balance=users.c.tokens_balance + bindparam("tokens")),
            [{"uid": uid, "points": p, "tokens": t} for uid, (p, t) in deltas.items()],
        )
    return len(inserted)


def _insert_postgresql(connection: Any, rows: list[dict]) -> list[Any]:
    """One INSERT ... SELECT FROM unnest(arrays): a single statement and nine parameters,
    however many rows; ON CONFLICT DO NOTHING skips keys already in the ledger."""
    columns = ("user_id", "currency", "amount", "reason", "idempotency_key", "challenge_id",
               "submission_id", "created_at")
    types = ("integer", "text", "bigint", "text", "text", "uuid", "uuid", "timestamptz")
    arrays = ", ".join(f"CAST(:{c} AS {t}[])" for c, t in zip(columns, types, strict=True))
    return connection.execute(
        # The SQL is built from the constant column list above, never from input.
        text(f"INSERT INTO ledger_entries ({', '.join(columns)}) "  # noqa: S608
             f"SELECT * FROM unnest({arrays}) ON CONFLICT DO NOTHING "
             "RETURNING user_id, currency, amount"),
        {c: [row[c] for row in rows] for c in columns},
    ).all()


def _create_payouts(challenge: WeeklyChallenge, ranking: list[int], now: datetime) -> int:
    prizes = parse_prizes(challenge.prizes)
    rows = [
        {"id": uuid.uuid4(), "challenge_id": challenge.id, "user_id": ranking[place - 1],
         "place": place, "amount": prize.amount, "currency": prize.currency,
         "status": "pending", "reference": "", "failure_reason": "", "created_at": now,
         "updated_at": now}
        for place, prize in prizes.places.items()
        if prize.is_cash and place <= len(ranking)
    ]
    if not rows:
        return 0
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    created = db.session.execute(
        dialect.insert(Payout).on_conflict_do_nothing().returning(Payout.id), rows
    ).all()
    return len(created)


def unfinalized_completed(now: datetime) -> list[uuid.UUID]:
    """Published challenges past their voting deadline that still await finalization."""
    return list(db.session.scalars(
        select(WeeklyChallenge.id).where(
            in_phase(ChallengeStatus.COMPLETED, now),
            WeeklyChallenge.finalized_at.is_(None),
        )
    ))
