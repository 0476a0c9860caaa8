"""The challenge list (SPEC §9): open now, coming up, and the newest past challenges with their
winners (the archive package pages through all of them with the same cursor)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import InstrumentedAttribute, joinedload

from ..clock import as_utc
from ..extensions import db
from ..models import ChallengeStatus, ChallengeSubmission, User, WeeklyChallenge
from ..phase import VOTING_PHASES, in_any_phase, in_phase, phase_at
from .challenges import visible_challenges

RECENT_PAST = 6  # completed challenges on the list page; the archive has every one
W = WeeklyChallenge


@dataclass(frozen=True)
class ChallengeListing:
    open_now: list[WeeklyChallenge]
    upcoming: list[WeeklyChallenge]
    past: list[WeeklyChallenge]
    winners: dict[uuid.UUID, list[ChallengeSubmission]]
    more_past: bool  # older completed challenges wait in the archive
    drafts: list[WeeklyChallenge]


class BadCursor(ValueError):
    pass


def challenge_listing(viewer: User | None, now: datetime) -> ChallengeListing:
    """Everything the list page shows: open and upcoming challenges, and the newest few
    completed ones (the archive, ``/challenges/archive/``, pages through the rest)."""
    base = visible_challenges(viewer).options(joinedload(W.sponsor))
    open_now = db.session.scalars(
        base.where(in_any_phase(VOTING_PHASES, now)).order_by(W.voting_deadline)
    ).all()
    upcoming = db.session.scalars(
        base.where(in_phase(ChallengeStatus.UPCOMING, now)).order_by(W.starts_at).limit(12)
    ).all()
    rows = db.session.scalars(
        base.where(in_phase(ChallengeStatus.COMPLETED, now))
        .order_by(W.voting_deadline.desc(), W.id.desc()).limit(RECENT_PAST + 1)
    ).all()
    past = list(rows[:RECENT_PAST])
    drafts = (
        db.session.scalars(
            base.where(~W.is_published).order_by(W.starts_at)
        ).all()
        if viewer is not None and getattr(viewer, "is_editor", False)
        else []
    )
    return ChallengeListing(
        list(open_now),
        list(upcoming),
        past,
        podiums([c.id for c in past]),
        len(rows) > RECENT_PAST,
        list(drafts),
    )


def newest_first(query: Select[WeeklyChallenge],
                 moment: InstrumentedAttribute[datetime], cursor: str | None,
                 limit: int) -> tuple[list[WeeklyChallenge], str | None]:
    """One keyset page of ``query`` ordered by (``moment``, id) newest first, after ``cursor``
    (a "<ISO time>|<uuid>" of the page before), and the cursor of the next page or None: the
    one "older than the cursor" predicate of every challenge pager (no OFFSET). Raises
    ``BadCursor`` for a cursor no page handed out."""
    if cursor:
        at, challenge_id = parse_cursor(cursor)
        query = query.where(or_(moment < at, and_(moment == at, W.id < challenge_id)))
    rows = db.session.scalars(query.order_by(moment.desc(), W.id.desc()).limit(limit + 1)).all()
    page = list(rows[:limit])
    if len(rows) <= limit:
        return page, None
    last = page[-1]
    return page, f"{getattr(last, moment.key).isoformat()}|{last.id}"


@dataclass(frozen=True)
class ChallengePage:
    challenges: list[WeeklyChallenge]
    next_cursor: str | None


def challenge_page(viewer: User | None, now: datetime, *, status: str | None,
                   cursor: str | None, limit: int) -> ChallengePage:
    """One page of the published challenges (those in phase ``status`` if given), latest start
    first, keyset-paged by (start, id); ``cursor`` is the ``next_cursor`` of the page before.
    Raises ``BadCursor`` for a cursor this function did not hand out."""
    query = visible_challenges(viewer).options(joinedload(W.sponsor)).where(W.is_published)
    if status:
        query = query.where(in_phase(status, now))
    page, next_cursor = newest_first(query, W.starts_at, cursor, limit)
    return ChallengePage(page, next_cursor)


def podiums(challenge_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[ChallengeSubmission]]:
    """Final places 1-3 of each challenge, with their authors, in one query."""
    if not challenge_ids:
        return {}
    rows = db.session.scalars(
        select(ChallengeSubmission)
        .options(joinedload(ChallengeSubmission.user))
        .where(
            ChallengeSubmission.challenge_id.in_(challenge_ids),
            ChallengeSubmission.final_rank.is_not(None),
            ChallengeSubmission.final_rank <= 3,
        )
        .order_by(
            ChallengeSubmission.final_rank,
            ChallengeSubmission.counted_votes.desc(),
            ChallengeSubmission.entry_number,
        )
    ).all()
    # final_rank is the author's place, shared by their entries: show each winner's best one.
    result: dict[uuid.UUID, list[ChallengeSubmission]] = {}
    seen: set[tuple[uuid.UUID, int]] = set()
    for row in rows:
        if (row.challenge_id, row.user_id) not in seen:
            seen.add((row.challenge_id, row.user_id))
            result.setdefault(row.challenge_id, []).append(row)
    return result


def showcase_challenge(listing: ChallengeListing, current: WeeklyChallenge | None,
                       now: datetime) -> WeeklyChallenge | None:
    """Whose artwork the home page shows: the challenge in voting (nearest deadline first), else
    the one open for entries, else the last completed one; only a challenge that has entries.
    Chooses from challenges already loaded, so it runs no query."""
    voting = [c for c in listing.open_now if phase_at(c, now) == ChallengeStatus.VOTING]
    for challenge in [*voting, *([current] if current else []), *listing.past[:1]]:
        if challenge.submission_count > 0 and challenge.is_published:
            return challenge
    return None


def parse_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    """(moment, id) of a "<ISO time>|<uuid>" cursor; ``BadCursor`` for anything else."""
    try:
        deadline, challenge_id = cursor.split("|", 1)
        return as_utc(datetime.fromisoformat(deadline)), uuid.UUID(challenge_id)
    except (ValueError, OverflowError):  # OverflowError: e.g. year 1 in a zone east of UTC
        raise BadCursor(cursor) from None
