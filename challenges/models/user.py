"""Accounts: members, editors and sponsor users."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .base import created_at_column
from .types import UTCDateTime

if TYPE_CHECKING:
    from .sponsor import ChallengeSponsor


class Role(StrEnum):
    MEMBER = "member"
    EDITOR = "editor"
    SPONSOR = "sponsor"


ROLES = tuple(role.value for role in Role)


def new_session_token() -> str:
    """A fresh random token; rotating it signs the user out everywhere."""
    return secrets.token_urlsafe(32)


class User(UserMixin, Model):
    """A person on the platform (SPEC §1).

    ``username`` and ``email`` are stored normalised (see ``challenges.auth.normalize``), so the
    plain unique constraints are case-insensitive in effect; check constraints keep it that way.
    """

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(f"role IN {ROLES!r}", name="role_known"),
        CheckConstraint("username = lower(username)", name="username_lowercase"),
        CheckConstraint("email = lower(email)", name="email_lowercase"),
        Index("ix_users_created_at", "created_at"),  # new members per week
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(30), unique=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default=Role.MEMBER.value)
    is_verified: Mapped[bool] = mapped_column(default=False)
    sponsor_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid(), ForeignKey("challenge_sponsors.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = created_at_column()
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Cached sums of the ledger, kept equal to it in the same transaction as every grant.
    points_balance: Mapped[int] = mapped_column(BigInteger, default=0)
    tokens_balance: Mapped[int] = mapped_column(BigInteger, default=0)
    # What Flask-Login stores in the session and the remember cookie instead of the id.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    # The language the member chose ("en", "es"); None follows the browser (challenges.i18n).
    locale: Mapped[str | None] = mapped_column(String(8))
    # Community growth (SPEC §11): the member whose share link (``?ref=``) brought this one
    # here, and the challenge it was a link to, when they registered within 7 days of the visit.
    referred_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    referred_challenge_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid(), ForeignKey("weekly_challenges.id", ondelete="SET NULL"), index=True
    )

    # Trust (issue 13, SPEC §4): an editor flagged this account for review; while flagged its
    # votes count 0 (``services.votes.vote_weight``). Why, when and by whom, for the admin.
    is_flagged: Mapped[bool] = mapped_column(default=False, server_default="0")
    flagged_reason: Mapped[str] = mapped_column(String(500), default="", server_default="")
    flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    flagged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    sponsor: Mapped[ChallengeSponsor | None] = relationship(back_populates="users")

    def get_id(self) -> str:
        """Flask-Login identity: the rotating session token, never the primary key."""
        return self.session_token

    @property
    def is_editor(self) -> bool:
        return self.role == Role.EDITOR

    def __repr__(self) -> str:
        return f"<User @{self.username}>"

    def __str__(self) -> str:
        return f"@{self.username}"
