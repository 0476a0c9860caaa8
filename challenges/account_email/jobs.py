"""RQ glue of the account emails. Enqueued by dotted name (``RESET_JOB``)."""

from __future__ import annotations

from flask import current_app

from ..transactions import commit_with_retry
from . import service

RESET_JOB = "challenges.account_email.jobs.send_password_reset"


def send_password_reset(email: str, nonce: str) -> None:
    """Look the address up and queue a reset link if an account uses it. Runs on a worker, so
    the "forgot password" page answers the same, in the same time, either way. Returns
    nothing: a job's result must not tell whether the address exists either."""
    secret_key = current_app.config["SECRET_KEY"]
    commit_with_retry(lambda: service.request_password_reset(email, nonce, secret_key=secret_key))
