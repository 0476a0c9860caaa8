"""Big boards written straight into Redis, as a rebuild leaves them, through the leaderboard
package's own keys and meta writer (no SQL rows behind them): for paging tests and benchmarks."""

from __future__ import annotations

from typing import Any

import redis

from challenges.leaderboard import keys
from challenges.leaderboard.scores import encode
from challenges.leaderboard.store import publish_meta

CHUNK = 10_000
ID_BASE = 1_000_000_000  # member i has user id ID_BASE + i: clear of the real users' ids


def member_name(member: int) -> str:
    return f"m{member}"


def leave_board_as_a_rebuild_would(client: redis.Redis, challenge: Any, members: int) -> None:
    """A built board of ``members`` (members 1..n, ranked in that order): the sorted set,
    the names hash, the version, the meta and the built marker. Votes repeat every 500 members,
    so most places are decided by the tie rule."""
    board, names = keys.board(challenge.id), keys.names(challenge.id)
    pipe = client.pipeline(transaction=False)
    for start in range(1, members + 1, CHUNK):
        chunk = range(start, min(start + CHUNK, members + 1))
        pipe.zadd(board, {ID_BASE + i: encode((members - i) // 500, i) for i in chunk})
        pipe.hset(names, mapping={ID_BASE + i: member_name(i) for i in chunk})
    pipe.set(keys.version(challenge.id), 1)
    pipe.execute()
    publish_meta(client, challenge)
    client.set(keys.built(challenge.id), 1)


def place_member(client: redis.Redis, challenge: Any, user_id: int, username: str,
                 counted_votes: float, first_entry_number: int) -> None:
    """Put one (real) member on such a board with this score, as a vote's write would."""
    client.zadd(keys.board(challenge.id), {user_id: encode(counted_votes, first_entry_number)})
    client.hset(keys.names(challenge.id), user_id, username)
