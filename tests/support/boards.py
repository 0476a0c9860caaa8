"""Big boards written straight into Redis, as a rebuild leaves them, through the leaderboard
package's own keys and meta writer (no SQL rows behind them): for paging tests and benchmarks."""

from __future__ import annotations

from typing import Any

import redis

from challenges.leaderboard import keys
from challenges.leaderboard.scores import encode
from challenges.leaderboard.store import publish_meta

CHUNK = 10_000


def member_name(user_id: int) -> str:
    return f"m{user_id}"


def leave_board_as_a_rebuild_would(client: redis.Redis, challenge: Any, members: int) -> None:
    """A built board of ``members`` (user ids 1..members, ranked in that order): the sorted set,
    the names hash, the version, the meta and the built marker. Votes repeat every 500 members,
    so most places are decided by the tie rule."""
    board, names = keys.board(challenge.id), keys.names(challenge.id)
    pipe = client.pipeline(transaction=False)
    for start in range(1, members + 1, CHUNK):
        chunk = range(start, min(start + CHUNK, members + 1))
        pipe.zadd(board, {uid: encode((members - uid) // 500, uid) for uid in chunk})
        pipe.hset(names, mapping={uid: member_name(uid) for uid in chunk})
    pipe.set(keys.version(challenge.id), 1)
    pipe.execute()
    publish_meta(client, challenge)
    client.set(keys.built(challenge.id), 1)
