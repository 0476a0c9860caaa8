"""Finalization (SPEC §7): final ranks from the database, place points, prizes, participation
and voting rewards, payouts, and the challenge marked completed with results published.

It runs as one transaction after taking the challenge's row lock. A worker killed half-way
leaves nothing behind (the transaction rolls back) and the next run does it all; two runs at
once queue on the lock and the second finds the work done; every row it writes has a unique
key, so even a run that repeats work inserts nothing twice.

Results are a pure "desired state" (``desired_results``: what each member should hold from the
ranking, and who each cash prize goes to). Finalization is its first application; after a
disqualification or reinstatement ``rerank_results`` applies it again, writing only the
compensating differences against what the ledger and the payouts hold.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Connection, bindparam, case, func, select, text, update
from sqlalchemy.dialects import sqlite

from .. import events
from ..errors import Conflict, NotFound
from ..extensions import db
from ..leaderboard.standings import counting
from ..models import (
    ChallengeStatus,
    ChallengeSubmission,
    ChallengeVote,
    Currency,
    LedgerEntry,
    User,
    WeeklyChallenge,
)
from ..phase import in_phase, phase_at, results_published, results_published_clause
from .payouts import WantedPayout, sync_payouts
from .points import points_for
from .prizes import parse_prizes

S = ChallengeSubmission
Progress = Callable[[str, int], None]  # (step, rows): 0 as a step starts, its count as it ends
STEPS = ("ranking", "ledger", "payouts", "done")
PLACE_POINTS = {1: "first_place", 2: "second_place", 3: "third_place"}
# The ledger reasons of a challenge's results (what a re-ranking may compensate).
RESULT_REASONS = ("place", "top_10", "prize", "participation", "voting_reward")
REVERSAL = "_reversal"
GrantKey = tuple[int, str, str]  # (user id, currency, reason)

# Features that rank a challenge by more than its votes (a judged challenge, SPEC §4a:
# challenges.judging): ``ranker(challenge_id)`` returns the members with a counting entry,
# first place first, or None to leave the challenge to the votes. Asked wherever final ranks
# are computed (finalization and every re-ranking). The core never imports a feature.
Ranker = Callable[[uuid.UUID], "list[int] | None"]
final_rankers: list[Ranker] = []


def on_final_ranking(ranker: Ranker) -> Ranker:
    """Register ``ranker`` (see ``final_rankers``); registering it twice is a no-op."""
    if ranker not in final_rankers:
        final_rankers.append(ranker)
    return ranker


def feature_ranking(challenge_id: uuid.UUID) -> list[int] | None:
    """The final order of members a registered ranker gives ``challenge_id`` (a judged
    challenge), best first; None when the community board's order is the final one. The one
    place finalization and the results page ask."""
    for ranker in final_rankers:
        if (order := ranker(challenge_id)) is not None:
            return order
    return None


class NotFinished(Conflict):
    code = "not_finished"
    default_message = _l("Voting has not closed yet; results cannot be final.")


@dataclass(frozen=True)
class FinalizationResult:
    challenge_id: uuid.UUID
    ranked: int
    ledger_rows: int
    payouts: int
    already_done: bool


def finalize_challenge(challenge_id: uuid.UUID, now: datetime,
                       progress: Progress | None = None) -> FinalizationResult:
    """Finalize one challenge. Flushes; the caller commits (``jobs.finalize`` does).

    This is the first application of the challenge's results (revision 0): the ranking, the
    grants that ``desired_results`` says the ranking earns, and its payouts. A later
    disqualification or reinstatement applies the same results again (``rerank_results``)."""
    report = progress or (lambda step, done: None)
    locked = db.session.execute(
        update(WeeklyChallenge)
        .where(WeeklyChallenge.id == challenge_id)
        .values(entries_created=WeeklyChallenge.entries_created)  # the row lock, nothing more
        .returning(WeeklyChallenge.id)
    ).first()
    if locked is None:
        raise NotFound(_("No such challenge."))
    challenge = db.session.get(WeeklyChallenge, challenge_id, populate_existing=True)
    assert challenge is not None
    if challenge.finalized_at is not None:
        return FinalizationResult(challenge_id, 0, 0, 0, already_done=True)
    # Results are computed and published at ``ends_at`` (issue #13), not at the voting deadline.
    if phase_at(challenge, now) != ChallengeStatus.COMPLETED or not results_published(
            challenge, now):
        raise NotFinished()

    report("ranking", 0)
    ranking = _store_final_ranks(challenge_id)
    report("ranking", len(ranking))

    desired = desired_results(challenge, ranking)
    # Nothing of these results is in the ledger yet (they are granted here only), so the
    # difference is the whole desired state; a run that repeats work collides on the keys.
    grants = [*_compensating_rows(challenge, desired, {}, 0, now), *_featured(challenge, now)]
    report("ledger", 0)
    inserted = _insert_grants(grants)
    report("ledger", inserted)

    report("payouts", 0)
    payouts = sync_payouts(challenge_id, desired.payouts, now, "").created
    report("payouts", len(payouts))

    challenge.status = ChallengeStatus.COMPLETED.value
    challenge.finalized_at = now
    challenge.results_published_at = now
    db.session.flush()
    events.publish(events.ChallengeFinalized(challenge_id))
    report("done", inserted)
    return FinalizationResult(challenge_id, len(ranking), inserted, len(payouts),
                              already_done=False)


def rerank_results(challenge_id: uuid.UUID, now: datetime, revision: int,
                   because: str) -> dict[str, Any]:
    """Apply a finalized challenge's results again after an entry's standing changed.

    The caller holds the challenge's row lock. Ranks are recomputed from the database; the
    ledger gets only the compensating rows between what the results now say each member should
    hold and what they hold (never an edit or a delete; keys carry ``revision``, so each
    revision writes its own rows); payouts follow (``sync_payouts``). Returns what changed,
    for the audit trail."""
    challenge = db.session.get(WeeklyChallenge, challenge_id)
    if challenge is None:
        raise NotFound(_("No such challenge."))
    before = _ranks_of(challenge_id)
    ranking = _store_final_ranks(challenge_id)
    after = {user_id: place for place, user_id in enumerate(ranking, start=1)}
    desired = desired_results(challenge, ranking)
    rows = list(_compensating_rows(challenge, desired, _held_result_grants(challenge_id),
                                   revision, now))
    inserted = _insert_grants(rows)
    payouts = sync_payouts(challenge_id, desired.payouts, now,
                           f"Results revision {revision}: {because}")
    moved = sorted((user_id, before.get(user_id), after.get(user_id))
                   for user_id in before.keys() | after.keys()
                   if before.get(user_id) != after.get(user_id))
    # Every place below a removed member moves: keep the audit row small on a big board by
    # listing the moves that touch a rewarded place (1-10) or a member entering or leaving.
    notable = [change for change in moved if None in change[1:]
               or min(p for p in change[1:] if p is not None) <= 10]
    return {
        "revision": revision,
        "ranks": [list(change) for change in notable],  # [user id, old place, new place]
        "ranks_moved": len(moved),
        "ledger": [[r["user_id"], r["currency"], r["reason"], r["amount"]] for r in rows],
        "ledger_rows": inserted,
        "payouts": payouts.as_json(),
    }


@dataclass(frozen=True)
class DesiredResults:
    """What a ranking earns (SPEC §6, §7), as a pure value: the grants each member should hold
    from this challenge's results and the cash payout each place should go to."""

    ranking: list[int]  # user ids, first place first
    grants: dict[GrantKey, int]  # (user id, currency, reason) -> amount
    payouts: dict[int, WantedPayout]  # place -> who is owed what


def desired_results(challenge: WeeklyChallenge, ranking: list[int]) -> DesiredResults:
    """Place and top-10 points, token prizes, participation and voting rewards, and cash
    payouts, as the prizes JSON and point values of ``challenge`` give them for ``ranking``."""
    config = challenge.points_config
    prizes = parse_prizes(challenge.prizes)
    grants: dict[GrantKey, int] = {}

    def add(user_id: int, currency: Currency, reason: str, amount: int) -> None:
        if amount != 0:  # a 0 override is no grant (as in ``grant``)
            key = (user_id, currency.value, reason)
            grants[key] = grants.get(key, 0) + amount

    for place, user_id in enumerate(ranking[:10], start=1):
        add(user_id, Currency.POINTS, "place" if place <= 3 else "top_10",
            points_for(config, PLACE_POINTS.get(place, "top_10")))
        prize = prizes.places.get(place)
        if prize is not None and not prize.is_cash:
            add(user_id, Currency.TOKENS, "prize", int(prize.amount))
    if prizes.participation is not None:
        for user_id in ranking:  # everyone with a counting (non-disqualified) entry
            add(user_id, Currency.TOKENS, "participation", int(prizes.participation.amount))
    if prizes.voting_reward is not None:
        voters = db.session.scalars(
            select(ChallengeVote.voter_id)
            .where(ChallengeVote.challenge_id == challenge.id)
            .group_by(ChallengeVote.voter_id)
            .having(func.count() >= prizes.voting_reward_min_votes)
        )
        for user_id in voters:
            add(user_id, Currency.TOKENS, "voting_reward", int(prizes.voting_reward.amount))
    payouts = {
        place: WantedPayout(ranking[place - 1], prize.amount, prize.currency)
        for place, prize in prizes.places.items()
        if prize.is_cash and place <= len(ranking)
    }
    return DesiredResults(list(ranking), grants, payouts)


def _store_final_ranks(challenge_id: uuid.UUID) -> list[int]:
    """Give every counting entry its author's final place and return the authors in order.

    One statement ranks (counted votes, then the earlier first entry: SPEC §5) and writes;
    entries that do not count get no place. A registered ranker (``final_rankers``) may rank
    the challenge instead (a judged challenge)."""
    if (order := feature_ranking(challenge_id)) is not None:
        return _store_ranking(challenge_id, order)
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
    place_of: dict[int, int] = dict(placed)  # type: ignore[arg-type]  # row_number() is never NULL
    return sorted(place_of, key=place_of.__getitem__)


def _store_ranking(challenge_id: uuid.UUID, order: list[int]) -> list[int]:
    """Give every counting entry of each member in ``order`` their place (one statement), and
    no place to every other entry."""
    place_of = {user_id: place for place, user_id in enumerate(order, start=1)}
    if place_of:
        db.session.execute(
            update(S)
            .where(*counting(challenge_id), S.user_id.in_(list(place_of)))
            .values(final_rank=case(place_of, value=S.user_id))
            .execution_options(synchronize_session=False)
        )
    db.session.execute(
        update(S)
        .where(S.challenge_id == challenge_id, S.final_rank.is_not(None),
               ~S.counts | ~S.user_id.in_(list(place_of)))
        .values(final_rank=None)
        .execution_options(synchronize_session=False)
    )
    return list(order)


def _ranks_of(challenge_id: uuid.UUID) -> dict[int, int]:
    """user id -> final place, as stored now."""
    rows = db.session.execute(
        select(S.user_id, func.min(S.final_rank))
        .where(S.challenge_id == challenge_id, S.final_rank.is_not(None))
        .group_by(S.user_id)
    ).all()
    return {user_id: int(place) for user_id, place in rows if place is not None}


def _held_result_grants(challenge_id: uuid.UUID) -> dict[GrantKey, int]:
    """What each member holds of this challenge's results: the sum of their result rows and
    of the rows that compensated them, per (user, currency, reason)."""
    reasons = [*RESULT_REASONS, *(reason + REVERSAL for reason in RESULT_REASONS)]
    held: dict[GrantKey, int] = defaultdict(int)
    for user_id, currency, reason, amount in db.session.execute(
        select(LedgerEntry.user_id, LedgerEntry.currency, LedgerEntry.reason,
               func.sum(LedgerEntry.amount))
        .where(LedgerEntry.challenge_id == challenge_id, LedgerEntry.reason.in_(reasons))
        .group_by(LedgerEntry.user_id, LedgerEntry.currency, LedgerEntry.reason)
    ):
        held[(user_id, currency, reason.removesuffix(REVERSAL))] += int(amount)
    return dict(held)


def _compensating_rows(challenge: WeeklyChallenge, desired: DesiredResults,
                       held: dict[GrantKey, int], revision: int,
                       now: datetime) -> Iterable[dict[str, Any]]:
    """One ledger row per (user, currency, reason) whose holding differs from the desired
    amount: the difference, as a grant (same reason) or a reversal ("<reason>_reversal").

    Revision 0 (finalization) keeps the keys results always had; later revisions key each row
    by the revision, so every re-ranking writes its own rows and repeating one writes none."""
    cid = challenge.id
    place_of = {user_id: place for place, user_id in enumerate(desired.ranking, start=1)}
    for user_id, currency, reason in sorted(desired.grants.keys() | held.keys()):
        delta = desired.grants.get((user_id, currency, reason), 0) - held.get(
            (user_id, currency, reason), 0)
        if delta == 0:
            continue
        if revision == 0:
            key = {
                "place": f"place:{cid}:{user_id}",
                "top_10": f"place:{cid}:{user_id}",
                "prize": f"prize:{cid}:{place_of.get(user_id)}",
                "participation": f"participation:{cid}:{user_id}",
                "voting_reward": f"voting-reward:{cid}:{user_id}",
            }[reason]
        else:
            key = f"results:{cid}:{revision}:{reason}:{currency}:{user_id}"
        yield {"user_id": user_id, "currency": currency, "amount": delta,
               "reason": reason if delta > 0 else reason + REVERSAL, "idempotency_key": key,
               "challenge_id": cid, "submission_id": None, "created_at": now}


def _featured(challenge: WeeklyChallenge, now: datetime) -> Iterable[dict[str, Any]]:
    """Featured points for counting entries featured without the service (an old admin form):
    the same key as ``rewards.entry_featured``, so an entry is never paid twice. Not a result:
    a later re-ranking leaves them alone, as it leaves the featured grants of every entry."""
    amount = points_for(challenge.points_config, "featured")
    featured = db.session.execute(
        select(S.id, S.user_id).where(*counting(challenge.id), S.is_featured.is_(True))
    ).all()
    for submission_id, user_id in featured:
        yield {"user_id": user_id, "currency": Currency.POINTS.value, "amount": amount,
               "reason": "featured", "idempotency_key": f"featured:{submission_id}",
               "challenge_id": challenge.id, "submission_id": submission_id,
               "created_at": now}


def _insert_grants(rows: list[dict[str, Any]]) -> int:
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
            # SQLAlchemy types a model's __table__ as FromClause; it is a Table.
            sqlite.insert(ledger).on_conflict_do_nothing()  # type: ignore[arg-type, unused-ignore]
            .returning(ledger.c.user_id, ledger.c.currency, ledger.c.amount),
            rows,
        ).all()
    deltas: dict[int, list[int]] = defaultdict(lambda: [0, 0])  # user -> [points, tokens]
    for user_id, currency, amount in inserted:
        deltas[user_id][0 if currency == "points" else 1] += amount
    if connection.dialect.name == "postgresql" and deltas:
        # Users are locked in id order first, as every path locks users (docs/decisions.md):
        # the UPDATE below locks them in whatever order its plan visits them, and a vote
        # holding its author's and voter's rows in id order could close a cycle with it.
        connection.execute(
            text("SELECT id FROM users WHERE id = ANY(CAST(:ids AS integer[])) "
                 "ORDER BY id FOR NO KEY UPDATE"),
            {"ids": sorted(deltas)},
        )
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
            # SQLAlchemy types a model's __table__ as FromClause; it is a Table.
            update(users).where(users.c.id == bindparam("uid")).values(  # type: ignore[arg-type, unused-ignore]
                points_balance=users.c.points_balance + bindparam("points"),
                tokens_balance=users.c.tokens_balance + bindparam("tokens")),
            [{"uid": uid, "points": p, "tokens": t} for uid, (p, t) in deltas.items()],
        )
    return len(inserted)


def _insert_postgresql(connection: Connection, rows: list[dict[str, Any]]
                       ) -> Sequence[Any]:
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


def unfinalized_completed(now: datetime) -> list[uuid.UUID]:
    """Published challenges past their voting deadline and ``ends_at`` (when results are
    published) that still await finalization."""
    return list(db.session.scalars(
        select(WeeklyChallenge.id).where(
            in_phase(ChallengeStatus.COMPLETED, now),
            results_published_clause(now),
            WeeklyChallenge.finalized_at.is_(None),
        )
    ))
