"""Who is told: one set-based query per kind, a page of recipients at a time (keyset by user
id), with everything their email needs in the same statement (no query per member).

Definitions used here (docs/decisions.md, "Notification audiences"):
- **member**: an account that took part in any challenge (an entry, withdrawn or not, or a vote)
  or was created in the last ``MEMBER_NEW_FOR`` (60 days). Roles do not matter: an editor who
  plays is a member.
- **entered** a challenge: has a live (not withdrawn) entry in it; a disqualified entry still
  means the member took part.
- **participant** of a challenge: entered it or voted in it.
Each audience also leaves out whoever turned the kind off (``preferences.wants``) and whoever this
kind's email for this challenge was already queued for (its outbox key), so a rerun renders
nothing and inserts nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    union,
)

from ..extensions import db
from ..models import ChallengeSubmission, ChallengeVote, Currency, LedgerEntry, User
from .kinds import NotificationKind
from .outbox import EmailOutbox
from .preferences import wants

S = ChallengeSubmission
V = ChallengeVote
MEMBER_NEW_FOR = timedelta(days=60)
PAGE_SIZE = 500
Q = TypeVar("Q", bound=Select[*tuple[Any, ...]])


@dataclass(frozen=True)
class Recipient:
    """One member to email, with the facts about them that their email shows."""

    user_id: int
    username: str
    email: str
    votes_cast: int = 0  # votes they cast in the challenge (voting_closing, results)
    rank: int | None = None  # final place (results); None: not ranked
    counted_votes: float = 0.0  # counted votes their entries received (results)
    points: int = 0  # points the ledger holds from this challenge (results)
    tokens: int = 0  # tokens the ledger holds from this challenge (results)
    entered: bool = False  # has a live entry in the challenge (results)
    locale: str | None = None  # their language preference: their email is written in it


def outbox_key(kind: NotificationKind, scope: object, user_id: int | str) -> str:
    """The exactly-once key of one notification: "<kind>:<challenge id or week>:<user id>"."""
    return f"{kind.value}:{scope}:{user_id}"


def is_member(now: datetime) -> ColumnElement[bool]:
    """SQL: ``User`` took part in any challenge, or joined within ``MEMBER_NEW_FOR``."""
    return or_(
        User.created_at >= now - MEMBER_NEW_FOR,
        exists().where(S.user_id == User.id),
        exists().where(V.voter_id == User.id),
    )


def _entered(challenge_id: uuid.UUID) -> ColumnElement[bool]:
    return exists().where(S.challenge_id == challenge_id, S.user_id == User.id,
                          S.is_withdrawn.is_(False))


def _not_queued(kind: NotificationKind, scope: object) -> ColumnElement[bool]:
    key = literal(outbox_key(kind, scope, "")) + cast(User.id, String)
    return ~exists().where(EmailOutbox.key == key)


def _page(query: Q, kind: NotificationKind, scope: object, after: int, limit: int) -> Q:
    return (query.where(User.id > after, wants(kind, User.id), _not_queued(kind, scope))
            .order_by(User.id).limit(limit))


def _people() -> Select[int, str, str, str | None]:
    return select(User.id, User.username, User.email, User.locale)


def _recipients(query: Select[int, str, str, str | None]) -> list[Recipient]:
    return [Recipient(user_id=row[0], username=row[1], email=row[2], locale=row[3])
            for row in db.session.execute(query)]


def _votes_cast(challenge_id: uuid.UUID) -> ColumnElement[int]:
    return (select(func.count()).where(V.challenge_id == challenge_id, V.voter_id == User.id)
            .correlate(User).scalar_subquery())


def challenge_started(challenge_id: uuid.UUID, now: datetime, after: int = 0,
                      limit: int = PAGE_SIZE) -> list[Recipient]:
    """Every member who has not turned "challenge started" off."""
    kind = NotificationKind.CHALLENGE_STARTED
    return _recipients(_page(_people().where(is_member(now)), kind, challenge_id, after, limit))


def submissions_closing(challenge_id: uuid.UUID, now: datetime, after: int = 0,
                        limit: int = PAGE_SIZE) -> list[Recipient]:
    """Members who have not entered the challenge."""
    kind = NotificationKind.SUBMISSIONS_CLOSING
    query = _people().where(is_member(now), ~_entered(challenge_id))
    return _recipients(_page(query, kind, challenge_id, after, limit))


def voting_open(challenge_id: uuid.UUID, now: datetime, after: int = 0,
                limit: int = PAGE_SIZE) -> list[Recipient]:
    """Everyone who entered the challenge."""
    kind = NotificationKind.VOTING_OPEN
    query = _people().where(_entered(challenge_id))
    return _recipients(_page(query, kind, challenge_id, after, limit))


def voting_closing(challenge_id: uuid.UUID, min_votes: int, now: datetime, after: int = 0,
                   limit: int = PAGE_SIZE) -> list[Recipient]:
    """Members who cast fewer than ``min_votes`` votes in the challenge (the voting reward's
    minimum, which the caller reads from the challenge's prizes)."""
    kind = NotificationKind.VOTING_CLOSING
    cast_so_far = _votes_cast(challenge_id)
    query = (select(User.id, User.username, User.email, User.locale, cast_so_far)
             .where(is_member(now), cast_so_far < min_votes))
    return [Recipient(user_id=row[0], username=row[1], email=row[2], locale=row[3],
                      votes_cast=row[4])
            for row in db.session.execute(_page(query, kind, challenge_id, after, limit))]


def results(challenge_id: uuid.UUID, now: datetime, after: int = 0,
            limit: int = PAGE_SIZE) -> list[Recipient]:
    """Every participant (entered or voted), with their final place, the counted votes their
    entries received, the votes they cast and what this challenge's ledger rows gave them."""
    kind = NotificationKind.RESULTS
    participants = union(
        select(S.user_id).where(S.challenge_id == challenge_id, S.is_withdrawn.is_(False)),
        select(V.voter_id).where(V.challenge_id == challenge_id),
    )
    mine = (S.challenge_id == challenge_id, S.user_id == User.id, S.counts)
    rank = select(func.min(S.final_rank)).where(*mine).correlate(User).scalar_subquery()
    received = (select(func.coalesce(func.sum(S.counted_votes), 0.0)).where(*mine)
                .correlate(User).scalar_subquery())

    def earned(currency: Currency) -> ColumnElement[int]:
        return (select(func.coalesce(func.sum(LedgerEntry.amount), 0))
                .where(LedgerEntry.user_id == User.id, LedgerEntry.challenge_id == challenge_id,
                       LedgerEntry.currency == currency.value)
                .correlate(User).scalar_subquery())

    query = (select(User.id, User.username, User.email, User.locale,
                    _votes_cast(challenge_id), rank, received, earned(Currency.POINTS),
                    earned(Currency.TOKENS), _entered(challenge_id))
             .where(User.id.in_(participants)))
    return [
        Recipient(user_id=row[0], username=row[1], email=row[2], locale=row[3],
                  votes_cast=row[4], rank=row[5], counted_votes=float(row[6]),
                  points=int(row[7]), tokens=int(row[8]), entered=bool(row[9]))
        for row in db.session.execute(_page(query, kind, challenge_id, after, limit))
    ]


def weekly_digest(week: str, now: datetime, after: int = 0,
                  limit: int = PAGE_SIZE) -> list[Recipient]:
    """Everyone who turned the weekly digest on (it is opt-in), once per ISO ``week``."""
    return _recipients(_page(_people(), NotificationKind.WEEKLY_DIGEST, week, after, limit))


def ranked_count(challenge_id: uuid.UUID) -> int:
    """How many members hold a final place (the "of N" in "#7 of 212")."""
    return db.session.scalar(
        select(func.count(func.distinct(S.user_id)))
        .where(S.challenge_id == challenge_id, S.counts, S.final_rank.is_not(None))
    ) or 0


def last_user_id(page: Sequence[Recipient]) -> int:
    """Where the next page starts."""
    return page[-1].user_id if page else 0
