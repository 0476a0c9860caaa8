"""Staleness: boards that missed a write in this process, to be rebuilt once Redis answers.

A write lost to a Redis hiccup leaves the sets behind the database while their ``built`` marker
says all is well. The process that saw the failure remembers the challenge and, at its next
successful contact with Redis, clears the marker, so the next read queues a rebuild (and reads
SQL until it is done). The reconcile job (``jobs.leaderboards.reconcile_boards``, every
``RECONCILE_INTERVAL_SECONDS``) catches what a process could not remember (it died, or never
read again).
"""

from __future__ import annotations

import threading
import uuid

import redis

from . import keys

_lock = threading.Lock()
_stale: set[uuid.UUID] = set()


def mark_stale(challenge_id: uuid.UUID) -> None:
    """Remember that this board missed a write (Redis did not answer)."""
    with _lock:
        _stale.add(challenge_id)


def pending() -> bool:
    """Whether a board of this process missed a write and waits for ``heal``."""
    return bool(_stale)


def heal(client: redis.Redis) -> None:
    """Clear the ``built`` marker of every board this process knows to be stale."""
    with _lock:
        pending = list(_stale)
    for challenge_id in pending:
        client.delete(keys.built(challenge_id))  # raises while Redis is still down
        with _lock:
            _stale.discard(challenge_id)
