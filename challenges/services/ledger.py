"""The one way points and tokens move (SPEC §6): an idempotent insert into the ledger plus the
cached balance, in the caller's transaction."""

from __future__ import annotations

import uuid
from datetime import datetime
from functools import cache
from typing import cast

from sqlalchemy import Insert, Table, Update, bindparam, update
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import Currency, LedgerEntry, User

_BALANCE = {Currency.POINTS: User.points_balance, Currency.TOKENS: User.tokens_balance}


def grant(
    user_id: int,
    amount: int,
    reason: str,
    key: str,
    now: datetime,
    *,
    currency: Currency = Currency.POINTS,
    challenge_id: uuid.UUID | None = None,
    submission_id: uuid.UUID | None = None,
) -> bool:
    """Record a grant (or, with a negative amount, a reversal) unless ``key`` was used before.

    Returns True if this call inserted it. The unique idempotency key makes retries, duplicate
    jobs and double clicks harmless: ``INSERT ... ON CONFLICT DO NOTHING`` on both databases, and
    the balance moves only when the row went in, in the same transaction.
    """
    if amount == 0:
        return False
    inserted = db.session.execute(_insert_once(db.engine.dialect.name), {
        "user_id": user_id, "currency": currency.value, "amount": amount, "reason": reason,
        "idempotency_key": key, "challenge_id": challenge_id, "submission_id": submission_id,
        "created_at": now}).first()
    if inserted is None:
        return False
    db.session.execute(_move_balance(currency), {"user": user_id, "amount": amount})
    return True


# Both statements are built once: a vote's rewards run them several times (issue #14), and
# building and keying a statement cost more than the database's work. Core statements on the
# tables: no ORM state to keep in step (the balance's readers load the row afresh).
@cache
def _insert_once(dialect: str) -> Insert:
    """A ledger row, its columns passed as parameters, unless its idempotency key is taken;
    returns its id when it went in (``dialect``: the database's, for ON CONFLICT)."""
    ledger = cast(Table, LedgerEntry.__table__)
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(ledger).on_conflict_do_nothing().returning(ledger.c.id)


@cache
def _move_balance(currency: Currency) -> Update:
    """A member's cached balance of ``currency`` moved by ``amount``."""
    users = cast(Table, User.__table__)
    column = users.c[_BALANCE[currency].key]
    return (update(users).where(users.c.id == bindparam("user"))
            .values({column: column + bindparam("amount")}))
