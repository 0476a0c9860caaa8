"""The JSON API (SPEC §10). Every rule is the services' own: these views parse, call, commit,
and serialise; errors leave as one JSON shape."""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload

from ..clock import as_utc, utcnow
from ..errors import LoginRequired, NotFound
from ..extensions import db, limiter
from ..leaderboard.live import board_for_page
from ..models import ChallengeSubmission, WeeklyChallenge
from ..phase import in_phase
from ..services.challenges import current_challenge, get_visible_challenge, visible_challenges
from ..services.entries import EntryInput, submit_entry
from ..services.gallery import BadCursor as GalleryBadCursor
from ..services.gallery import Sort, gallery_page
from ..services.votes import cast_vote, withdraw_vote
from ..transactions import commit_with_retry
from .auth import caller, rate_limit_key
from .inputs import ENTRY_FIELDS, BadRequest, choice_arg, int_arg, json_body, uuid_or_none
from .serializers import (
    challenge_detail_json,
    challenge_json,
    challenge_summary_json,
    leaderboard_json,
    my_submission_json,
    submission_json,
)

bp = Blueprint("api", __name__, url_prefix="/api")
W = WeeklyChallenge
STATUSES = ("upcoming", "active", "voting", "completed")
SORTS = tuple(s.value for s in Sort)
WRITE_LIMIT = "30 per minute"


class BadCursor(BadRequest):
    code = "bad_cursor"
    default_message = "That cursor is not one this API handed out."


def encode_cursor(value: str) -> str:
    return base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")


def decode_cursor(raw: str | None) -> str | None:
    """The cursor's text; ``validate`` refuses what the default decoder would silently drop
    (``!!!`` would otherwise read as "no cursor", the first page again)."""
    if not raw:
        return None
    try:
        value = base64.b64decode(raw + "=" * (-len(raw) % 4), altchars=b"-_", validate=True)
        text = value.decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadCursor() from None
    if not text:
        raise BadCursor()
    return text


def challenge_or_404(slug: str) -> WeeklyChallenge:
    return get_visible_challenge(slug, caller())


def require_caller() -> Any:
    user = caller()
    if user is None:
        raise LoginRequired("Authenticate with a session or an API token.")
    return user


@bp.get("/challenges/")
def list_challenges() -> Response:
    now = utcnow()
    limit = int_arg("limit", 20, 1, 100)
    status = choice_arg("status", STATUSES, None)
    query = visible_challenges(caller()).options(joinedload(W.sponsor)).where(W.is_published)
    if status:
        query = query.where(in_phase(status, now))
    cursor = decode_cursor(request.args.get("cursor"))
    if cursor:
        try:
            starts, challenge_id = cursor.split("|", 1)
            after = (datetime.fromisoformat(starts), uuid.UUID(challenge_id))
            if after[0].tzinfo is None:
                raise ValueError("naive")
            after = (as_utc(after[0]), after[1])  # year 1 at +05:00 overflows here, not in SQL
        except (ValueError, OverflowError):
            raise BadCursor() from None
        query = query.where(or_(W.starts_at < after[0],
                                and_(W.starts_at == after[0], W.id < after[1])))
    rows = db.session.scalars(
        query.order_by(W.starts_at.desc(), W.id.desc()).limit(limit + 1)).all()
    page = rows[:limit]
    next_url = None
    if len(rows) > limit:
        last = page[-1]
        next_url = url_for(".list_challenges", _external=True, limit=limit, status=status,
                           cursor=encode_cursor(f"{last.starts_at.isoformat()}|{last.id}"))
    return jsonify(results=[challenge_summary_json(c, now) for c in page], next=next_url)


@bp.get("/challenges/current/")
def current() -> Response:
    now = utcnow()
    challenge = current_challenge(now)
    if challenge is None:
        raise NotFound("No challenge is open for entries right now.", code="no_active_challenge")
    return jsonify(challenge_json(challenge, now, caller()))


@bp.get("/challenges/<slug>/")
def challenge_detail(slug: str) -> Response:
    return jsonify(challenge_detail_json(challenge_or_404(slug), utcnow(), caller()))


@bp.get("/challenges/<slug>/submissions/")
def submissions(slug: str) -> Response:
    challenge = challenge_or_404(slug)
    limit = int_arg("limit", 12, 1, 50)
    sort = Sort(choice_arg("sort", SORTS, Sort.MOST_VOTED.value))
    raw = decode_cursor(request.args.get("cursor"))
    cursor = None
    if raw:
        cursor_sort, _, cursor = raw.partition(":")
        if not cursor:
            raise BadCursor()
        if cursor_sort != sort.value:
            raise BadCursor("That cursor belongs to another sort order.")
    user = caller()
    try:
        page = gallery_page(challenge, sort, cursor, user.id if user else None, limit=limit)
    except GalleryBadCursor:
        raise BadCursor() from None
    next_url = None
    if page.next_cursor:
        next_url = url_for(".submissions", slug=slug, _external=True, limit=limit, sort=sort.value,
                           cursor=encode_cursor(f"{sort.value}:{page.next_cursor}"))
    voted = page.voted if user else None
    return jsonify(
        results=[submission_json(e, (e.id in voted) if voted is not None else None)
                 for e in page.entries],
        next=next_url,
    )


@bp.get("/challenges/<slug>/leaderboard/")
def leaderboard(slug: str) -> Response:
    challenge = challenge_or_404(slug)
    top = int_arg("limit", 10, 1, 100)
    user = caller()
    board = board_for_page(challenge, user.id if user else None, utcnow(), top=top)
    return jsonify(leaderboard_json(board))


@bp.post("/challenges/<slug>/submit/")
@limiter.limit(WRITE_LIMIT, key_func=rate_limit_key)
def submit(slug: str) -> tuple[Response, int]:
    user = require_caller()
    challenge = challenge_or_404(slug)
    data = json_body(ENTRY_FIELDS, required={"title"})
    entry_input = EntryInput(
        title=data.get("title", ""), description=data.get("description", ""),
        image_url=data.get("image_url", ""), image_alt_text=data.get("image_alt_text", ""),
        external_url=data.get("external_url", ""),
        project_id=uuid_or_none(data.get("project_id", ""), "project_id"),
        prompt_used=data.get("prompt_used", ""), tool_used=data.get("tool_used", ""),
    )
    entry = commit_with_retry(lambda: submit_entry(challenge.id, user, entry_input, utcnow()))
    return jsonify(my_submission_json(entry)), 201


def _vote(slug: str, submission_id: str, cast: bool) -> Response:
    user = require_caller()
    challenge = challenge_or_404(slug)
    entry_id = uuid_or_none(submission_id, "submission_id")
    entry = db.session.get(ChallengeSubmission, entry_id)
    if entry is None or entry.challenge_id != challenge.id:
        raise NotFound("No such entry in this challenge.")
    action = cast_vote if cast else withdraw_vote
    outcome = commit_with_retry(lambda: action(entry.id, user, utcnow()))
    db.session.refresh(outcome.entry)
    return jsonify(submission_id=str(outcome.entry.id), voted=outcome.voted,
                   changed=outcome.changed, vote_count=outcome.entry.vote_count)


@bp.post("/challenges/<slug>/vote/<submission_id>/")
@limiter.limit(WRITE_LIMIT, key_func=rate_limit_key)
def vote(slug: str, submission_id: str) -> Response:
    return _vote(slug, submission_id, cast=True)


@bp.delete("/challenges/<slug>/vote/<submission_id>/")
@limiter.limit(WRITE_LIMIT, key_func=rate_limit_key)
def unvote(slug: str, submission_id: str) -> Response:
    return _vote(slug, submission_id, cast=False)


@bp.get("/challenges/<slug>/my-submissions/")
def my_submissions(slug: str) -> Response:
    user = require_caller()
    challenge = challenge_or_404(slug)
    entries = db.session.scalars(
        select(ChallengeSubmission)
        .options(joinedload(ChallengeSubmission.user), joinedload(ChallengeSubmission.challenge))
        .where(ChallengeSubmission.challenge_id == challenge.id,
               ChallengeSubmission.user_id == user.id,
               ChallengeSubmission.is_withdrawn.is_(False))
        .order_by(ChallengeSubmission.entry_number)
    ).all()
    return jsonify(results=[my_submission_json(e) for e in entries])

