"""Sponsor statistics, kept correct whenever a sponsored challenge changes (SPEC §8)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy import select

from ..extensions import db
from ..models import ChallengeSponsor, WeeklyChallenge
from .prizes import parse_prizes


def refresh_sponsor_stats(sponsor_ids: Iterable[uuid.UUID | None]) -> None:
    """Recompute ``total_challenges_sponsored`` and ``total_prize_value`` from the challenges.

    Recomputing (rather than incrementing) keeps the numbers right however a challenge changed:
    a new sponsor, a removed one, new prizes, a draft published or cancelled.
    """
    for sponsor_id in {sid for sid in sponsor_ids if sid is not None}:
        sponsor = db.session.get(ChallengeSponsor, sponsor_id)
        if sponsor is None:
            continue
        prizes = db.session.scalars(
            select(WeeklyChallenge.prizes).where(
                WeeklyChallenge.sponsor_id == sponsor_id, WeeklyChallenge.is_published
            )
        ).all()
        sponsor.total_challenges_sponsored = len(prizes)
        sponsor.total_prize_value = sum(
            (parse_prizes(p).total_cash() for p in prizes), Decimal("0")
        ).quantize(Decimal("0.01"))
