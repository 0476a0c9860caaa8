"""Conditional GET for anonymous visitors of the landing page and the gallery (issue #14).

A visitor's page depends only on what the validator below hashes: the challenge row (an editor's
edit bumps ``updated_at``), the board's Redis version (changes with any vote count), the entries'
newest ``updated_at``, their number and vote sums (an edit, a withdrawal, a disqualification),
the phase and a one-minute time bucket (countdowns, phase changes with time, the CSRF token's
age), the locale, the query string and whether htmx asked. A logged-in member's page carries
their own bits (vote buttons, user menu), so members never get a validator: always rendered.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

import redis
from flask import Response, request, session
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import func, select

from ..extensions import db, get_redis
from ..leaderboard import keys
from ..models import ChallengeSubmission, WeeklyChallenge
from ..phase import phase_at

# Long enough that a countdown's minute text is right, short enough that a page seen again after
# a minute is checked against the server anew.
BUCKET_SECONDS = 60


def conditional_applies() -> bool:
    """Whether this request may be answered from the visitor's own cached copy: a GET by an
    anonymous visitor with no flashed message waiting (a flash is shown once, in a fresh body)."""
    return (request.method == "GET" and not current_user.is_authenticated
            and not session.get("_flashes"))


def _board_version(challenge_id: object) -> str | None:
    """The board's Redis version ("unbuilt" before the board is first read: the SQL aggregate
    then stands for it), or None while Redis is down: no validator is given then."""
    try:
        value = get_redis().get(keys.version(str(challenge_id)))
    except redis.RedisError:
        return None
    if value is None:
        return "unbuilt"
    return value.decode() if isinstance(value, bytes) else str(value)


class PageState:
    """What an anonymous page of a challenge shows, read before it is rendered: its validator
    is this plus whatever else the page depends on (``etag``)."""

    def __init__(self, material: str) -> None:
        self._material = material

    def etag(self, extra: str = "") -> str:
        """The page's strong validator; ``extra``: what else it depends on (the visitor's
        Discover order)."""
        return hashlib.sha256(f"{self._material}|{extra}".encode()).hexdigest()[:32]


def page_state(challenge: WeeklyChallenge, now: datetime, view: str) -> PageState | None:
    """One anonymous page of ``challenge`` at ``now`` (one SQL aggregate and one Redis GET), or
    None when the page must be rendered without a validator (Redis is down)."""
    board_version = _board_version(challenge.id)
    if board_version is None:
        return None
    # The vote sums are here too: they change with every vote even where the board version is
    # not built yet (a gallery sorted by date never reads the board).
    newest, count, votes, counted = db.session.execute(
        select(func.max(ChallengeSubmission.updated_at), func.count(),
               func.sum(ChallengeSubmission.vote_count),
               func.sum(ChallengeSubmission.counted_votes))
        .where(ChallengeSubmission.challenge_id == challenge.id)
    ).one()
    return PageState("|".join([
        view, str(challenge.id), str(challenge.updated_at),
        board_version, str(newest), str(count), str(votes), str(counted),
        str(phase_at(challenge, now)),
        str(int(now.timestamp()) // BUCKET_SECONDS), str(get_locale()),
        request.query_string.decode("latin-1"), request.headers.get("HX-Request", ""),
    ]))


def page_etag(challenge: WeeklyChallenge, now: datetime, view: str) -> str | None:
    """``page_state``'s validator for a page that depends on nothing else."""
    state = page_state(challenge, now, view)
    return state.etag() if state is not None else None


def not_modified(etag: str) -> Response | None:
    """A bodiless 304 when the visitor's copy carries ``etag``, else None."""
    if etag in request.if_none_match:
        response = Response(status=304)
        finish(response, etag)
        return response
    return None


def finish(response: Response, etag: str) -> Response:
    """Give a page (or its 304) the validator and the same cache headers: private (the
    visitor's session cookie and CSRF token are theirs), revalidated on every view."""
    response.set_etag(etag)
    response.headers["Cache-Control"] = "private, no-cache"
    response.vary.add("HX-Request")
    response.vary.add("Cookie")
    response.vary.add("Accept-Language")
    return response
