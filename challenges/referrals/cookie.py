"""The referral cookie: who shared the link a visitor arrived through, for which challenge,
and when (the app's clock), signed with ``SECRET_KEY`` so nobody can name a referrer of their
choice. A cookie, not the session: it must outlive the browser session for 7 days. It holds
three short values ("wc_ref=<about 80 characters>")."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from itsdangerous import BadData, URLSafeSerializer

NAME = "wc_ref"
MAX_AGE = timedelta(days=7)
_SALT = "referrals.share-visit"
_MAX_LENGTH = 400  # a genuine cookie is far shorter; longer ones are not worth decoding


@dataclass(frozen=True)
class Referral:
    """A visit through a share link: the sharer, the challenge the page was about (None for
    a page of no challenge), and when."""

    referrer_id: int
    challenge_id: uuid.UUID | None
    visited_at: datetime


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=_SALT)


def dump(secret_key: str, referral: Referral) -> str:
    """The cookie's value for ``referral``."""
    payload = [referral.referrer_id,
               referral.challenge_id.hex if referral.challenge_id else "",
               int(referral.visited_at.timestamp())]
    value = _serializer(secret_key).dumps(payload)
    return value if isinstance(value, str) else value.decode()


def load(secret_key: str, value: str | None) -> Referral | None:
    """The referral in a genuine cookie value; None for a missing, forged or malformed one."""
    if not value or len(value) > _MAX_LENGTH:
        return None
    try:
        payload = _serializer(secret_key).loads(value)
        referrer_id, challenge_hex, visited = payload
        if not isinstance(referrer_id, int) or not isinstance(visited, int):
            return None
        challenge_id = uuid.UUID(hex=challenge_hex) if challenge_hex else None
        return Referral(referrer_id, challenge_id, datetime.fromtimestamp(visited, UTC))
    except (BadData, TypeError, ValueError, OverflowError, OSError, UnicodeError):
        return None
