"""Calendar rules: following a challenge, the private feed's token, and which challenges each
feed lists. Plain values in, models out; these functions flush and never commit."""

from __future__ import annotations

import re
import secrets
import uuid
from datetime import datetime

from sqlalchemy import delete, exists, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import ChallengeSubmission, WeeklyChallenge
from ..services.challenges import visible_challenges
from .models import CalendarFeed, ChallengeFollow

# secrets.token_urlsafe(32): 256 random bits as 43 URL-safe characters.
TOKEN_BYTES = 32
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def _insert(model: type[ChallengeFollow] | type[CalendarFeed]) -> sqlite.Insert:
    """``INSERT`` with the dialect's ``ON CONFLICT`` clauses (both databases have them)."""
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    return dialect.insert(model)


def follow_challenge(user_id: int, challenge_id: uuid.UUID, now: datetime) -> bool:
    """Follow a challenge; True if this call added the follow (a repeat changes nothing)."""
    inserted = db.session.execute(
        _insert(ChallengeFollow)
        .values(user_id=user_id, challenge_id=challenge_id, created_at=now)
        .on_conflict_do_nothing()
        .returning(ChallengeFollow.user_id)
    ).first()
    return inserted is not None


def unfollow_challenge(user_id: int, challenge_id: uuid.UUID) -> bool:
    """Stop following; True if there was a follow to remove."""
    removed = db.session.execute(
        delete(ChallengeFollow)
        .where(ChallengeFollow.user_id == user_id, ChallengeFollow.challenge_id == challenge_id)
        .returning(ChallengeFollow.user_id)
    ).first()
    return removed is not None


def is_following(user_id: int, challenge_id: uuid.UUID) -> bool:
    """Whether the member follows the challenge."""
    return bool(db.session.scalar(select(exists().where(
        ChallengeFollow.user_id == user_id, ChallengeFollow.challenge_id == challenge_id))))


def feed_of(user_id: int) -> CalendarFeed | None:
    """The member's private feed, or None if they have none (never made, or turned off)."""
    return db.session.get(CalendarFeed, user_id)


def issue_feed_token(user_id: int, now: datetime) -> str:
    """Give the member a private feed with a new secret token, replacing any old one (whose
    address stops working at once). Returns the token."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    insert = _insert(CalendarFeed).values(user_id=user_id, token=token, created_at=now)
    db.session.execute(insert.on_conflict_do_update(
        index_elements=[CalendarFeed.user_id],
        set_={"token": insert.excluded.token, "created_at": insert.excluded.created_at},
    ))
    # An instance already in the session must not keep showing the old token.
    db.session.get(CalendarFeed, user_id, populate_existing=True)
    return token


def revoke_feed(user_id: int) -> bool:
    """Turn the member's private feed off; True if there was one. Its address then gives 404."""
    removed = db.session.execute(
        delete(CalendarFeed).where(CalendarFeed.user_id == user_id)
        .returning(CalendarFeed.user_id)
    ).first()
    return removed is not None


def feed_owner(token: str) -> int | None:
    """The member whose private feed ``token`` opens, or None (unknown, revoked, malformed)."""
    if not TOKEN_RE.fullmatch(token or ""):
        return None
    return db.session.scalar(select(CalendarFeed.user_id).where(CalendarFeed.token == token))


def public_feed_challenges() -> list[WeeklyChallenge]:
    """Every published challenge (never a draft or a cancelled one), oldest first."""
    return list(db.session.scalars(
        visible_challenges(None).order_by(WeeklyChallenge.starts_at, WeeklyChallenge.id)))


def member_feed_challenges(user_id: int) -> list[WeeklyChallenge]:
    """The published challenges the member entered (a live entry) or follows, oldest first."""
    entered = exists().where(
        ChallengeSubmission.challenge_id == WeeklyChallenge.id,
        ChallengeSubmission.user_id == user_id,
        ChallengeSubmission.is_withdrawn.is_(False),
    )
    followed = exists().where(
        ChallengeFollow.challenge_id == WeeklyChallenge.id,
        ChallengeFollow.user_id == user_id,
    )
    return list(db.session.scalars(
        visible_challenges(None)
        .where(or_(entered, followed))
        .order_by(WeeklyChallenge.starts_at, WeeklyChallenge.id)))
