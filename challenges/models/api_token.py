"""Personal API tokens: shown once, stored only as a hash, expiring, revocable."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .base import created_at_column
from .types import UTCDateTime

if TYPE_CHECKING:
    from .user import User


class ApiToken(Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    # SHA-256 of the token: tokens are 256 random bits, so a fast hash is enough, and the
    # lookup by hash stays one indexed query.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))  # shown in lists, to tell tokens apart
    created_at: Mapped[datetime] = created_at_column()
    # Chosen at creation (services.api_tokens.EXPIRY_DAYS); an expired token authenticates
    # nobody. Written at most once a minute (LAST_USED_RESOLUTION), not on every request.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()
