"""After the load: what the voters believe against the vote rows, and each board in Redis
against SQL, read with the leaderboard package's own functions (the ones reconcile uses)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import redis
from sqlalchemy import select

from challenges.clock import utcnow
from challenges.extensions import db
from challenges.leaderboard import keys
from challenges.leaderboard.rebuild import CHUNK, snapshot_session
from challenges.leaderboard.reconcile import open_challenges
from challenges.leaderboard.scores import encode
from challenges.leaderboard.standings import (
    board_members,
    sql_board_version,
    standings_from_votes,
    submission_chunks,
)
from challenges.leaderboard.store import day_start
from challenges.models import ChallengeVote

from .load import Belief


@dataclass
class VoteCheck:
    pairs: int = 0  # (voter, entry) pairs some voter touched
    believed_voted: int = 0  # confirmed "voted" at the end
    rows: int = 0  # vote rows of the soak's voters in the database
    lost: list[tuple[int, uuid.UUID]] = field(default_factory=list)  # believed voted, no row
    ghosts: list[tuple[int, uuid.UUID]] = field(default_factory=list)  # believed not, a row
    unknown: int = 0  # last request unanswered: state read back from the database
    unknown_voted: int = 0  # ... of which the database holds a vote


def check_votes(beliefs: dict[int, dict[object, Belief]], challenge_ids: list[uuid.UUID]
                ) -> VoteCheck:
    """Compare every pair's confirmed state with the rows (the database is the truth)."""
    db.session.rollback()
    rows = set(db.session.execute(
        select(ChallengeVote.voter_id, ChallengeVote.submission_id)
        .where(ChallengeVote.challenge_id.in_(challenge_ids),
               ChallengeVote.voter_id.in_(list(beliefs)))).tuples())
    check = VoteCheck(rows=len(rows))
    for voter_id, mine in beliefs.items():
        for entry_id, belief in mine.items():
            assert isinstance(entry_id, uuid.UUID)
            pair = (voter_id, entry_id)
            check.pairs += 1
            if belief.unknown or belief.timed_out:
                check.unknown += 1
                check.unknown_voted += pair in rows
                continue
            check.believed_voted += belief.voted
            if belief.voted and pair not in rows:
                check.lost.append(pair)
            elif not belief.voted and pair in rows:
                check.ghosts.append(pair)
    return check


@dataclass
class BoardDiff:
    challenge_id: uuid.UUID
    members: int = 0
    entries: int = 0
    members_wrong: int = 0  # Redis score differs from SQL (or is missing / extra)
    entries_wrong: int = 0
    counters_wrong: int = 0  # SQL's cached counters differ from the vote rows
    version_behind: bool = False  # Redis's version is older than SQL's (widgets would not refresh)
    built: bool = True

    @property
    def equal(self) -> bool:
        return self.built and not (self.members_wrong or self.entries_wrong
                                   or self.counters_wrong or self.version_behind)


def compare_boards(client: redis.Redis) -> list[BoardDiff]:
    """Every open board: Redis against one snapshot of SQL, member by member and entry by
    entry, plus SQL's counters against the vote rows themselves."""
    now = utcnow()
    db.session.rollback()
    diffs = []
    for cid in open_challenges(now):
        diff = BoardDiff(cid)
        diffs.append(diff)
        diff.built = bool(client.exists(keys.built(cid)))
        with snapshot_session() as session:
            sql_version = sql_board_version(cid, session)
            want = {str(m.user_id): encode(m.counted_votes, m.first_entry_number)
                    for chunk in board_members(cid, day_start(now), session, CHUNK)
                    for m in chunk}
            want_entries = {str(sid): encode(counted, n)
                            for chunk in submission_chunks(cid, session, CHUNK)
                            for sid, counted, n, _version in chunk}
        held = dict(client.zrange(keys.board(cid), 0, -1, withscores=True))
        held_entries = dict(client.zrange(keys.submissions(cid), 0, -1, withscores=True))
        diff.members, diff.entries = len(want), len(want_entries)
        diff.members_wrong = _differ(want, held)
        diff.entries_wrong = _differ(want_entries, held_entries)
        held_version = client.get(keys.version(cid))
        diff.version_behind = held_version is None or int(held_version) < sql_version
        from_rows = {str(u): encode(v, first) for u, v, first in standings_from_votes(cid)}
        diff.counters_wrong = _differ(from_rows, want)
        db.session.rollback()
    return diffs


def _differ(want: dict[str, float], held: dict[str, float]) -> int:
    return sum(1 for k in want.keys() | held.keys() if want.get(k) != held.get(k))
