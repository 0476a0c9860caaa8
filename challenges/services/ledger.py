"""The one way points and tokens move (SPEC §6): an idempotent insert into the ledger plus the
cached balance, in the caller's transaction."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import update
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
    insert = (postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert)(
        LedgerEntry
    )
    inserted = db.session.execute(
        insert.values(
            user_id=user_id,
            currency=currency.value,
            amount=amount,
            reason=reason,
            idempotency_key=key,
            challenge_id=challenge_id,
            submission_id=submission_id,
            created_at=now,
        )
        .on_conflict_do_nothing()
        .returning(LedgerEntry.id)
    ).first()
    if inserted is None:
        return False
    column = _BALANCE[currency]
    db.session.execute(
        update(User)
        .where(User.id == user_id)
        .values({column: column + amount})
        .execution_options(synchronize_session=False)
    )
    return True
