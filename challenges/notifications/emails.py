"""What each notification says: one small function per kind that turns (challenge, a page of
recipients) into the emails to queue. This is the one place per kind where a message to a
member is made, so an in-app notification of the same event belongs beside its email here.

Everything a template shows is computed here as plain values (times as UTC labels, links as
absolute URLs on ``SITE_URL``); templates run no queries. Each recipient's values are made in
their own language (``in_locale``: their ``User.locale``, else English), the language their
email is then rendered in.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from flask_babel import format_number
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..i18n import current_locale
from ..models import Payout, PayoutStatus, WeeklyChallenge
from ..services.prizes import PrizeTable, parse_prizes
from ..templating import format_votes, ordinal
from ..timefmt import utc_label
from .audiences import Recipient, outbox_key
from .kinds import NotificationKind, kind_info
from .mail import in_locale, site_url_for
from .outbox import EmailToQueue
from .unsubscribe import unsubscribe_headers, unsubscribe_url

K = NotificationKind
T = TypeVar("T")

# What a winner reads about their cash payout, by its status.
PAYOUT_STATUS_TEXT = {
    PayoutStatus.PENDING: _l("Pending: an editor will approve it soon."),
    PayoutStatus.APPROVED: _l("Approved: the payment is being made."),
    PayoutStatus.PAID: _l("Paid."),
    PayoutStatus.FAILED: _l("The payment failed; an editor will contact you to fix it."),
}


def share_card_url(challenge: WeeklyChallenge, username: str) -> str:
    """Where a participant's share card lives (``challenges/sharing``: the page with their
    place, votes and points, and the buttons to share it)."""
    return site_url_for("sharing.participant_card", slug=challenge.slug, username=username)


def challenge_facts(challenge: WeeklyChallenge) -> dict[str, Any]:
    """The challenge as its emails show it: text, links, and every time in UTC, named."""
    slug = challenge.slug
    return {
        "id": str(challenge.id),
        "title": challenge.title,
        "prompt": challenge.prompt,
        "sponsor": challenge.sponsor.name if challenge.sponsor is not None else "",
        "starts_at": utc_label(challenge.starts_at),
        "submission_deadline": utc_label(challenge.submission_deadline),
        "voting_deadline": utc_label(challenge.voting_deadline),
        "url": site_url_for("pages.challenge_detail", slug=slug),
        "submit_url": site_url_for("entries.submit", slug=slug),
        "gallery_url": site_url_for("entries.gallery", slug=slug),
        "leaderboard_url": site_url_for("pages.leaderboard", slug=slug),
    }


def per_locale(make: Callable[[], T]) -> Callable[[], T]:
    """``make()`` in the active locale, made once per language (a page of recipients in two
    languages builds the same facts twice, not once per recipient)."""
    made: dict[str, T] = {}

    def in_active_locale() -> T:
        locale = current_locale()
        if locale not in made:
            made[locale] = make()
        return made[locale]

    return in_active_locale


def facts_in_each_locale(challenge: WeeklyChallenge) -> Callable[[], dict[str, Any]]:
    """``challenge_facts`` in the active locale (dates are written in the reader's language)."""
    return per_locale(lambda: challenge_facts(challenge))


def _each(kind: NotificationKind, scope: object, challenge_id: uuid.UUID | None,
          recipients: Sequence[Recipient],
          context_of: Callable[[Recipient], dict[str, Any]]) -> list[EmailToQueue]:
    """One email per recipient, its context made in the recipient's language."""
    emails = []
    for recipient in recipients:
        with in_locale(recipient.locale):
            emails.append(_email(kind, scope, challenge_id, recipient, context_of(recipient)))
    return emails


def _email(kind: NotificationKind, scope: object, challenge_id: uuid.UUID | None,
           recipient: Recipient, context: dict[str, Any]) -> EmailToQueue:
    """One notification email: the recipient, its key, and the unsubscribe link and headers
    (RFC 8058) every notification carries."""
    return EmailToQueue(
        to=recipient.email,
        kind=kind.value,
        key=outbox_key(kind, scope, recipient.user_id),
        template=kind.value,
        locale=recipient.locale,
        context={
            "username": recipient.username,
            "kind_label": str(kind_info(kind).label),
            "unsubscribe_url": unsubscribe_url(recipient.user_id, kind),
            "preferences_url": site_url_for("notification_prefs.preferences_page"),
            **context,
        },
        user_id=recipient.user_id,
        challenge_id=challenge_id,
        headers=unsubscribe_headers(recipient.user_id, kind),
    )


def challenge_started_emails(challenge: WeeklyChallenge,
                             recipients: Sequence[Recipient]) -> list[EmailToQueue]:
    facts = facts_in_each_locale(challenge)
    return _each(K.CHALLENGE_STARTED, challenge.id, challenge.id, recipients,
                 lambda r: {"challenge": facts()})


def submissions_closing_emails(challenge: WeeklyChallenge,
                               recipients: Sequence[Recipient]) -> list[EmailToQueue]:
    facts = facts_in_each_locale(challenge)
    return _each(K.SUBMISSIONS_CLOSING, challenge.id, challenge.id, recipients,
                 lambda r: {"challenge": facts()})


def voting_open_emails(challenge: WeeklyChallenge,
                       recipients: Sequence[Recipient]) -> list[EmailToQueue]:
    facts = facts_in_each_locale(challenge)
    return _each(K.VOTING_OPEN, challenge.id, challenge.id, recipients,
                 lambda r: {"challenge": facts()})


def voting_closing_emails(challenge: WeeklyChallenge, prizes: PrizeTable,
                          recipients: Sequence[Recipient]) -> list[EmailToQueue]:
    facts = facts_in_each_locale(challenge)
    minimum = prizes.voting_reward_min_votes
    return _each(K.VOTING_CLOSING, challenge.id, challenge.id, recipients, lambda r: {
        "challenge": facts(), "votes_cast": r.votes_cast, "min_votes": minimum,
        "votes_needed": max(0, minimum - r.votes_cast),
        "voting_reward": prizes.voting_reward.label() if prizes.voting_reward else "",
    })


@dataclass(frozen=True)
class PrizeLine:
    """A prize a winner receives, as the results email shows it."""

    place: int
    label: str  # "$100 Cash", "500,000 AI Tokens"
    status: PayoutStatus | None  # the cash payout's status; None: tokens, already paid in


def prize_status_text(status: PayoutStatus | None) -> str:
    """What a winner reads about a prize: its payout's status, or that the tokens are in."""
    if status is None:
        return _("Added to your token balance.")
    return str(PAYOUT_STATUS_TEXT.get(status, status.value))


def winners_prizes(challenge: WeeklyChallenge, prizes: PrizeTable,
                   user_ids: Sequence[int]) -> dict[int, list[PrizeLine]]:
    """user id -> the cash prizes of their place with their payout's status
    (``services/payouts``: one live payout per place and member)."""
    lines: dict[int, list[PrizeLine]] = {}
    if not prizes.places or not user_ids:
        return lines
    payouts = db.session.execute(
        select(Payout.user_id, Payout.place, Payout.status)
        .where(Payout.challenge_id == challenge.id, Payout.user_id.in_(list(user_ids)),
               Payout.status != PayoutStatus.CANCELLED.value)
        .order_by(Payout.place)
    ).all()
    for user_id, place, status in payouts:
        prize = prizes.places.get(place)
        if prize is not None:
            lines.setdefault(user_id, []).append(
                PrizeLine(place, prize.label(), PayoutStatus(status)))
    return lines


def results_emails(challenge: WeeklyChallenge, prizes: PrizeTable, ranked: int,
                   recipients: Sequence[Recipient]) -> list[EmailToQueue]:
    """Each participant's rank ("#7 of 212"), the votes their entries got, the votes they cast,
    the points (and tokens) this challenge gave them and a link to their share card; winners
    also get their prize and its payout status."""
    facts = facts_in_each_locale(challenge)
    cash = winners_prizes(challenge, prizes, [r.user_id for r in recipients if r.rank])

    def context_of(r: Recipient) -> dict[str, Any]:
        token_prize = prizes.places.get(r.rank) if r.rank else None
        prize_lines = list(cash.get(r.user_id, []))
        if token_prize is not None and not token_prize.is_cash and r.rank is not None:
            prize_lines.insert(0, PrizeLine(r.rank, token_prize.label(), None))
        return {
            "challenge": facts(),
            "rank": r.rank,
            "rank_label": ordinal(r.rank) if r.rank else "",
            "ranked": ranked,
            "votes": format_votes(r.counted_votes),
            "votes_is_one": r.counted_votes == 1,
            "votes_cast": r.votes_cast,
            "entered": r.entered,
            "points": r.points,
            "tokens": r.tokens,
            "prizes": [{"place": ordinal(line.place), "label": line.label,
                        "status": prize_status_text(line.status)} for line in prize_lines],
            # Only a ranked member has a card; the others' link is the full results.
            "share_url": (share_card_url(challenge, r.username) if r.rank
                          else facts()["leaderboard_url"]),
            # As the reader writes numbers ("1,234" / "1.234"); the raw values above decide.
            "numbers": {name: format_number(value) for name, value in (
                ("rank", r.rank or 0), ("ranked", ranked), ("votes_cast", r.votes_cast),
                ("points", r.points), ("tokens", r.tokens))},
        }

    return _each(K.RESULTS, challenge.id, challenge.id, recipients, context_of)


def weekly_digest_emails(week: str, digest: Callable[[], dict[str, Any]],
                         recipients: Sequence[Recipient]) -> list[EmailToQueue]:
    """The same digest (this week's open challenges, last week's results) to each subscriber;
    ``digest()`` makes it in the active locale (``per_locale``)."""
    return _each(K.WEEKLY_DIGEST, week, None, recipients,
                 lambda r: {"week": week, **digest()})


def prizes_of(challenge: WeeklyChallenge) -> PrizeTable:
    """The challenge's prize table (validated on save, so it parses)."""
    return parse_prizes(challenge.prizes)
