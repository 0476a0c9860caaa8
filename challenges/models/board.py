"""Board members (issue #14): one row per (challenge, author), the lock and the version of that
member's place on the board."""

from __future__ import annotations

import uuid

from sqlalchemy import BigInteger, ForeignKey, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model


class BoardMember(Model):
    """A member with an entry in a challenge. Every transaction that changes their board value
    (their total, or one of their entries' totals) first bumps ``version`` here: the row lock
    orders the transactions of ONE member (votes for different members never wait for each
    other), and the new version tags that member's Redis writes (leaderboard/store.py)."""

    __tablename__ = "board_members"

    challenge_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("weekly_challenges.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
