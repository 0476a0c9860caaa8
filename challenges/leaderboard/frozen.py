"""The frozen board (issue #13, SPEC §2 ``freeze_hours``): what the public sees of a board from
the freeze moment (``voting_deadline - freeze_hours``) until the results are published.

Votes keep counting all along (the database and the live sorted sets move as usual); the public
reads a copy taken at the freeze moment. The copy is computed from the database alone, from the
votes cast before the freeze (``frozen_standings``), and stored in Redis beside the live board,
so the widget's poll still runs no SQL. Whoever takes it first (the freeze job on the scheduler,
or a page read that finds it missing after a Redis loss) writes the same board: the SQL twin is
the definition, and taking it again is idempotent.

This is core (SPEC §2 names the freeze; the poll path is core and the core imports no feature);
the scheduled job that takes copies on time lives in ``challenges/freeze``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import redis
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, scoped_session
from sqlalchemy.orm.attributes import set_committed_value

from ..extensions import db
from ..models import ChallengeSubmission, ChallengeVote, User, WeeklyChallenge
from ..phase import freeze_starts_at, is_frozen
from . import keys
from .scores import counted_votes, encode
from .store import Row, Snapshot

S = ChallengeSubmission
# A frozen copy outlives its use: kept a week after it was taken (the results are out by then,
# and a rebuild from SQL would give the same board anyway).
FROZEN_TTL = 7 * 24 * 3600


@dataclass(frozen=True)
class FrozenStanding:
    user_id: int
    username: str
    counted_votes: float
    first_entry_number: int


def _before(freeze_at: datetime) -> Any:
    return and_(ChallengeVote.submission_id == S.id, ChallengeVote.created_at < freeze_at)


def frozen_standings(challenge_id: uuid.UUID, freeze_at: datetime,
                     session: Session | scoped_session[Any] | None = None
                     ) -> list[FrozenStanding]:
    """The board as it stood at ``freeze_at``, from the database: counted votes cast before it
    on each member's counting entries, in rank order (the tie rule of SPEC §5)."""
    session = session or db.session
    votes = (
        select(S.id.label("sid"), func.coalesce(func.sum(ChallengeVote.weight), 0).label("w"))
        .select_from(S)
        .outerjoin(ChallengeVote, _before(freeze_at))
        .where(S.challenge_id == challenge_id, S.counts)
        .group_by(S.id)
        .subquery()
    )
    counted = func.sum(votes.c.w)
    query = (
        select(S.user_id, User.username, counted.label("counted"),
               func.min(S.entry_number).label("first_entry"))
        .join(votes, votes.c.sid == S.id)
        .join(User, User.id == S.user_id)
        .group_by(S.user_id, User.username)
        .order_by(counted.desc(), func.min(S.entry_number))
    )
    return [FrozenStanding(r.user_id, r.username, float(r.counted or 0), int(r.first_entry))
            for r in session.execute(query)]


def frozen_submission_votes(challenge_id: uuid.UUID, freeze_at: datetime,
                            session: Session | scoped_session[Any] | None = None
                            ) -> dict[uuid.UUID, float]:
    """Counted votes of each counting entry at ``freeze_at`` (the gallery's frozen counts)."""
    session = session or db.session
    query = (
        select(S.id, func.coalesce(func.sum(ChallengeVote.weight), 0))
        .select_from(S)
        .outerjoin(ChallengeVote, _before(freeze_at))
        .where(S.challenge_id == challenge_id, S.counts)
        .group_by(S.id)
    )
    return {sid: float(w or 0) for sid, w in session.execute(query)}


def take(client: redis.Redis, challenge: WeeklyChallenge) -> bool:
    """Store the challenge's frozen board in Redis (from the database), unless the copy held is
    already of this freeze moment. Returns whether it wrote one. Idempotent: two takers write
    the same board, and a copy of another moment (the editor moved the deadline) is replaced."""
    freeze_at = freeze_starts_at(challenge)
    if freeze_at is None:
        return False
    cid = challenge.id
    stamp = repr(freeze_at.timestamp())
    if client.hget(keys.frozen(cid), "at") == stamp:
        return False
    standings = frozen_standings(cid, freeze_at)
    subs = frozen_submission_votes(cid, freeze_at)
    pipe = client.pipeline(transaction=True)
    pipe.delete(keys.frozen_board(cid), keys.frozen_submissions(cid), keys.frozen_names(cid))
    if standings:
        pipe.zadd(keys.frozen_board(cid),
                  {str(s.user_id): encode(s.counted_votes, s.first_entry_number)
                   for s in standings})
        pipe.hset(keys.frozen_names(cid), mapping={str(s.user_id): s.username for s in standings})
    if subs:
        pipe.zadd(keys.frozen_submissions(cid), {str(k): v for k, v in subs.items()})
    pipe.hset(keys.frozen(cid), mapping={"at": stamp, "participants": len(standings)})
    for key in (keys.frozen(cid), keys.frozen_board(cid), keys.frozen_submissions(cid),
                keys.frozen_names(cid)):
        pipe.expire(key, FROZEN_TTL)
    pipe.execute()
    return True


def is_taken(client: redis.Redis, challenge: WeeklyChallenge) -> bool:
    """Whether Redis holds the frozen copy of this challenge's current freeze moment."""
    freeze_at = freeze_starts_at(challenge)
    return (freeze_at is not None
            and client.hget(keys.frozen(challenge.id), "at") == repr(freeze_at.timestamp()))


def read(client: redis.Redis, challenge_id: uuid.UUID, viewer_id: int | None, today: date,
         top: int = 10) -> Snapshot | None:
    """The frozen top ``top`` rows and the viewer's own *live* row, from Redis alone (two
    round trips); None when the frozen copy is missing (the caller takes the page path).

    The version is the live board's: a poller's own row moves with it."""
    pipe = client.pipeline(transaction=False)
    pipe.hget(keys.frozen(challenge_id), "participants")
    pipe.zrevrange(keys.frozen_board(challenge_id), 0, top - 1, withscores=True)
    pipe.get(keys.version(challenge_id))
    if viewer_id is not None:
        pipe.zrevrank(keys.board(challenge_id), viewer_id)
        pipe.zscore(keys.board(challenge_id), viewer_id)
        pipe.hget(keys.names(challenge_id), str(viewer_id))
        pipe.zscore(keys.day(challenge_id, today), viewer_id)
    participants, flat, version, *mine = pipe.execute()
    if participants is None:
        return None
    ids = [member for member, _ in flat]
    names: list[Any] = (
        client.hmget(keys.frozen_names(challenge_id), ids) if ids else []  # type: ignore[assignment]
    )
    rows = [Row(i, int(member), names[i - 1] or "", counted_votes(float(score)), 0.0)
            for i, (member, score) in enumerate(flat, start=1)]
    return Snapshot(int(version or 0), rows, live_row(viewer_id, mine), int(participants))


def live_row(viewer_id: int | None, replies: list[Any]) -> Row | None:
    """The viewer's live row from the replies of ZREVRANK, ZSCORE, HGET name, ZSCORE today."""
    if viewer_id is None or not replies or replies[0] is None:
        return None
    rank, score, name, today = replies
    return Row(int(rank) + 1, viewer_id, name or "", counted_votes(float(score)),
               float(today or 0))


def read_live_row(client: redis.Redis, challenge_id: uuid.UUID, viewer_id: int | None,
                  today: date) -> Row | None:
    """One member's live row (rank, counted votes, "+N today") from Redis."""
    if viewer_id is None:
        return None
    pipe = client.pipeline(transaction=False)
    pipe.zrevrank(keys.board(challenge_id), viewer_id)
    pipe.zscore(keys.board(challenge_id), viewer_id)
    pipe.hget(keys.names(challenge_id), str(viewer_id))
    pipe.zscore(keys.day(challenge_id, today), viewer_id)
    return live_row(viewer_id, pipe.execute())


def sql_rows(challenge: WeeklyChallenge, top: int | None) -> tuple[list[Row], int]:
    """The frozen rows from the database (Redis is down): the top ``top`` and how many."""
    freeze_at = freeze_starts_at(challenge)
    assert freeze_at is not None
    standings = frozen_standings(challenge.id, freeze_at)
    shown = standings if top is None else standings[:top]
    return ([Row(i, s.user_id, s.username, s.counted_votes, 0.0)
             for i, s in enumerate(shown, start=1)], len(standings))


def meta_freeze_at(meta: dict[str, str]) -> datetime | None:
    """The freeze moment in a board's Redis meta, or None (no freeze, or an older meta)."""
    raw = meta.get("freeze_at")
    return datetime.fromtimestamp(float(raw), UTC) if raw else None


def show_frozen_tallies(challenge: WeeklyChallenge, entries: list[ChallengeSubmission],
                        now: datetime) -> None:
    """During the frozen hours, make ``entries`` show their votes as they stood at the freeze
    (raw and counted), like the public board: one query for the lot. Display only: the values
    are set as loaded (nothing is written back), after every write of the request. A no-op
    when the challenge is not frozen at ``now``."""
    freeze_at = freeze_starts_at(challenge)
    if freeze_at is None or not entries or not is_frozen(challenge, now):
        return
    tallies = {
        sid: (int(raw), float(counted or 0))
        for sid, raw, counted in db.session.execute(
            select(ChallengeVote.submission_id, func.count(), func.sum(ChallengeVote.weight))
            .where(ChallengeVote.submission_id.in_([e.id for e in entries]),
                   ChallengeVote.created_at < freeze_at)
            .group_by(ChallengeVote.submission_id))
    }
    for entry in entries:
        raw, counted = tallies.get(entry.id, (0, 0.0))
        set_committed_value(entry, "vote_count", raw)
        set_committed_value(entry, "counted_votes", counted)
