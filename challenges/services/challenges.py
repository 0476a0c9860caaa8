"""Challenge definitions: validation on save and the lookups every page shares."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import BindParameter, ColumnElement, Select, and_, bindparam, inspect, select

from ..clock import as_utc
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..models import THEME_COLORS, ChallengeStatus, ChallengeSubmission, User, WeeklyChallenge
from ..phase import in_phase
from .points import validate_points_config
from .prizes import parse_prizes
from .urls import url_problem

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SCHEDULE_FIELDS = ("starts_at", "submission_deadline", "voting_deadline", "ends_at")


def schedule_problems(
    starts_at: datetime | None,
    submission_deadline: datetime | None,
    voting_deadline: datetime | None,
    ends_at: datetime | None,
) -> dict[str, str]:
    """Field -> message for a schedule that breaks
    ``starts_at < submission_deadline <= voting_deadline <= ends_at``."""
    names = ("starts_at", "submission_deadline", "voting_deadline", "ends_at")
    values = (starts_at, submission_deadline, voting_deadline, ends_at)
    missing = {n: _("This time is required.")
               for n, v in zip(names, values, strict=True) if v is None}
    if missing:
        return missing
    assert starts_at and submission_deadline and voting_deadline and ends_at
    s, sd, vd, e = (as_utc(v) for v in (starts_at, submission_deadline, voting_deadline, ends_at))
    problems: dict[str, str] = {}
    if not s < sd:
        problems["submission_deadline"] = _("The submission deadline must come after the start.")
    if not sd <= vd:
        problems["voting_deadline"] = (
            _("The voting deadline cannot come before the submission deadline.")
        )
    if not vd <= e:
        problems["ends_at"] = _("Results cannot be final before the voting deadline.")
    return problems


def freeze_problem(freeze_hours: int | None, submission_deadline: datetime | None,
                   voting_deadline: datetime | None) -> str | None:
    """What is wrong with a challenge's ``freeze_hours`` (issue #13), or None: empty (no
    freeze), or a whole number of hours above 0 and within the voting period."""
    if freeze_hours is None or submission_deadline is None or voting_deadline is None:
        return None
    period = as_utc(voting_deadline) - as_utc(submission_deadline)
    hours = int(period.total_seconds() // 3600)
    if freeze_hours <= 0 or freeze_hours > hours:
        if hours < 1:
            return str(_("The voting period is shorter than an hour: leave the freeze empty."))
        return str(_("Between 1 and %(hours)s hours (the voting period), or empty for no freeze.",
                 hours=hours))
    return None


def iso_week(moment: datetime) -> tuple[int, int]:
    """(ISO year, ISO week number) of a UTC moment."""
    year, week, _weekday = as_utc(moment).isocalendar()
    return year, week


# Features' own checks of a challenge being saved (its judging settings: challenges.judging):
# ``check(challenge)`` returns field -> message for what is wrong and may normalise its fields.
# ``prepare_challenge`` shows them with its own. The core never imports a feature.
ChallengeCheck = Callable[[WeeklyChallenge], dict[str, str]]
challenge_checks: list[ChallengeCheck] = []


def on_challenge_check(check: ChallengeCheck) -> ChallengeCheck:
    """Run ``check`` in every ``prepare_challenge``; registering it twice is a no-op."""
    if check not in challenge_checks:
        challenge_checks.append(check)
    return check


# Paths under /challenges/ that are pages of their own: a challenge with such a slug would have
# a landing page nobody can reach (the archive's route answers first).
RESERVED_SLUGS = frozenset({"archive"})


def prepare_challenge(challenge: WeeklyChallenge) -> None:
    """Validate a challenge before it is saved and fill what derives from other fields.

    Used by the admin, the CLI and the demo data alike. Raises ``ValidationFailed`` naming every
    field that is wrong, so the editor sees all problems at once.
    """
    problems = schedule_problems(
        challenge.starts_at,
        challenge.submission_deadline,
        challenge.voting_deadline,
        challenge.ends_at,
    )
    if not challenge.slug or not SLUG_RE.fullmatch(challenge.slug) or len(challenge.slug) > 50:
        problems["slug"] = _("Use lowercase letters, digits and single hyphens (at most 50).")
    elif challenge.slug in RESERVED_SLUGS:
        problems["slug"] = _("“%(slug)s” is the address of a site page; choose another slug.",
                             slug=challenge.slug)
    elif _slug_taken(challenge):
        problems["slug"] = _("Another challenge already uses this slug.")
    if challenge.theme_color and challenge.theme_color not in THEME_COLORS:
        problems["theme_color"] = _("Choose one of: %(choices)s.",
                                         choices=", ".join(THEME_COLORS))
    if challenge.hero_image_url:
        problem = url_problem(challenge.hero_image_url)
        if problem:
            problems["hero_image_url"] = problem
    freeze = freeze_problem(challenge.freeze_hours, challenge.submission_deadline,
                            challenge.voting_deadline)
    if freeze and "voting_deadline" not in problems:
        problems["freeze_hours"] = freeze
    max_entries = challenge.max_submissions_per_user  # None until the column default applies
    if max_entries is not None and not 1 <= max_entries <= 100:
        problems["max_submissions_per_user"] = _("Between 1 and 100.")
    for check, value in (
        (parse_prizes, challenge.prizes),
        (validate_points_config, _json_value(challenge.points_config)),
    ):
        try:
            check(value)
        except ValidationFailed as exc:
            problems.update(exc.errors)
    for feature_check in challenge_checks:
        problems.update(feature_check(challenge))
    if problems:
        raise ValidationFailed(problems, "; ".join(problems.values()))
    challenge.prizes = _json_value(challenge.prizes)
    challenge.points_config = _json_value(challenge.points_config)
    if schedule_moved(challenge):
        # An SQL increment: two editors saving at once both count, and a second call before the
        # flush assigns the same expression, so one save raises it by exactly one.
        challenge.schedule_sequence = WeeklyChallenge.schedule_sequence + 1
    if challenge.starts_at and (not challenge.year or not challenge.week_number):
        challenge.year, challenge.week_number = iso_week(challenge.starts_at)


def schedule_moved(challenge: WeeklyChallenge) -> bool:
    """Whether a saved challenge's times differ from the ones stored (a new challenge: no).

    Compared as UTC moments, since a form may give a naive datetime for the same instant. A time
    set while its stored value was not loaded counts as moved: a needless raise of
    ``schedule_sequence`` is harmless, a missed one leaves calendars showing the old time.
    """
    state = inspect(challenge)
    if not state.persistent:
        return False
    for name in SCHEDULE_FIELDS:
        history = state.attrs[name].history
        if not history.added:
            continue
        if not history.deleted:
            return True
        old, new = history.deleted[0], history.added[0]
        if old is None or new is None:
            if old is not new:
                return True
        elif as_utc(old) != as_utc(new):
            return True
    return False


def _json_value(value: object) -> Any:
    """JSON columns may arrive as text (forms); empty means an empty object."""
    if value is None:
        return {}
    if isinstance(value, str):
        try:
            return json.loads(value) if value.strip() else {}
        except json.JSONDecodeError:
            return value  # reported by the validators above
    return value


def _slug_taken(challenge: WeeklyChallenge) -> bool:
    query = select(WeeklyChallenge.id).where(WeeklyChallenge.slug == challenge.slug)
    if challenge.id is not None:
        query = query.where(WeeklyChallenge.id != challenge.id)
    with db.session.no_autoflush:
        return db.session.scalar(query) is not None


def can_see_unpublished(viewer: User | None) -> bool:
    """Only editors ever see drafts (and cancelled challenges)."""
    return bool(
        viewer is not None and getattr(viewer, "is_authenticated", False) and viewer.is_editor
    )


def visible_challenges(viewer: User | None) -> Select[WeeklyChallenge]:
    """Challenges ``viewer`` may see: published ones, and everything for editors."""
    return _visible(can_see_unpublished(viewer))


@cache
def _visible(editor: bool) -> Select[WeeklyChallenge]:
    """``visible_challenges`` for an editor or not, built once (statements are immutable:
    callers add their own conditions to a copy)."""
    query = select(WeeklyChallenge)
    return query if editor else query.where(WeeklyChallenge.is_published)


def get_visible_challenge(slug: str, viewer: User | None,
                          entry_id: uuid.UUID | None = None) -> WeeklyChallenge:
    """The challenge with ``slug`` if ``viewer`` may see it. Raises ``NotFound`` otherwise,
    so a draft is indistinguishable from a challenge that does not exist.

    One statement (issue #14): for a signed-in member it also reads what features asked to
    know about the member and the challenge (``on_member_lookup``), and with ``entry_id`` that
    entry of the challenge, if any, so the session's identity map answers ``get_entry`` without
    a statement of its own (the entry's rules stay there)."""
    if not SLUG_RE.fullmatch(slug or "") or len(slug) > 50:
        raise NotFound(_("No such challenge."))
    member_id = member_id_of(viewer)
    columns = tuple(member_columns) if member_id is not None else ()
    statement = _visible_by_slug(can_see_unpublished(viewer), entry_id is not None, columns)
    params: dict[str, Any] = {"slug": slug}
    if entry_id is not None:
        params["entry_id"] = entry_id
    if columns:
        params["member_id"] = member_id
    row = db.session.execute(statement, params).first()
    if row is None:
        raise NotFound(_("No such challenge."))
    challenge: WeeklyChallenge = row[0]
    if entry_id is not None and row[1] is not None:
        # The identity map holds objects weakly: the session keeps this one until it ends.
        db.session.info.setdefault("wc_entries_read", []).append(row[1])
    if member_id is not None:
        for lookup, value in zip(columns, row[2 if entry_id is not None else 1:], strict=True):
            lookup.found(challenge, member_id, value)
    return challenge


@dataclass(frozen=True)
class MemberLookup:
    """A feature's column read with a member's challenge lookup, and what it does with the
    value: e.g. judging asks whether the member judges the challenge and remembers the answer
    for the request, so the vote's and the entry form's checks ask no statement of their own."""

    column: Callable[[BindParameter[int]], ColumnElement[Any]]  # from the member's id
    found: Callable[[WeeklyChallenge, int, Any], None]  # (challenge, member id, the value)


member_columns: list[MemberLookup] = []


def on_member_lookup(lookup: MemberLookup) -> MemberLookup:
    """Read ``lookup``'s column in every member's ``get_visible_challenge``; registering it
    twice is a no-op (apps are created more than once in tests)."""
    if lookup not in member_columns:
        member_columns.append(lookup)
    return lookup


def member_id_of(viewer: User | None) -> int | None:
    """The signed-in viewer's id; None for nobody and for the anonymous user."""
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return None
    return viewer.id


@cache
def _visible_by_slug(editor: bool, with_entry: bool = False,
                     columns: tuple[MemberLookup, ...] = ()) -> Select[Any]:
    """``visible_challenges`` by slug, for an editor or not, built once per shape: nearly every
    page and every vote names its challenge by slug. With ``with_entry``, the entry
    ``:entry_id`` of the challenge beside it (None when it has no such entry); then each
    member column."""
    query = _visible(editor).where(WeeklyChallenge.slug == bindparam("slug"))
    if with_entry:
        query = query.add_columns(ChallengeSubmission).outerjoin(ChallengeSubmission, and_(
            ChallengeSubmission.id == bindparam("entry_id", type_=ChallengeSubmission.id.type),
            ChallengeSubmission.challenge_id == WeeklyChallenge.id))
    member = bindparam("member_id", type_=User.id.type)
    return query.add_columns(*(lookup.column(member) for lookup in columns))


def current_challenge(now: datetime) -> WeeklyChallenge | None:
    """The challenge open for entries right now (featured first, then the nearest deadline).

    Decided by the clock, not the status column, which the phase job may not have caught up on.
    """
    return db.session.scalar(
        select(WeeklyChallenge)
        .where(in_phase(ChallengeStatus.ACTIVE, now))
        .order_by(
            WeeklyChallenge.is_featured.desc(),
            WeeklyChallenge.submission_deadline,
            WeeklyChallenge.id,
        )
        .limit(1)
    )
