"""The core's events: what features subscribe to instead of being called by the core.

The core never imports a feature (ARCHITECTURE.md, "Features as packages"). When something a
feature may care about happens (an entry is submitted, a vote is cast, a challenge changes phase
or is finalized), the core publishes one of the events below; features subscribe at start-up.

Events are delivered **after the transaction that caused them commits** (``publish``), so a
rolled-back vote never sends a notification or a webhook, and after its connection went back to
the pool, so a handler that queries never holds a second connection. Handlers run in the
process that committed, inside the request or the job: they must be quick (queue a job, write a
Redis key, insert a few rows) and they never break the caller. A handler that raises is logged
and the next one still runs, because the change it reacts to is already durable.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from .transactions import after_release

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UserRegistered:
    """A new account exists (the register page, or ``flask users create``)."""

    user_id: int


@dataclass(frozen=True)
class RegistrationWithTakenEmail:
    """Someone used the register form with the address of an existing account. The page said
    the same as for a new address (no enumeration); the owner of the address is told instead."""

    user_id: int


@dataclass(frozen=True)
class ChallengePublished:
    """A challenge left ``draft``: it is visible to everyone from now on."""

    challenge_id: uuid.UUID


@dataclass(frozen=True)
class PhaseChanged:
    """The phase job persisted a new phase (``old`` and ``new`` are status values)."""

    challenge_id: uuid.UUID
    old: str
    new: str


@dataclass(frozen=True)
class SubmissionCreated:
    challenge_id: uuid.UUID
    submission_id: uuid.UUID
    user_id: int


@dataclass(frozen=True)
class VoteCast:
    """A new vote (not a repeated one) was recorded for ``author_id``'s entry."""

    challenge_id: uuid.UUID
    submission_id: uuid.UUID
    voter_id: int
    author_id: int


@dataclass(frozen=True)
class ChallengeFinalized:
    """Results are final: ranks, grants and payouts are committed."""

    challenge_id: uuid.UUID


E = TypeVar("E")
Handler = Callable[[Any], None]
BatchHandler = Callable[[list[Any]], None]
_handlers: dict[type, list[Handler]] = defaultdict(list)
_batch_handlers: dict[type, list[BatchHandler]] = defaultdict(list)


def subscribe(event_type: type[E], handler: Callable[[E], None]) -> Callable[[E], None]:
    """Call ``handler(event)`` for every ``event_type`` published from now on. Subscribing the
    same function twice is a no-op (apps are created more than once in tests)."""
    handlers = _handlers[event_type]
    if handler not in handlers:
        handlers.append(handler)
    return handler


def subscribe_batch(event_type: type[E],
                    handler: Callable[[list[E]], None]) -> Callable[[list[E]], None]:
    """Call ``handler(events)`` with the ``event_type`` events one ``publish_all`` delivers, in
    one call (a feature that pays a transaction per call: the settle job's batch of votes, one
    commit for all their notifications). ``publish`` delivers a list of one. Idempotent."""
    handlers = _batch_handlers[event_type]
    if handler not in handlers:
        handlers.append(handler)
    return handler


def publish(event: object) -> None:
    """Deliver ``event`` once the current transaction commits (and has handed its connection
    back: handlers may use the database); a rollback drops it."""
    publish_all([event])


def publish_all(batch: Sequence[object]) -> None:
    """``publish`` each of ``batch``, in order; batch subscribers get theirs in one call."""
    if batch:
        after_release(lambda: deliver_all(batch))


def deliver(event: object) -> None:
    """Deliver ``event`` now (for callers that have already committed)."""
    deliver_all([event])


def deliver_all(batch: Sequence[object]) -> None:
    """Deliver ``batch`` now: each event to its subscribers, then each batch subscriber once
    with the events of its type."""
    for event in batch:
        for handler in list(_handlers.get(type(event), ())):
            _call(handler, event)
    for event_type in dict.fromkeys(type(event) for event in batch):
        of_type = [event for event in batch if type(event) is event_type]
        for batch_handler in list(_batch_handlers.get(event_type, ())):
            _call(batch_handler, of_type)


def _call(handler: Callable[[Any], None], argument: object) -> None:
    try:
        handler(argument)
    except Exception:  # the change is durable; one failing feature must not hide it
        log.exception("event handler %s failed for %r", getattr(handler, "__name__", handler),
                      argument)
