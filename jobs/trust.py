"""Trust jobs (issue 13): vote-ring detection on the scheduler, and re-weighing a member's votes
after an editor flagged or unflagged them."""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app

from challenges.clock import utcnow
from challenges.extensions import db
from challenges.models import User
from challenges.services import votes
from challenges.transactions import commit_with_retry
from challenges.trust.rings import RingSettings, record_rings

log = logging.getLogger(__name__)


def detect_vote_rings() -> dict[str, Any]:
    """Flag vote rings in the votes of the last ``TRUST_RING_LOOKBACK_HOURS`` for review.
    Idempotent: a run over votes already flagged changes nothing, and two runs at once meet on
    the flags' unique key."""
    now = utcnow()
    settings = RingSettings.from_config(current_app.config)
    changed = commit_with_retry(lambda: record_rings(now, settings))
    if changed:
        log.warning("vote rings: %d flag(s) new or grown, waiting for review: %s",
                    len(changed), changed)
    return {"flags": changed}


def reweigh_member(user_id: int) -> int:
    """Give a member's votes in open challenges the weight ``votes.vote_weight`` gives them now
    (after an editor flagged or unflagged them, or changed their verification in the admin)."""
    config = current_app.config

    def work() -> int:
        user = db.session.get(User, user_id)
        if user is None:
            return 0
        return votes.reweigh_votes(user, utcnow(),
                                   verified_weight=config["VERIFIED_VOTE_WEIGHT"],
                                   unverified_weight=config["UNVERIFIED_VOTE_WEIGHT"])

    changed = commit_with_retry(work)
    log.info("user %s: %d vote(s) re-weighed", user_id, changed)
    return changed
