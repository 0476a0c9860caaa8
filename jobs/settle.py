"""A vote's rewards after the vote (issue 14): the job that settles the votes waiting, and the
sweep that settles what a crash or a lost job left."""

from __future__ import annotations

import logging
from typing import Any

from challenges.clock import utcnow
from challenges.services.vote_rewards import settle_waiting, sweep_unrewarded

log = logging.getLogger(__name__)


def sweep_vote_rewards() -> dict[str, Any]:
    """Grant the rewards of votes committed without them (the process died between a vote's
    commit and its follow-up). Idempotent: each vote's compare-and-set on ``rewarded_at`` and
    the ledger keys make a second run, or a run next to the requests' follow-ups, grant
    nothing twice."""
    settled = sweep_unrewarded(utcnow())
    if settled:
        log.warning("settled the rewards of %d vote(s) left without them", settled)
    return {"settled": settled}


def settle_waiting_votes(linger: float = 0.0) -> dict[str, Any]:
    """Grant the rewards of the votes committed since the last run (queued by the votes
    themselves, ``vote_rewards.settle_soon``), staying up to ``linger`` seconds while more
    come. Idempotent like the sweep."""
    return {"settled": settle_waiting(linger=linger)}
