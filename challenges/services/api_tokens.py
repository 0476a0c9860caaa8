"""Personal API tokens (SPEC §10): created and named by their owner, shown once, stored hashed,
expiring after the lifetime chosen at creation, revocable; a revoked or expired token
authenticates nobody. A password change or reset revokes every token of the member
(``accounts.set_password``)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, func, select, update

from ..errors import DomainError, NotFound, ValidationFailed
from ..extensions import db
from ..models import ApiToken, User
from ..transactions import serialize_on

PREFIX = "wc_"
MAX_TOKENS = 20
# Lifetimes offered at creation, in days; the default is the middle ground between a script
# that must be re-keyed every week and a token that outlives everyone's memory of it.
EXPIRY_DAYS = (7, 30, 90, 365)
DEFAULT_EXPIRY_DAYS = 90
# ``last_used_at`` is shown to the minute; writing it on every request would turn every API
# read into a write transaction (SQLite has one writer).
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenExpired(DomainError):
    """A token past its ``expires_at``: the owner has to create a new one."""

    code = "token_expired"
    status = 401
    default_message = _l(
        "That API token has expired. Create a new one on your account's tokens page.")


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _live(now: datetime) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """The conditions of a token that still authenticates (the SQL twin of ``is_live``)."""
    return (ApiToken.revoked_at.is_(None), ApiToken.expires_at > now)


def is_live(token: ApiToken, now: datetime) -> bool:
    """Whether ``token`` still authenticates: not revoked and not expired."""
    return token.revoked_at is None and token.expires_at > now


def create_token(user: User, name: str, now: datetime,
                 expires_in_days: int = DEFAULT_EXPIRY_DAYS) -> tuple[ApiToken, str]:
    """A new token for ``user`` valid for ``expires_in_days`` (one of ``EXPIRY_DAYS``); returns
    the row and the raw token (never stored)."""
    name = (name or "").strip()
    if not name or len(name) > 60 or any(ord(c) < 0x20 for c in name):
        raise ValidationFailed({"name": _("Name the token (1-60 characters), e.g. “my script”.")})
    if expires_in_days not in EXPIRY_DAYS:
        choices = ", ".join(str(days) for days in EXPIRY_DAYS)
        raise ValidationFailed({"expires_in_days": _("Choose %(choices)s days.",
                                                                choices=choices)})
    serialize_on("api-tokens", user.id)  # the cap: concurrent creates count one at a time
    live = db.session.scalar(
        select(func.count()).where(ApiToken.user_id == user.id, *_live(now))
    ) or 0
    if live >= MAX_TOKENS:
        raise ValidationFailed({"name": _("You can have at most %(n)d tokens; revoke one.",
                                                     n=MAX_TOKENS)})
    raw = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=_digest(raw), prefix=raw[:10],
                     created_at=now, expires_at=now + timedelta(days=expires_in_days))
    db.session.add(token)
    db.session.flush()
    return token, raw


def user_for_token(raw: str, now: datetime) -> User | None:
    """The owner of a live token, or None (unknown or revoked); ``TokenExpired`` for a token
    past its expiry, so the caller can say so. Records the use at most once a minute."""
    if not raw.startswith(PREFIX) or len(raw) > 100:
        return None
    token: ApiToken | None = db.session.scalar(
        select(ApiToken).where(ApiToken.token_hash == _digest(raw), ApiToken.revoked_at.is_(None))
    )
    if token is None:
        return None
    if not is_live(token, now):
        raise TokenExpired(_("That API token expired on %(when)s UTC. Create a new one on your "
                             "account's tokens page.",
                             when=f"{token.expires_at:%Y-%m-%d %H:%M}"))
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now
    return token.user


def revoke_token(user: User, token_id: int, now: datetime) -> None:
    """Revoke one of ``user``'s tokens (again is fine); ``NotFound`` for anyone else's."""
    token = db.session.scalar(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)
    )
    if token is None:
        raise NotFound(_("No such token."))
    if token.revoked_at is None:
        token.revoked_at = now


def revoke_all_tokens(user_id: int, now: datetime) -> int:
    """Revoke every token ``user_id`` still has (a password change, a reset, or a logout that
    asks for it). Returns how many were live."""
    result = db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session="fetch")
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined, unused-ignore]


def tokens_of(user: User) -> list[ApiToken]:
    """Every token of ``user``, newest first (revoked and expired ones too, marked so)."""
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())
    ))
