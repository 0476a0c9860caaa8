"""Helpers shared by the model modules."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Integer, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import utcnow
from .types import UTCDateTime

# SQLite only auto-increments a column declared exactly INTEGER PRIMARY KEY.
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")


def uuid_pk() -> Mapped[uuid.UUID]:
    """A UUID primary key generated in Python (the plan's ``UUIDField(default=uuid.uuid4)``)."""
    return mapped_column(Uuid(), primary_key=True, default=uuid.uuid4)


def created_at_column() -> Mapped[datetime]:
    return mapped_column(UTCDateTime(), default=utcnow, nullable=False)


def updated_at_column() -> Mapped[datetime]:
    return mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False)
