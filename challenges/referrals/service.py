"""The rules of share attribution (SPEC §11, "community growth"): which ``?ref=`` names a
referrer, which challenge a page shares, when a visit counts, and when a new account is
attributed to the member (and challenge) whose link brought it.

Plain values in, plain values out; nothing here sees the request (``hooks`` does).
"""

from __future__ import annotations

import re
import uuid
from contextlib import suppress
from datetime import datetime, timedelta

import redis
from sqlalchemy import select

from ..extensions import db, get_redis
from ..models import User, WeeklyChallenge
from ..services.accounts import USERNAME_RE, normalize_username
from ..services.sponsors import record
from . import keys
from .cookie import MAX_AGE, Referral

# A reload (or a second page) of the same share link within this long is the same visit.
SAME_VISIT = timedelta(minutes=30)
# Link previews and crawlers: a social site fetches every shared link once per post to draw its
# card, which is no person visiting. Matched against the User-Agent.
_ROBOT_RE = re.compile(r"bot|crawl|spider|slurp|preview|facebookexternalhit|embedly|"
                       r"mastodon|bluesky|cardyb|whatsapp|skypeuripreview",
                       re.IGNORECASE)


def is_robot(user_agent: str | None) -> bool:
    """Whether a request comes from a link preview or a crawler (no User-Agent at all counts
    as one: browsers always send it)."""
    return not user_agent or bool(_ROBOT_RE.search(user_agent[:512]))


def referrer_id(ref: str | None) -> int | None:
    """The id of the member a ``?ref=`` value names, or None: a value that cannot be a
    username is ignored without asking the database, an unknown username likewise."""
    if not ref or len(ref) > 64:
        return None
    username = normalize_username(ref)
    if not USERNAME_RE.fullmatch(username):
        return None
    return db.session.scalar(select(User.id).where(User.username == username))


def shared_challenge_id(slug: object) -> uuid.UUID | None:
    """The published challenge a page's ``slug`` names (share visits count for public
    challenges only), or None."""
    if not isinstance(slug, str) or not slug or len(slug) > 50 or "\x00" in slug:
        return None
    return db.session.scalar(select(WeeklyChallenge.id).where(
        WeeklyChallenge.slug == slug, WeeklyChallenge.is_published))


def is_new_visit(previous: Referral | None, referral: Referral) -> bool:
    """Whether ``referral`` is a visit of its own, not the same link again within
    ``SAME_VISIT`` of the one the visitor's cookie already holds."""
    return not (previous is not None
                and previous.referrer_id == referral.referrer_id
                and previous.challenge_id == referral.challenge_id
                and timedelta(0) <= referral.visited_at - previous.visited_at < SAME_VISIT)


def is_new_member_visit(user_id: int, referral: Referral) -> bool:
    """``is_new_visit`` for a signed-in member, who has no referral cookie: the first visit
    through this link within ``SAME_VISIT`` (a Redis marker); their own link never counts."""
    if user_id == referral.referrer_id:
        return False
    challenge = referral.challenge_id.hex if referral.challenge_id else "-"
    key = keys.member_share_visit(user_id, referral.referrer_id, challenge)
    with suppress(redis.RedisError, OSError):
        return bool(get_redis().set(key, 1, nx=True,
                                    ex=int(SAME_VISIT.total_seconds())))
    return False  # Redis is away: the counter is too


def count_share_visit(referral: Referral) -> None:
    """Count the visit on its challenge's ``share_visits`` for its UTC day (Redis only)."""
    if referral.challenge_id is not None:
        record(referral.challenge_id, "share_visits", referral.visited_at)


def is_attributable(referral: Referral, now: datetime) -> bool:
    """A registration at ``now`` is attributed to ``referral`` when it comes within 7 days of
    the visit (a visit "from the future" is a clock the cookie cannot have come from)."""
    return timedelta(0) <= now - referral.visited_at <= MAX_AGE


def attribute_registration(user: User, referral: Referral, now: datetime) -> bool:
    """Store on the new account ``user`` (not yet inserted, or inserted in this transaction)
    the member and challenge whose share link brought it, if the visit was within 7 days and
    the referrer still exists. A challenge deleted since is left out; the referrer still
    counts. Returns whether the account was attributed. Flushes nothing; the caller commits."""
    if not is_attributable(referral, now):
        return False
    referrer = db.session.get(User, referral.referrer_id)
    if referrer is None or referrer is user:
        return False
    challenge_id = referral.challenge_id
    if challenge_id is not None and db.session.get(WeeklyChallenge, challenge_id) is None:
        challenge_id = None
    user.referred_by_id = referrer.id
    user.referred_challenge_id = challenge_id
    return True
