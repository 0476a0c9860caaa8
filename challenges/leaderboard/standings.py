"""The standings as the database says they are: the truth Redis mirrors, the fallback when Redis
is down, and the source of final ranks. Same tie rule as ``scores``."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, Select, SQLColumnExpression, and_, func, or_, select
from sqlalchemy.orm import Session, scoped_session

from ..extensions import db
from ..models import BoardMember, ChallengeSubmission, ChallengeVote, User

S = ChallengeSubmission


@dataclass(frozen=True)
class Standing:
    rank: int
    user_id: int
    username: str
    counted_votes: float
    first_entry_number: int
    today: float = 0.0


def counting(challenge_id: uuid.UUID | BindParameter[uuid.UUID]
             ) -> list[SQLColumnExpression[bool]]:
    """Entries whose votes count: in this challenge (an id, or a parameter of a statement built
    once), neither withdrawn nor disqualified."""
    return [S.challenge_id == challenge_id, S.counts]


def _totals(challenge_id: uuid.UUID) -> Select[int, float, int]:
    return (
        select(
            S.user_id.label("user_id"),
            func.sum(S.counted_votes).label("counted"),
            func.min(S.entry_number).label("first_entry"),
        )
        .where(*counting(challenge_id))
        .group_by(S.user_id)
    )


def ranked_standings(
    challenge_id: uuid.UUID,
    limit: int | None = None,
    today_from: datetime | None = None,
    session: Session | scoped_session[Any] | None = None,
) -> list[Standing]:
    """Participants in rank order (more counted votes, then earlier first entry)."""
    session = session or db.session
    totals = _totals(challenge_id).subquery()
    query = (
        select(totals.c.user_id, User.username, totals.c.counted, totals.c.first_entry)
        .join(User, User.id == totals.c.user_id)
        .order_by(totals.c.counted.desc(), totals.c.first_entry.asc())
    )
    if limit is not None:
        query = query.limit(limit)
    rows = session.execute(query).all()
    # The whole board (a rebuild) asks for everyone at once: an IN list of every participant
    # would pass PostgreSQL's 65,535 bind parameters on a big board, and is slower anyway.
    who = None if limit is None else [r.user_id for r in rows]
    today = votes_today(challenge_id, who, today_from, session) if today_from and rows else {}
    return [
        Standing(i, r.user_id, r.username, float(r.counted or 0), r.first_entry,
                 today.get(r.user_id, 0.0))
        for i, r in enumerate(rows, start=1)
    ]


def standing_of(
    challenge_id: uuid.UUID, user_id: int, today_from: datetime | None = None
) -> Standing | None:
    """One user's standing with its rank, or None if they have no counting entry."""
    mine = db.session.execute(
        _totals(challenge_id).where(S.user_id == user_id)
    ).first()
    if mine is None:
        return None
    totals = _totals(challenge_id).subquery()
    ahead = db.session.scalar(
        select(func.count()).select_from(totals).where(
            or_(
                totals.c.counted > mine.counted,
                and_(totals.c.counted == mine.counted, totals.c.first_entry < mine.first_entry),
            )
        )
    )
    username = db.session.scalar(select(User.username).where(User.id == user_id)) or ""
    today = votes_today(challenge_id, [user_id], today_from) if today_from else {}
    return Standing(int(ahead or 0) + 1, user_id, username, float(mine.counted or 0),
                    mine.first_entry, today.get(user_id, 0.0))


def user_total(challenge_id: uuid.UUID, user_id: int) -> tuple[float, int] | None:
    """(counted votes, first entry number) of one user's counting entries, or None."""
    row = db.session.execute(_totals(challenge_id).where(S.user_id == user_id)).first()
    return None if row is None else (float(row.counted or 0), int(row.first_entry))


def votes_today(
    challenge_id: uuid.UUID,
    user_ids: list[int] | None,
    day_start: datetime | None,
    session: Session | scoped_session[Any] | None = None,
) -> dict[int, float]:
    """Counted votes each user received since ``day_start`` on their counting entries.

    ``user_ids`` None means every participant of the challenge."""
    if user_ids == [] or day_start is None:
        return {}
    session = session or db.session
    query = (
        select(S.user_id, func.sum(ChallengeVote.weight))
        .join(ChallengeVote, ChallengeVote.submission_id == S.id)
        .where(*counting(challenge_id), ChallengeVote.created_at >= day_start)
        .group_by(S.user_id)
    )
    if user_ids is not None:
        query = query.where(S.user_id.in_(user_ids))
    rows = session.execute(query).all()
    return {user_id: float(total or 0) for user_id, total in rows}


def submission_totals(
    challenge_id: uuid.UUID, session: Session | scoped_session[Any] | None = None
) -> list[tuple[uuid.UUID, float, int]]:
    """(submission id, counted votes, entry number) of every counting entry."""
    session = session or db.session
    return [
        (row[0], float(row[1]), row[2])
        for row in session.execute(
            select(S.id, S.counted_votes, S.entry_number).where(*counting(challenge_id))
        )
    ]


@dataclass(frozen=True)
class Member:
    """One board member as a rebuild or a reconcile reads it (no rank: Redis sorts)."""

    user_id: int
    username: str
    counted_votes: float
    first_entry_number: int
    today: float
    version: int = 0  # ``board_members.version`` in the same snapshot (0: no row yet)


def board_members(
    challenge_id: uuid.UUID, today_from: datetime, session: Session, chunk: int,
    user_ids: list[int] | None = None,
) -> Iterator[list[Member]]:
    """Every member of the board (or of ``user_ids``) with "+N today", streamed in chunks of
    ``chunk`` from one statement (a server-side cursor on PostgreSQL). Runs in the
    caller's transaction, so a snapshot transaction gives one consistent board."""
    totals = _totals(challenge_id)
    today = (
        select(S.user_id.label("user_id"), func.sum(ChallengeVote.weight).label("today"))
        .join(ChallengeVote, ChallengeVote.submission_id == S.id)
        .where(*counting(challenge_id), ChallengeVote.created_at >= today_from)
        .group_by(S.user_id)
    )
    if user_ids is not None:
        totals = totals.where(S.user_id.in_(user_ids))
        today = today.where(S.user_id.in_(user_ids))
    t, d = totals.subquery(), today.subquery()
    query = (
        select(t.c.user_id, User.username, t.c.counted, t.c.first_entry,
               func.coalesce(d.c.today, 0), func.coalesce(BoardMember.version, 0))
        .join(User, User.id == t.c.user_id)
        .outerjoin(d, d.c.user_id == t.c.user_id)
        .outerjoin(BoardMember, and_(BoardMember.challenge_id == challenge_id,
                                     BoardMember.user_id == t.c.user_id))
    )
    for rows in session.execute(query, execution_options={"yield_per": chunk}).partitions():
        yield [Member(r[0], r[1], float(r[2] or 0), int(r[3]), float(r[4] or 0), int(r[5]))
               for r in rows]


def _author_version() -> Any:
    return func.coalesce(BoardMember.version, 0)


def _with_author(query: Select[Any], challenge_id: uuid.UUID) -> Select[Any]:
    return query.outerjoin(BoardMember, and_(BoardMember.challenge_id == challenge_id,
                                             BoardMember.user_id == S.user_id))


def submission_chunks(
    challenge_id: uuid.UUID, session: Session, chunk: int, ids: list[uuid.UUID] | None = None
) -> Iterator[list[tuple[uuid.UUID, float, int, int]]]:
    """(submission id, counted votes, entry number, its author's member version) of every
    counting entry (or of ``ids``), streamed in chunks like ``board_members``."""
    query = _with_author(select(S.id, S.counted_votes, S.entry_number, _author_version()),
                         challenge_id).where(*counting(challenge_id))
    if ids is not None:
        query = query.where(S.id.in_(ids))
    rows_of = session.execute(query, execution_options={"yield_per": chunk})
    for rows in rows_of.partitions():
        yield [(r[0], float(r[1]), int(r[2]), int(r[3])) for r in rows]


def off_board_chunks(challenge_id: uuid.UUID, session: Session, chunk: int
                     ) -> Iterator[tuple[str, list[tuple[str, int]]]]:
    """What is NOT on the board, with its version: ("u", [(user id, version)]) for board
    members without a counting entry, ("s", [(submission id, author's version)]) for entries
    that do not count. A rebuild stages them as removals, so a late write older than the
    snapshot cannot bring them back."""
    has_counting = select(S.id).where(*counting(challenge_id), S.user_id == BoardMember.user_id)
    members = select(BoardMember.user_id, BoardMember.version).where(
        BoardMember.challenge_id == challenge_id, ~has_counting.exists())
    for rows in session.execute(members, execution_options={"yield_per": chunk}).partitions():
        yield "u", [(str(r[0]), int(r[1])) for r in rows]
    entries = _with_author(select(S.id, _author_version()), challenge_id).where(
        S.challenge_id == challenge_id, ~S.counts)
    for rows in session.execute(entries, execution_options={"yield_per": chunk}).partitions():
        yield "s", [(str(r[0]), int(r[1])) for r in rows]


def sql_board_version(challenge_id: uuid.UUID,
                      session: Session | scoped_session[Any] | None = None) -> int:
    """The board's version as the database says it (the sum of its member versions): what a
    page served from SQL (Redis away) embeds for the widget's next poll."""
    session = session or db.session
    return int(session.scalar(select(func.coalesce(func.sum(BoardMember.version), 0))
                              .where(BoardMember.challenge_id == challenge_id)) or 0)


def standings_from_votes(challenge_id: uuid.UUID, limit: int | None = None
                         ) -> list[tuple[int, float, int]]:
    """The same ranking aggregated from the votes table itself (not the cached counters):
    what the counters must always agree with, and the benchmark's SQL baseline."""
    votes = (
        select(ChallengeVote.submission_id, func.sum(ChallengeVote.weight).label("w"))
        .where(ChallengeVote.challenge_id == challenge_id)
        .group_by(ChallengeVote.submission_id)
        .subquery()
    )
    query = (
        select(
            S.user_id,
            func.coalesce(func.sum(votes.c.w), 0).label("counted"),
            func.min(S.entry_number).label("first_entry"),
        )
        .outerjoin(votes, votes.c.submission_id == S.id)
        .where(*counting(challenge_id))
        .group_by(S.user_id)
        .order_by(func.coalesce(func.sum(votes.c.w), 0).desc(), func.min(S.entry_number))
    )
    if limit is not None:
        query = query.limit(limit)
    return [(r.user_id, float(r.counted), r.first_entry) for r in db.session.execute(query)]
