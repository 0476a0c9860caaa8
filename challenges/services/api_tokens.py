"""Personal API tokens (SPEC §10): created and named by their owner, shown once, stored hashed,
revocable; a revoked token authenticates nobody."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import func, select

from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..models import ApiToken, User

PREFIX = "wc_"
MAX_TOKENS = 20


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_token(user: User, name: str, now: datetime) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns the row and the raw token (never stored)."""
    name = (name or "").strip()
    if not name or len(name) > 60 or any(ord(c) < 0x20 for c in name):
        raise ValidationFailed({"name": "Name the token (1-60 characters), e.g. “my script”."})
    live = db.session.scalar(
        select(func.count()).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ) or 0
    if live >= MAX_TOKENS:
        raise ValidationFailed({"name": f"You can have at most {MAX_TOKENS} tokens; revoke one."})
    raw = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=_digest(raw), prefix=raw[:10],
                     created_at=now)
    db.session.add(token)
    db.session.flush()
    return token, raw


def user_for_token(raw: str, now: datetime) -> User | None:
    """The owner of a live token, or None. Marks the token as used."""
    if not raw.startswith(PREFIX) or len(raw) > 100:
        return None
    token: ApiToken | None = db.session.scalar(
        select(ApiToken).where(ApiToken.token_hash == _digest(raw), ApiToken.revoked_at.is_(None))
    )
    if token is None:
        return None
    token.last_used_at = now
    return token.user


def revoke_token(user: User, token_id: int, now: datetime) -> None:
    token = db.session.scalar(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)
    )
    if token is None:
        raise NotFound("No such token.")
    if token.revoked_at is None:
        token.revoked_at = now


def tokens_of(user: User) -> list[ApiToken]:
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())
    ))
