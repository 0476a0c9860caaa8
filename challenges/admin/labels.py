"""What the admin calls each column, in the editor's language.

Flask-Admin would print the column's name ("Starts At", "Max Submissions Per User"), in English
whatever the locale; every model view of the core takes its labels from here instead (list
headers, form labels, filters and the details page alike). Times say that they are UTC: the
admin reads and writes them in UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask_admin.model import typefmt
from flask_babel import lazy_gettext as _l

COLUMN_LABELS: dict[str, Any] = {
    # Challenges
    "title": _l("Title"),
    "slug": _l("Slug"),
    "description": _l("Description"),
    "prompt": _l("Prompt"),
    "status": _l("Status"),
    "starts_at": _l("Starts (UTC)"),
    "submission_deadline": _l("Submission deadline (UTC)"),
    "voting_deadline": _l("Voting deadline (UTC)"),
    "ends_at": _l("Results final (UTC)"),
    "week_number": _l("ISO week"),
    "year": _l("Year"),
    "is_featured": _l("Featured"),
    "max_submissions_per_user": _l("Entries per member"),
    "allow_voting": _l("Voting allowed"),
    "require_project_link": _l("Project link required"),
    "hero_image_url": _l("Hero image URL"),
    "theme_color": _l("Theme colour"),
    "sponsor": _l("Sponsor"),
    "prizes": _l("Prizes (JSON)"),
    "points_config": _l("Points (JSON)"),
    "freeze_hours": _l("Freeze the board (hours before the voting deadline)"),
    "judging_mode": _l("Judging"),
    "community_share": _l("Community share (blend)"),
    "rubric": _l("Judging rubric (JSON)"),
    "submission_count": _l("Entries"),
    "participant_count": _l("Participants"),
    "total_votes": _l("Votes"),
    "view_count": _l("Page views"),
    "sponsor_click_count": _l("Clicks to the sponsor"),
    "finalized_at": _l("Finalized (UTC)"),
    "results_published_at": _l("Results published (UTC)"),
    "created_at": _l("Created (UTC)"),
    "updated_at": _l("Updated (UTC)"),
    # Sponsors
    "name": _l("Name"),
    "logo_url": _l("Logo URL"),
    "website_url": _l("Website URL"),
    "is_active": _l("Active"),
    "is_verified": _l("Verified"),
    "total_challenges_sponsored": _l("Challenges sponsored"),
    "total_prize_value": _l("Cash prizes (USD)"),
    # Members and projects
    "username": _l("Username"),
    "email": _l("Email"),
    "role": _l("Role"),
    "points_balance": _l("Points"),
    "tokens_balance": _l("Tokens"),
    "last_seen_at": _l("Last seen (UTC)"),
    "owner": _l("Owner"),
    "url": _l("URL"),
    "image_url": _l("Image URL"),
    # Entries, votes, ledger, payouts
    "submission": _l("Entry"),
    "voter": _l("Voter"),
    "weight": _l("Weight"),
    "user": _l("Member"),
    "challenge": _l("Challenge"),
    "challenge.slug": _l("Challenge (slug)"),
    "vote_count": _l("Votes"),
    "counted_votes": _l("Counted votes"),
    "final_rank": _l("Final rank"),
    "is_disqualified": _l("Disqualified"),
    "is_withdrawn": _l("Withdrawn"),
    "submitted_at": _l("Submitted (UTC)"),
    "currency": _l("Currency"),
    "amount": _l("Amount"),
    "reason": _l("Reason"),
    "idempotency_key": _l("Idempotency key"),
    "place": _l("Place"),
    "needs_review": _l("Needs review"),
    "reference": _l("Payment reference"),
    "approved_by": _l("Approved by"),
    "approved_at": _l("Approved (UTC)"),
    "paid_by": _l("Paid by"),
    "paid_at": _l("Paid (UTC)"),
    # Sponsor inquiries
    "company": _l("Company"),
    "contact_name": _l("Contact"),
    "contact_email": _l("Contact email"),
    "budget_range": _l("Budget"),
    "message": _l("Message"),
}


def labels(**extra: Any) -> dict[str, Any]:
    """The shared labels, with a view's own additions."""
    return {**COLUMN_LABELS, **extra}


def utc_formatter(view: Any, value: datetime, name: str) -> str:
    """A moment as the admin shows it: "2027-01-31 18:00 UTC" (not "18:00:00+00:00")."""
    moment = value.astimezone(UTC) if value.tzinfo else value
    return moment.strftime("%Y-%m-%d %H:%M UTC")


TYPE_FORMATTERS = {**typefmt.BASE_FORMATTERS, datetime: utc_formatter}
DETAIL_TYPE_FORMATTERS = {**typefmt.DETAIL_FORMATTERS, datetime: utc_formatter}


# Choices of the admin's select boxes: the stored value, and what the editor reads.
STATUS_CHOICES = [
    ("draft", _l("Draft")), ("upcoming", _l("Upcoming")), ("active", _l("Active")),
    ("voting", _l("Voting")), ("completed", _l("Completed")), ("cancelled", _l("Cancelled")),
]
THEME_CHOICES = [
    ("purple", _l("Purple")), ("blue", _l("Blue")), ("teal", _l("Teal")), ("green", _l("Green")),
    ("orange", _l("Orange")), ("pink", _l("Pink")), ("red", _l("Red")), ("indigo", _l("Indigo")),
]
INQUIRY_STATUS_CHOICES = [
    ("new", _l("Not answered yet")), ("contacted", _l("Contacted")), ("won", _l("Won")),
    ("declined", _l("Declined")),
]
JUDGING_CHOICES = [
    ("community", _l("Community votes only")), ("judges", _l("Judges only")),
    ("blend", _l("Blend of votes and judges")),
]
ROLE_CHOICES = [("member", _l("Member")), ("editor", _l("Editor")), ("sponsor", _l("Sponsor"))]
