"""Discover (issue 13, fair exposure): the impression batches already added to the entries.

Each flush of a challenge's impressions from Redis carries a batch id; the flush inserts it here
in the same transaction that adds the counts, so a batch that is flushed twice (the job ran
again before Redis forgot it) is added once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .types import UTCDateTime


class DiscoverFlush(Model):
    """One impression batch added to ``challenge_submissions.impressions``."""

    __tablename__ = "discover_flushes"

    batch_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    flushed_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
