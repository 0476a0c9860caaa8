"""The rules of a sponsor inquiry, in one place: what the form must hold, storing it, and
telling every editor (an email through the outbox in the editor's language, and a line in the
bell). The view calls ``submit_inquiry``; nothing else writes an inquiry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import format_number
from flask_babel import gettext as _
from sqlalchemy import select

from ..errors import ValidationFailed
from ..extensions import db
from ..models import BUDGET_RANGES, Role, SponsorInquiry, User
from ..notifications.inbox import InboxItem, add_notifications, site_path
from ..notifications.mail import in_locale, site_url_for
from ..notifications.outbox import EmailToQueue, queue_emails
from ..services.accounts import email_problem, normalize_email
from ..services.text import TrimmedInput

# The columns' sizes (models/inquiry.py); the message is capped well below what Text holds.
COMPANY_MAX, CONTACT_NAME_MAX, MESSAGE_MAX = 200, 100, 5000
KIND = "sponsor_inquiry"  # outbox and bell kind


@dataclass
class InquiryInput(TrimmedInput):
    """What a company fills in. Strings are trimmed; empty means "not given"."""

    company: str = ""
    contact_name: str = ""
    contact_email: str = ""
    budget_range: str = ""
    message: str = ""


def _too_long(limit: int) -> str:
    return _("Up to %(max)s characters, please.", max=format_number(limit))


def validate_inquiry(data: InquiryInput) -> dict[str, str]:
    """Field -> message for everything wrong with ``data`` (empty when it is fine)."""
    errors: dict[str, str] = {}
    if not data.company:
        errors["company"] = _("Tell us the name of your company or organisation.")
    elif len(data.company) > COMPANY_MAX:
        errors["company"] = _too_long(COMPANY_MAX)
    if not data.contact_name:
        errors["contact_name"] = _("Tell us who we should talk to.")
    elif len(data.contact_name) > CONTACT_NAME_MAX:
        errors["contact_name"] = _too_long(CONTACT_NAME_MAX)
    if not data.contact_email:
        errors["contact_email"] = _("Give us an email address to answer you at.")
    elif problem := email_problem(normalize_email(data.contact_email)):
        errors["contact_email"] = problem
    if data.budget_range not in BUDGET_RANGES:
        errors["budget_range"] = _("Choose a budget range.")
    if not data.message:
        errors["message"] = _("Tell us a little about what you have in mind.")
    elif len(data.message) > MESSAGE_MAX:
        errors["message"] = _too_long(MESSAGE_MAX)
    return errors


def submit_inquiry(data: InquiryInput, now: datetime) -> SponsorInquiry:
    """Store an inquiry and tell every editor, by email and in the bell (one transaction:
    flushes only, the caller commits). Raises ``ValidationFailed`` with every field's problem."""
    if errors := validate_inquiry(data):
        raise ValidationFailed(errors)
    inquiry = SponsorInquiry(company=data.company, contact_name=data.contact_name,
                             contact_email=normalize_email(data.contact_email),
                             budget_range=data.budget_range, message=data.message,
                             created_at=now, updated_at=now)
    db.session.add(inquiry)
    db.session.flush()
    editors = db.session.scalars(
        select(User).where(User.role == Role.EDITOR.value).order_by(User.id)).all()
    notify_editors(inquiry, list(editors), now)
    return inquiry


def budget_label(budget_range: str) -> str:
    """A budget range as the reader reads it, in the active language."""
    label = BUDGET_RANGES.get(budget_range)
    return str(label) if label is not None else budget_range


def notify_editors(inquiry: SponsorInquiry, editors: list[User], now: datetime) -> int:
    """Queue the "new sponsor inquiry" email and bell line for each of ``editors``, each in
    the editor's language; keyed per (inquiry, editor), so a retry adds nothing twice.
    Returns how many emails were new."""
    emails, items = [], []
    admin_url = site_url_for("sponsor_inquiries.details_view", id=inquiry.id)
    admin_path = site_path("sponsor_inquiries.details_view", id=inquiry.id)
    for editor in editors:
        key = f"{KIND}:{inquiry.id}:{editor.id}"
        with in_locale(editor.locale):
            budget = budget_label(inquiry.budget_range)
            emails.append(EmailToQueue(
                to=editor.email, kind=KIND, key=key, template=KIND, locale=editor.locale,
                user_id=editor.id,
                context={"username": editor.username, "company": inquiry.company,
                         "contact_name": inquiry.contact_name,
                         "contact_email": inquiry.contact_email, "budget": budget,
                         "message": inquiry.message, "admin_url": admin_url}))
            items.append(InboxItem(
                user_id=editor.id, kind=KIND, key=key, link=admin_path,
                text=_("New sponsor inquiry from %(company)s (%(budget)s).",
                       company=inquiry.company, budget=budget)))
    sent = queue_emails(emails)
    add_notifications(items, now)
    return sent
