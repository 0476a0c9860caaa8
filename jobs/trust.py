"""Trust jobs (issue 13): vote-ring detection on the scheduler."""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app

from challenges.clock import utcnow
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
