"""RQ glue of the account emails. Enqueued by dotted name (``RESET_JOB``)."""

from __future__ import annotations

import logging

import redis
from flask import current_app

from ..clock import utcnow
from ..extensions import db, get_queue
from ..models import User
from ..services import votes
from ..transactions import commit_with_retry
from . import service

log = logging.getLogger(__name__)
RESET_JOB = "challenges.account_email.jobs.send_password_reset"
REWEIGH_JOB = "challenges.account_email.jobs.reweigh_votes"


def send_password_reset(email: str, nonce: str) -> None:
    """Look the address up and queue a reset link if an account uses it. Runs on a worker, so
    the "forgot password" page answers the same, in the same time, either way. Returns
    nothing: a job's result must not tell whether the address exists either."""
    secret_key = current_app.config["SECRET_KEY"]
    commit_with_retry(lambda: service.request_password_reset(email, nonce, secret_key=secret_key))


def queue_reweigh(user_id: int) -> None:
    """After the commit that verified ``user_id``: re-weigh their votes where voting is still
    open (``votes.reweigh_votes``), in a job of its own."""
    try:
        get_queue().enqueue(REWEIGH_JOB, user_id, result_ttl=0, failure_ttl=24 * 3600)
    except redis.RedisError as error:
        # The verification stands; only votes already cast keep their lower weight.
        log.warning("verification of user %s: could not queue the re-weighing (%s)",
                    user_id, error)


def reweigh_votes(user_id: int) -> int:
    """Give a newly verified member's votes in open challenges their new weight; the boards
    follow. Running it twice changes nothing the second time."""
    config = current_app.config

    def work() -> int:
        user = db.session.get(User, user_id)
        if user is None:
            return 0
        return votes.reweigh_votes(user, utcnow(),
                                   verified_weight=config["VERIFIED_VOTE_WEIGHT"],
                                   unverified_weight=config["UNVERIFIED_VOTE_WEIGHT"])

    changed = commit_with_retry(work)
    log.info("user %s: %d vote(s) re-weighed after verification", user_id, changed)
    return changed
