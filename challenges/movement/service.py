"""The viewer's movement since the start of the UTC day, and the votes they need to pass the
member ranked just above them. Redis only: the widget's poll reads it (no SQL there).

The day-start board. At the start of each UTC day a snapshot of every open board is stored:
each member's board score (counted votes + the tie-break fraction, ``leaderboard.scores``) as
it stood at 00:00 UTC. It is rebuilt from the live board minus the day's "+N today" set
(``leaderboard.keys.day``: counted votes each member received since midnight), so a snapshot
taken a little after midnight, by a late job or by the first read of the day when the job did
not run at all, still gives the ranks of 00:00 for every vote cast since. A member who is not
in the snapshot joined the board today ("new today"). When no snapshot can be taken (the board
is not in Redis) the row shows no movement rather than a wrong one.

Votes to pass. Scores sort by counted votes, then by the earlier first entry (SPEC §5). The
viewer passes the member above with ``gap`` more counted votes if their own first entry came
earlier (a tie goes to them), and needs more than ``gap`` otherwise. The count is in full
votes (weight 1, SPEC §4): a down-weighted vote counts less.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import redis
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import as_utc
from ..events import SubmissionCreated
from ..extensions import db, get_redis
from ..leaderboard import keys as board_keys
from ..leaderboard.scores import decode, encode
from ..leaderboard.store import day_start
from ..luascripts import Batch, LuaScript, Reply, run_now
from ..models import ChallengeSubmission
from . import keys

SNAPSHOT_TTL = int(timedelta(days=3).total_seconds())
# A read takes the missing snapshot only of a board this big at most: the copy runs inside the
# read's script, and a 1,000,000-member copy held Redis (every client of it) for over a second,
# past the web clients' 1 s timeout (``redisguard`` then rests Redis in that process). Bigger
# boards wait for the day-start job (``jobs``), which copies any size; until then their
# members' rows show no movement.
READ_TAKES_AT_MOST = 100_000

# Take the day-start snapshot unless it exists. KEYS: built, board, day, start, taken,
# joined cut; ARGV: ttl, when. Sets ``took`` to 1 if taken now, 0 if it was there, -1 if the
# board is not built (nothing trustworthy to copy). Atomic: two takers at once store it once.
_TAKE = """
local took = 0
if redis.call('EXISTS', KEYS[5]) == 0 then
  if redis.call('EXISTS', KEYS[1]) == 0 then
    took = -1
  else
    redis.call('ZUNIONSTORE', KEYS[4], 2, KEYS[2], KEYS[3], 'WEIGHTS', 1, -1)
    -- Every real score keeps its positive tie-break fraction (nothing else may stay), and a
    -- member whose first entry came today has only today's votes: 0 and a later entry number.
    redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', redis.call('ZSCORE', KEYS[6], 'cut') or 0)
    redis.call('EXPIRE', KEYS[4], tonumber(ARGV[1]))
    redis.call('SET', KEYS[5], ARGV[2], 'EX', tonumber(ARGV[1]))
    took = 1
  end
end
"""
_TAKE_ONLY = _TAKE + "return took\n"

# The viewer's row: KEYS as _TAKE, then names; ARGV: ttl, when, viewer id, take ("1": take the
# snapshot when missing), the most members a read may copy. One round trip and one consistent
# moment.
_READ = LuaScript("""
local took = 0
if ARGV[4] == '1' and redis.call('ZCARD', KEYS[2]) <= tonumber(ARGV[5]) then
""" + _TAKE + """
end
local rank = redis.call('ZREVRANK', KEYS[2], ARGV[3])
if not rank then return false end
local score = redis.call('ZSCORE', KEYS[2], ARGV[3])
local above_id, above_score, above_name = false, false, false
if rank > 0 then
  local above = redis.call('ZREVRANGE', KEYS[2], rank - 1, rank - 1, 'WITHSCORES')
  above_id, above_score = above[1], above[2]
  above_name = redis.call('HGET', KEYS[7], above_id)
end
local known = redis.call('EXISTS', KEYS[5])
local start_rank = false
if known == 1 then start_rank = redis.call('ZREVRANK', KEYS[4], ARGV[3]) end
return {rank, score, above_score, above_name, known, start_rank}
""")


@dataclass(frozen=True)
class ToPass:
    """What the viewer needs to rank above the member just above them."""

    votes: int  # full votes (weight 1)
    username: str
    tie_goes_to_them: bool  # ``votes - 1`` would only tie, and the tie goes to the other member


@dataclass(frozen=True)
class Movement:
    """The viewer's row: where they are, where they stood at 00:00 UTC, who is next up."""

    rank: int
    known: bool  # a day-start snapshot exists (False: show no movement)
    start_rank: int | None  # None with ``known``: not on the board at 00:00 UTC
    to_pass: ToPass | None  # None at rank 1

    @property
    def new_today(self) -> bool:
        return self.known and self.start_rank is None

    @property
    def change(self) -> int | None:
        """Places gained since 00:00 UTC (negative: lost); None when unknown or new today."""
        if not self.known or self.start_rank is None:
            return None
        return self.start_rank - self.rank

    def as_json(self) -> dict[str, Any]:
        """The API's ``me.movement`` (``leaderboard.live.JsonExtra``): what the "you" row shows."""
        to_pass = self.to_pass
        return {
            "places_today": self.change,
            "new_today": self.new_today,
            "to_pass": None if to_pass is None else {
                "votes": to_pass.votes, "username": to_pass.username,
                "tie_goes_to_them": to_pass.tie_goes_to_them},
        }


def votes_to_pass(mine: float, above: float) -> tuple[int, bool]:
    """(full votes the member scored ``mine`` needs to rank above the one scored ``above``,
    whether one fewer would only tie and lose the tie). Both are board scores."""
    my_votes, my_first = decode(mine)
    their_votes, their_first = decode(above)
    gap = their_votes - my_votes  # a multiple of a quarter: exact in a double
    if my_first < their_first:  # a tie goes to me: reaching them is enough
        return max(1, math.ceil(gap)), False
    needed = math.floor(gap) + 1  # I must get past them
    return needed, gap == math.floor(gap)


def _script_keys(challenge_id: uuid.UUID, now: datetime) -> list[str]:
    today = day_start(now).date()
    return [board_keys.built(challenge_id), board_keys.board(challenge_id),
            board_keys.day(challenge_id, today), keys.day_start_board(challenge_id, today),
            keys.taken(challenge_id, today), keys.joined_cut(challenge_id, today)]


def record_entry(client: redis.Redis, challenge_id: uuid.UUID, entry_number: int,
                 created_at: datetime) -> None:
    """Remember that entry ``entry_number`` was made on ``created_at``'s UTC day, so a snapshot
    taken later that day leaves out the members whose first entry it was (they joined the
    board today). Entry numbers grow with time: the day's first number is the cut."""
    key = keys.joined_cut(challenge_id, day_start(created_at).date())
    pipe = client.pipeline(transaction=False)
    pipe.zadd(key, {"cut": encode(0, entry_number)}, gt=True)  # a smaller number cuts more
    pipe.expire(key, SNAPSHOT_TTL)
    pipe.execute()


def take_snapshot(client: redis.Redis, challenge_id: uuid.UUID, now: datetime) -> int:
    """Store the board of 00:00 UTC of ``now``'s day unless it is stored: 1 taken now, 0 it
    was there already, -1 the board is not in Redis (try again after its rebuild)."""
    script_keys = _script_keys(challenge_id, now)
    result: Any = client.eval(_TAKE_ONLY, len(script_keys), *script_keys, SNAPSHOT_TTL,
                              now.isoformat())
    return int(result)


def viewer_movement(client: redis.Redis, challenge_id: uuid.UUID, viewer_id: int,
                    now: datetime, take_missing: bool = True) -> Movement | None:
    """The viewer's movement and votes to pass, or None when they are not on the board. Takes
    the day's snapshot first when it is missing (``take_missing``: the first read of the day
    when the job did not run). One round trip, Redis only."""
    return run_now(client, lambda batch: queue_viewer_movement(batch, challenge_id, viewer_id,
                                                               now, take_missing))


def queue_viewer_movement(batch: Batch, challenge_id: uuid.UUID, viewer_id: int, now: datetime,
                          take_missing: bool = True) -> Reply[Movement | None]:
    """``viewer_movement`` queued on ``batch`` (the widget's poll reads the board with it)."""
    script_keys = [*_script_keys(challenge_id, now), board_keys.names(challenge_id)]
    args: list[str | int] = [SNAPSHOT_TTL, now.isoformat(), viewer_id,
                             "1" if take_missing else "0", READ_TAKES_AT_MOST]
    return batch.script(_READ, script_keys, args).then(_movement_from)


def _movement_from(result: Any) -> Movement | None:
    """The movement in the read script's reply (nothing: not on the board)."""
    if not result:
        return None
    rank, score, above_score, above_name, known, start_rank = cast(list[Any], result)
    to_pass = None
    if above_score is not None:
        votes, tie = votes_to_pass(float(score), float(above_score))
        to_pass = ToPass(votes, above_name or "", tie)
    return Movement(int(rank) + 1, bool(known),
                    None if start_rank is None else int(start_rank) + 1, to_pass)


def movement_hook(batch: Batch, challenge_id: uuid.UUID, viewer_id: int,
                  completed: bool, now: datetime) -> Reply[Movement | None] | None:
    """The leaderboard's viewer-row hook: the viewer's movement while voting is open (a final
    board has no "today"), queued on the batch that reads the board."""
    if completed:
        return None
    return queue_viewer_movement(batch, challenge_id, viewer_id, now)


def on_submission_created(event: SubmissionCreated) -> None:
    """The core's "entry submitted" event: note the day's first entry number (see
    ``record_entry``). A Redis error is logged by the event bus; the snapshot of a day whose
    note was lost may then count a member who joined that day as present at 00:00."""
    # Its own short session: the connection goes back to the pool before the next handler
    # runs, and the caller's session (its objects, its next transaction) is left alone.
    with Session(db.engine) as session:
        found = session.execute(
            select(ChallengeSubmission.entry_number, ChallengeSubmission.submitted_at)
            .where(ChallengeSubmission.id == event.submission_id)).first()
    if found is not None:
        record_entry(get_redis(), event.challenge_id, found.entry_number,
                     as_utc(found.submitted_at))
