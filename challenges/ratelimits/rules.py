"""The limits the views wear. Each is counted before the view runs: Flask-Limiter increments the
counter and compares in one Redis command, so N parallel requests let exactly the limit through.
The amounts are settings (``challenges/config.py``), read on every request."""

from __future__ import annotations

import logging
from collections.abc import Callable

import redis
from flask import current_app
from limits.errors import StorageError

from ..extensions import limiter
from .keys import ip_key, login_attempt_key, member_or_ip

log = logging.getLogger(__name__)

VOTE_LIMIT_MESSAGE = "You're voting very fast. Wait a minute, then try again."


def _setting(name: str) -> Callable[[], str]:
    return lambda: str(current_app.config[name])


# Login: every POST counts, up front. Per (account as typed, address), so one attacker guessing
# one account does not lock its owner out elsewhere; and per address, higher, so one address
# cannot sweep many accounts. A successful login clears the first (``forget_login_failures``).
login_per_account = limiter.limit(
    _setting("LOGIN_RATE_LIMIT"), key_func=login_attempt_key, methods=["POST"],
    scope="account")
login_per_ip = limiter.limit(
    _setting("LOGIN_IP_RATE_LIMIT"), key_func=ip_key, methods=["POST"], scope="ip")

# Register: per address, every POST (a valid one creates an account).
register_per_ip = limiter.limit(_setting("REGISTER_RATE_LIMIT"), key_func=ip_key,
                                methods=["POST"])

# The public "Sponsor a challenge" form: per address, every POST (a valid one emails every
# editor, so it must not become a way to flood their inboxes).
sponsor_inquiry_per_ip = limiter.limit(_setting("SPONSOR_INQUIRY_RATE_LIMIT"), key_func=ip_key,
                                       methods=["POST"], scope="sponsor-inquiry")

# Votes and unvotes, HTML and API alike: one bucket per member (scope "votes").
votes = limiter.shared_limit(_setting("VOTE_RATE_LIMIT"), scope="votes", key_func=member_or_ip,
                             error_message=VOTE_LIMIT_MESSAGE)


def forget_login_failures() -> None:
    """After a successful login: empty this (account, address) window, so a member who finally
    typed the right password starts afresh. The per-address window keeps its count."""
    key = login_attempt_key()
    for counted in limiter.current_limits:
        if key in counted.request_args:
            try:
                limiter.limiter.clear(counted.limit, *counted.request_args)
            except (redis.RedisError, StorageError):
                # The login stands; the window simply runs out on its own.
                log.warning("Could not clear the login window: rate-limit storage unreachable")
