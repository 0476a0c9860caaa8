"""The signed links of the account emails: what each carries, for how long, under its own salt.

A token is an itsdangerous ``URLSafeTimedSerializer`` payload signed with the app's
``SECRET_KEY``. Each purpose has its own salt, so a verification token can never be replayed as
a reset token. The signer asks the app's clock for the time (``challenges.clock``), so tests move
the clock instead of waiting an hour.

Tokens are stateless; what makes one stop working is in its payload and checked against the
account when it is used (``service.py``): the address it was sent to, and for a reset a
fingerprint of the current password hash (a reset, or any password change, invalidates it).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from ..clock import utcnow


@dataclass(frozen=True)
class Purpose:
    """What a token is for: its salt and how long it is valid."""

    salt: str
    max_age: timedelta


VERIFY = Purpose("account-email.verify", timedelta(days=7))
RESET = Purpose("account-email.password-reset", timedelta(hours=1))
EMAIL_CHANGE = Purpose("account-email.change", timedelta(hours=24))


class TokenProblem(Exception):
    """A token that cannot be used: ``expired`` if only its age is wrong (a clean signature)."""

    def __init__(self, expired: bool = False) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


class _ClockSigner(TimestampSigner):
    """Timestamps from the app's clock, the one every rule reads."""

    def get_timestamp(self) -> int:
        return int(utcnow().timestamp())


def _serializer(secret_key: str, purpose: Purpose) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=purpose.salt, signer=_ClockSigner)


def new_nonce() -> str:
    """A short random id: one per email, in its token and its outbox key."""
    return secrets.token_urlsafe(9)


def sign(secret_key: str, purpose: Purpose, payload: dict[str, Any]) -> str:
    """A URL-safe token carrying ``payload`` for ``purpose``, timestamped now."""
    token = _serializer(secret_key, purpose).dumps(payload)
    return token if isinstance(token, str) else token.decode()


def unsign(secret_key: str, purpose: Purpose, token: str) -> dict[str, Any]:
    """The payload of a genuine, unexpired token for ``purpose``; ``TokenProblem`` otherwise."""
    try:
        payload = _serializer(secret_key, purpose).loads(
            token, max_age=int(purpose.max_age.total_seconds()))
    except SignatureExpired:
        raise TokenProblem(expired=True) from None
    except (BadData, UnicodeError, ValueError):  # tampered, truncated, another purpose's
        raise TokenProblem() from None
    if not isinstance(payload, dict):
        raise TokenProblem()
    return payload


def password_fingerprint(secret_key: str, password_hash: str) -> str:
    """A keyed digest of the stored password hash: a reset token carries it, and any change of
    the password (this reset included) makes the token's copy stale. Argon2 salts every hash,
    so even setting the same password again changes it."""
    return hmac.new(secret_key.encode(), password_hash.encode(), hashlib.sha256).hexdigest()[:32]


def same(a: object, b: object) -> bool:
    """Constant-time equality for the strings a token is checked against."""
    if not (isinstance(a, str) and isinstance(b, str)):
        return False
    return hmac.compare_digest(a.encode(), b.encode())  # bytes: addresses may be non-ASCII
