"""What an event says: public facts only (ids, slug, title, phase, schedule, public URLs,
usernames that the pages show anyway); never an email address or anything else private."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from ..extensions import db
from ..models import ChallengeSubmission, WeeklyChallenge
from ..notifications.mail import site_url_for
from ..phase import phase_at


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def challenge_data(challenge: WeeklyChallenge, now: datetime) -> dict[str, Any]:
    """The challenge as every event describes it."""
    return {
        "id": str(challenge.id),
        "slug": challenge.slug,
        "title": challenge.title,
        "phase": phase_at(challenge, now).value,
        "starts_at": _iso(challenge.starts_at),
        "submission_deadline": _iso(challenge.submission_deadline),
        "voting_deadline": _iso(challenge.voting_deadline),
        "ends_at": _iso(challenge.ends_at),
        "sponsor": challenge.sponsor.slug if challenge.sponsor else None,
        "url": site_url_for("pages.challenge_detail", slug=challenge.slug),
    }


def submission_data(entry: ChallengeSubmission) -> dict[str, Any]:
    """A new entry, as its public page shows it."""
    return {
        "id": str(entry.id),
        "title": entry.title,
        "author": entry.user.username,
        "entry_number": entry.entry_number,
        "submitted_at": _iso(entry.submitted_at),
        "url": site_url_for("entries.submission_detail", slug=entry.challenge.slug,
                            submission_id=entry.id),
    }


def results_data(challenge: WeeklyChallenge) -> list[dict[str, Any]]:
    """The podium of a finalized challenge (ranks 1-3 of counting entries)."""
    entries = db.session.scalars(
        select(ChallengeSubmission)
        .where(ChallengeSubmission.challenge_id == challenge.id, ChallengeSubmission.counts,
               ChallengeSubmission.final_rank.is_not(None), ChallengeSubmission.final_rank <= 3)
        .order_by(ChallengeSubmission.final_rank, ChallengeSubmission.entry_number)
    )
    return [
        {"rank": e.final_rank, "submission_id": str(e.id), "title": e.title,
         "author": e.user.username, "votes": e.vote_count,
         "url": site_url_for("entries.submission_detail", slug=challenge.slug,
                             submission_id=e.id)}
        for e in entries
    ]
