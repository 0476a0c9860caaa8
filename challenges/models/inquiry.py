"""Sponsor inquiries: the public "Sponsor a challenge" form (SPEC §11, "sponsor interest")."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .base import created_at_column, updated_at_column


class InquiryStatus(StrEnum):
    """Where an editor has got to with an inquiry."""

    NEW = "new"
    CONTACTED = "contacted"
    WON = "won"
    DECLINED = "declined"


INQUIRY_STATUSES = tuple(status.value for status in InquiryStatus)

# The budget ranges the form offers, in US dollars (value -> label).
BUDGET_RANGES = {
    "under_1k": _l("Under $1,000"),
    "1k_5k": _l("$1,000 to $5,000"),
    "5k_20k": _l("$5,000 to $20,000"),
    "over_20k": _l("Over $20,000"),
}


class SponsorInquiry(Model):
    """One company asking to sponsor a challenge."""

    __tablename__ = "sponsor_inquiries"
    __table_args__ = (
        CheckConstraint(f"status IN {INQUIRY_STATUSES!r}", name="inquiry_status_known"),
        CheckConstraint(f"budget_range IN {tuple(BUDGET_RANGES)!r}", name="inquiry_budget_known"),
        Index("ix_sponsor_inquiries_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company: Mapped[str] = mapped_column(String(200))
    contact_name: Mapped[str] = mapped_column(String(100))
    contact_email: Mapped[str] = mapped_column(String(254))
    budget_range: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=InquiryStatus.NEW.value)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()
