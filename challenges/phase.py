"""The phase of a challenge: a pure function of its timestamps and a time (SPEC §2).

Every rule ("may I submit?", "may I vote?") asks this function, never the ``status`` column,
which is only a cache the scheduled job persists. Queries ask its SQL twin, ``in_phase``, written
beside it; tests/core/test_rule_twins.py checks that the two agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, false, or_

from .clock import as_utc
from .models.challenge import UNPUBLISHED_STATUSES, ChallengeStatus, WeeklyChallenge

# The phases in which entries may be submitted, and those in which votes may be cast.
SUBMISSION_PHASES = frozenset({ChallengeStatus.ACTIVE})
VOTING_PHASES = frozenset({ChallengeStatus.ACTIVE, ChallengeStatus.VOTING})



class MainAction(StrEnum):
    """The one thing a challenge's page and card invite everyone to do, by phase (issue #11)."""

    REMIND = "remind"  # upcoming: add it to your calendar, or be reminded
    SUBMIT = "submit"  # active: submit your entry
    VOTE = "vote"  # voting: vote now
    RESULTS = "results"  # completed: see the results
    NONE = "none"  # draft or cancelled: nothing to invite to


MAIN_ACTIONS = {
    ChallengeStatus.UPCOMING: MainAction.REMIND,
    ChallengeStatus.ACTIVE: MainAction.SUBMIT,
    ChallengeStatus.VOTING: MainAction.VOTE,
    ChallengeStatus.COMPLETED: MainAction.RESULTS,
}


def main_action(phase: ChallengeStatus | str | None) -> MainAction:
    """The main action of a challenge in ``phase`` (from ``phase_at``); templates branch on
    it, never on the phase itself (tests/core/test_rule_twins.py)."""
    if phase is None:
        return MainAction.NONE
    return MAIN_ACTIONS.get(ChallengeStatus(phase), MainAction.NONE)


# What the countdown of each phase counts down to, as people read it (lazy: in their language
# when shown).
DEADLINE_LABELS = {
    ChallengeStatus.UPCOMING: _l("Starts"),
    ChallengeStatus.ACTIVE: _l("Submissions close"),
    ChallengeStatus.VOTING: _l("Voting ends"),
}


class HasSchedule(Protocol):
    status: str
    starts_at: datetime
    submission_deadline: datetime
    voting_deadline: datetime


def phase_at(challenge: HasSchedule, now: datetime) -> ChallengeStatus:
    """The phase ``challenge`` is in at ``now``.

    Drafts and cancelled challenges stay what they are (an editor sets those by hand). A published
    challenge is upcoming before ``starts_at``, active until ``submission_deadline``, open for
    voting until ``voting_deadline`` and completed from then on; each boundary belongs to the
    later phase.
    """
    status = ChallengeStatus(challenge.status)
    if status in UNPUBLISHED_STATUSES:
        return status
    now = as_utc(now)
    if now < as_utc(challenge.starts_at):
        return ChallengeStatus.UPCOMING
    if now < as_utc(challenge.submission_deadline):
        return ChallengeStatus.ACTIVE
    if now < as_utc(challenge.voting_deadline):
        return ChallengeStatus.VOTING
    return ChallengeStatus.COMPLETED


def in_phase(phase: ChallengeStatus | str, now: datetime) -> ColumnElement[bool]:
    """SQL twin of ``phase_at(challenge, now) == phase``: a WHERE clause on ``WeeklyChallenge``.

    Written as ``phase_at`` reads, test by test: each later phase needs every earlier boundary
    behind it, so the two agree even on a schedule whose deadlines were out of order.
    """
    phase = ChallengeStatus(phase)
    W = WeeklyChallenge
    if phase.value in UNPUBLISHED_STATUSES:
        return W.status == phase.value
    ahead = [W.starts_at > now, W.submission_deadline > now, W.voting_deadline > now]
    order = [ChallengeStatus.UPCOMING, ChallengeStatus.ACTIVE, ChallengeStatus.VOTING,
             ChallengeStatus.COMPLETED]
    index = order.index(phase)
    behind = [~boundary for boundary in ahead[:index]]
    still_ahead = ahead[index:index + 1]  # nothing for COMPLETED
    return and_(W.is_published, *behind, *still_ahead)


class HasResults(Protocol):
    status: str
    voting_deadline: datetime
    ends_at: datetime
    freeze_hours: int | None


def freeze_starts_at(challenge: HasResults) -> datetime | None:
    """When the public board freezes (``voting_deadline - freeze_hours``), or None without a
    freeze (issue #13)."""
    if not challenge.freeze_hours:
        return None
    return as_utc(challenge.voting_deadline) - timedelta(hours=challenge.freeze_hours)


def is_frozen(challenge: HasResults, now: datetime) -> bool:
    """Whether the public board shows its state at the freeze rather than the live one: from
    the freeze until the results are published (votes keep counting in the database and the
    live board all along; each member still sees their own live row)."""
    start = freeze_starts_at(challenge)
    if start is None or ChallengeStatus(challenge.status) in UNPUBLISHED_STATUSES:
        return False
    return start <= as_utc(now) < as_utc(challenge.ends_at)


def results_published(challenge: HasResults, now: datetime) -> bool:
    """Whether the final results are out: from ``ends_at`` on (finalization runs then; between
    the voting deadline and ``ends_at`` pages say "Results at ...")."""
    if ChallengeStatus(challenge.status) in UNPUBLISHED_STATUSES:
        return False
    return as_utc(now) >= as_utc(challenge.ends_at)


def results_pending(challenge: HasResults, now: datetime) -> bool:
    """Voting is over but the results are not published yet ("Results at ...")."""
    if ChallengeStatus(challenge.status) in UNPUBLISHED_STATUSES:
        return False
    return as_utc(challenge.voting_deadline) <= as_utc(now) < as_utc(challenge.ends_at)


def results_published_clause(now: datetime) -> ColumnElement[bool]:
    """SQL twin of ``results_published(challenge, now)``."""
    return and_(WeeklyChallenge.is_published, WeeklyChallenge.ends_at <= now)


def in_any_phase(phases: Iterable[ChallengeStatus], now: datetime) -> ColumnElement[bool]:
    """SQL twin of ``phase_at(challenge, now) in phases``."""
    clauses = [in_phase(phase, now) for phase in sorted(phases)]
    return or_(*clauses) if clauses else false()


def accepts_submissions(challenge: HasSchedule, now: datetime) -> bool:
    """Entries may be submitted, edited and withdrawn only while the challenge is active."""
    return phase_at(challenge, now) in SUBMISSION_PHASES


def accepts_votes(challenge: HasSchedule, now: datetime) -> bool:
    """Votes may be cast or withdrawn while the challenge is active or in its voting period
    (whether the challenge allows voting at all is ``services.votes.voting_refusal``'s)."""
    return phase_at(challenge, now) in VOTING_PHASES


def next_deadline(challenge: HasSchedule, now: datetime) -> tuple[str, datetime] | None:
    """What the countdown counts down to: ("Starts", t), ("Submissions close", t), ...; None
    once the challenge is over. The label is a lazy string, read in the current language."""
    phase = phase_at(challenge, now)
    if phase == ChallengeStatus.UPCOMING:
        return DEADLINE_LABELS[phase], challenge.starts_at
    if phase == ChallengeStatus.ACTIVE:
        return DEADLINE_LABELS[phase], challenge.submission_deadline
    if phase == ChallengeStatus.VOTING:
        return DEADLINE_LABELS[phase], challenge.voting_deadline
    return None
