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
from collections.abc import Callable
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
_handlers: dict[type, list[Handler]] = defaultdict(list)


def subscribe(event_type: type[E], handler: Callable[[E], None]) -> Callable[[E], None]:
    """Call ``handler(event)`` for every ``event_type`` published from now on. Subscribing the
    same function twice is a no-op (apps are created more than once in tests)."""
    handlers = _handlers[event_type]
    if handler not in handlers:
        handlers.append(handler)
    return handler


def publish(event: object) -> None:
    """Deliver ``event`` once the current transaction commits (and has handed its connection
    back: handlers may use the database); a rollback drops it."""
    after_release(lambda: deliver(event))


def deliver(event: object) -> None:
    """Deliver ``event`` now (for callers that have already committed)."""
    for handler in list(_handlers.get(type(event), ())):
        try:
            handler(event)
        except Exception:  # the change is durable; one failing feature must not hide it
            log.exception("event handler %s failed for %r", getattr(handler, "__name__", handler),
                          event)
