"""The archive (issue #12): every completed challenge, newest first, filtered and searched, a
page at a time; and a completed challenge's results (podium and final board).

Pages are keyset-paginated over (voting deadline, id), the cursor of the list page's past
section (``services.listing``), so a page costs the same statements wherever it is. Completed
means ``in_phase(COMPLETED)``, the SQL twin of ``phase_at``, over ``visible_challenges``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload, undefer

from ..extensions import db
from ..leaderboard import ranks
from ..leaderboard.standings import ranked_standings
from ..leaderboard.store import Row
from ..models import (
    THEME_COLORS,
    ChallengeSponsor,
    ChallengeStatus,
    ChallengeSubmission,
    User,
    WeeklyChallenge,
)
from ..phase import in_phase, phase_at, results_published
from ..services.challenges import visible_challenges
from ..services.finalization import feature_ranking
from ..services.listing import newest_first, podiums
from .search import matches, search_terms

W = WeeklyChallenge
PAGE_SIZE = 12
RESULTS_PAGE_SIZE = 100  # the final board is paged by cursor past this many participants


@dataclass(frozen=True)
class ArchiveFilters:
    """What the archive is narrowed to; every field optional."""

    year: int | None = None
    sponsor: str | None = None  # a sponsor's slug
    theme: str | None = None  # one of THEME_COLORS
    q: str = ""  # words to find in the title or description

    def query(self) -> dict[str, str]:
        """The filters as URL query arguments (what the filter form reads back)."""
        args = {"year": str(self.year) if self.year else "", "sponsor": self.sponsor or "",
                "theme": self.theme or "", "q": self.q}
        return {name: value for name, value in args.items() if value}

    @property
    def active(self) -> bool:
        return bool(self.query())


@dataclass(frozen=True)
class ArchivePage:
    challenges: list[WeeklyChallenge]
    podiums: dict[uuid.UUID, list[ChallengeSubmission]]
    next_cursor: str | None
    filters: ArchiveFilters


@dataclass(frozen=True)
class FilterChoices:
    """What the filter form offers: the years and sponsors that have a completed challenge."""

    years: list[int]
    sponsors: list[tuple[str, str]]  # (slug, name)
    themes: tuple[str, ...] = field(default=THEME_COLORS)


def completed_challenges(viewer: User | None, now: datetime) -> Select[WeeklyChallenge]:
    """The query of every completed challenge ``viewer`` may see (published ones only: a draft
    never reaches the completed phase)."""
    return visible_challenges(viewer).where(in_phase(ChallengeStatus.COMPLETED, now))


def archive_page(viewer: User | None, now: datetime, filters: ArchiveFilters,
                 cursor: str | None, limit: int = PAGE_SIZE) -> ArchivePage:
    """One page of completed challenges matching ``filters``, newest voting deadline first,
    after ``cursor`` (the ``next_cursor`` of the page before). Raises
    ``services.listing.BadCursor`` for a cursor no page handed out. Three statements: the
    page, the sponsors (joined), the podiums of the page. The cards show each challenge's
    votes: ``total_votes`` is derived and deferred (issue #14), so it is loaded with the page."""
    # ``total_votes`` is assigned as a column_property after the class (models/submission.py),
    # so the type checker sees the plain attribute.
    votes: Any = W.total_votes
    query = completed_challenges(viewer, now).options(joinedload(W.sponsor), undefer(votes))
    if filters.year:
        query = query.where(W.year == filters.year)
    if filters.theme:
        query = query.where(W.theme_color == filters.theme)
    if filters.sponsor:
        query = query.where(W.sponsor_id.in_(
            select(ChallengeSponsor.id).where(ChallengeSponsor.slug == filters.sponsor)))
    terms = search_terms(filters.q)
    if terms:
        query = query.where(matches(terms))
    page, next_cursor = newest_first(query, W.voting_deadline, cursor, limit)
    return ArchivePage(page, podiums([c.id for c in page]), next_cursor, filters)


def filter_choices(viewer: User | None, now: datetime) -> FilterChoices:
    """The years and sponsors worth offering: those of at least one completed challenge."""
    completed = completed_challenges(viewer, now).subquery()
    years = db.session.scalars(
        select(completed.c.year).distinct().order_by(completed.c.year.desc())).all()
    sponsors = db.session.execute(
        select(ChallengeSponsor.slug, ChallengeSponsor.name)
        .where(ChallengeSponsor.id.in_(select(completed.c.sponsor_id)))
        .order_by(ChallengeSponsor.name)).all()
    return FilterChoices([y for y in years if y], [(s.slug, s.name) for s in sponsors])


class NotCompleted(LookupError):
    """The challenge has no results to show (yet)."""


REVEAL_PLACES = 10  # the reveal announces the top ten, from 10th to 1st (issue #13)


@dataclass(frozen=True)
class Results:
    challenge: WeeklyChallenge
    podium: list[ChallengeSubmission]
    board: ranks.RankPage | None  # None until the results are published (``ends_at``)
    judged: bool = False  # ranked by community and judges (SPEC §4a), not by votes alone

    @property
    def published(self) -> bool:
        return self.board is not None

    @property
    def reveal(self) -> list[Row]:
        """The places the reveal announces, in the order it announces them (10th first): on
        the first page of the board only (a later page is browsing, not a reveal)."""
        if self.board is None or self.board.prev_cursor is not None:
            return []
        return self.board.rows[:REVEAL_PLACES][::-1]


def results(challenge: WeeklyChallenge, viewer_id: int | None, now: datetime,
            cursor: ranks.Cursor = ranks.FIRST,
            size: int = RESULTS_PAGE_SIZE) -> Results:
    """A completed challenge's podium and one page of its final board, ranked by the
    leaderboard package (the same ranks as the leaderboard page). Raises ``NotCompleted``
    before the voting deadline (and for drafts, which never complete); between the voting
    deadline and ``ends_at`` the results are not published yet (``board`` None)."""
    if phase_at(challenge, now) != ChallengeStatus.COMPLETED:
        raise NotCompleted(challenge.slug)
    if not results_published(challenge, now):
        return Results(challenge, [], None)
    podium = podiums([challenge.id]).get(challenge.id, []) if challenge.finalized_at else []
    if challenge.finalized_at and (order := feature_ranking(challenge.id)) is not None:
        return Results(challenge, podium, _final_order_page(challenge, order, viewer_id),
                       judged=True)
    return Results(challenge, podium, ranks.board_page(challenge, viewer_id, cursor, now, size))


def _final_order_page(challenge: WeeklyChallenge, order: list[int],
                      viewer_id: int | None) -> ranks.RankPage:
    """The whole final board of a challenge ranked by more than its votes (judges, SPEC §4a),
    in that order, on one page: the reveal and the board then agree with the podium and the
    final ranks. Each row still shows the member's counted votes."""
    by_user = {s.user_id: s for s in ranked_standings(challenge.id)}
    rows = [Row(place, user_id, by_user[user_id].username, by_user[user_id].counted_votes, 0.0)
            for place, user_id in enumerate((u for u in order if u in by_user), start=1)]
    viewer = next((row for row in rows if row.user_id == viewer_id), None)
    return ranks.RankPage(challenge.id, challenge.slug, 0, rows, len(rows), False, True,
                          max(len(rows), 1), viewer_id, viewer, None, None)


def reveal_step(shown: Results, raw: str | None) -> int:
    """How many places a reveal step shows: ``raw`` clamped to 0..len(places); a bad value
    is the whole list (never an error: it is only how far the show has got)."""
    try:
        step = int(raw or "0")
    except ValueError:
        return len(shown.reveal)
    return max(0, min(step, len(shown.reveal)))
