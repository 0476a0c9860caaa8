"""Nightly rollups of the metrics, and the dashboard's reading of them.

A week that ended (plus ``SETTLE``) and a challenge whose voting ended are final: the job
stores them once and never again (``--recompute`` redoes them, e.g. after a disqualification).
The current week and running challenges are stored too, but the dashboard computes those live
(a bounded amount of work: one week, a few challenges), so it reads a fixed number of stored rows
however long the history is.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from ..clock import as_utc
from ..extensions import db
from ..models import ChallengeRollup, ChallengeStatus, WeeklyChallenge, WeeklyRollup
from ..phase import in_any_phase
from .metrics import (
    WEEK,
    ChallengeMetrics,
    Metrics,
    WeekMetrics,
    challenge_metrics,
    first_week,
    is_settled,
    load_metrics,
    week_bounds,
    week_metrics,
    week_start,
)

# Published challenges that have started: the ones with numbers to count.
STARTED_PHASES = frozenset({ChallengeStatus.ACTIVE, ChallengeStatus.VOTING,
                            ChallengeStatus.COMPLETED})
WEEKS_SHOWN = 12  # the dashboard's window: the latest weeks and challenges
CHALLENGES_SHOWN = 12


def _upsert(model: Any, key: dict[str, Any], now: datetime, metrics: Metrics) -> None:
    """Insert or replace one rollup row, keyed by its primary key: two runs at once both end
    with one row holding a complete set of numbers."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    insert = dialect.insert(model)
    db.session.execute(
        insert.values(**key, computed_at=now, metrics=metrics.as_json()).on_conflict_do_update(
            index_elements=list(key),
            set_={"computed_at": insert.excluded.computed_at,
                  "metrics": insert.excluded.metrics},
        )
    )


def store_week(monday: date, now: datetime) -> WeekMetrics:
    """Compute and store the week starting on ``monday``. Flushes; the caller commits."""
    metrics = week_metrics(monday, now)
    _upsert(WeeklyRollup, {"week_start": monday}, now, metrics)
    return metrics


def store_challenge(challenge: WeeklyChallenge, now: datetime) -> ChallengeMetrics:
    """Compute and store one challenge's metrics. Flushes; the caller commits."""
    metrics = challenge_metrics(challenge, now)
    _upsert(ChallengeRollup, {"challenge_id": challenge.id}, now, metrics)
    return metrics


@dataclass(frozen=True)
class RollupRun:
    weeks: int
    challenges: int


def weeks_due(now: datetime, recompute: bool = False) -> list[date]:
    """The weeks (Mondays) a run should compute: every week from the first with data (or the
    first the dashboard shows) to the current one, less those already final."""
    current = week_start(as_utc(now).date())
    # The dashboard's whole window too, even before the first data: it then reads rows, never
    # computes empty weeks live.
    monday = min(first_week(now), current - WEEK * (WEEKS_SHOWN - 1))
    final = set() if recompute else {
        row.week_start for row in db.session.execute(
            select(WeeklyRollup.week_start, WeeklyRollup.computed_at)
        ) if is_settled(week_bounds(row.week_start)[1], row.computed_at)
    }
    due = []
    while monday <= current:
        if monday not in final:
            due.append(monday)
        monday += WEEK
    return due


def challenges_due(now: datetime, recompute: bool = False) -> list[uuid.UUID]:
    """The published challenges that have started and have no final rollup yet."""
    W, R = WeeklyChallenge, ChallengeRollup
    rows = db.session.execute(
        select(W.id, W.voting_deadline, R.computed_at)
        .outerjoin(R, R.challenge_id == W.id)
        .where(in_any_phase(STARTED_PHASES, now))
        .order_by(W.starts_at)
    ).all()
    return [row.id for row in rows
            if recompute or row.computed_at is None
            or not is_settled(row.voting_deadline, row.computed_at)]


def run_rollups(now: datetime, recompute: bool = False) -> RollupRun:
    """Store the rollup of every week and challenge that is not final yet (all of them with
    ``recompute``). Idempotent: a second run rewrites the same numbers for the live periods
    and skips the final ones. Flushes; the caller commits."""
    weeks = weeks_due(now, recompute)
    for monday in weeks:
        store_week(monday, now)
    ids = challenges_due(now, recompute)
    for challenge_id in ids:
        challenge = db.session.get(WeeklyChallenge, challenge_id)
        if challenge is not None:
            store_challenge(challenge, now)
    return RollupRun(len(weeks), len(ids))


# --- Reading, for the dashboard ----------------------------------------------------------------


@dataclass(frozen=True)
class ChallengeRow:
    challenge: WeeklyChallenge
    metrics: ChallengeMetrics
    previous: WeeklyChallenge | None


def recent_weeks(now: datetime, count: int = WEEKS_SHOWN) -> list[WeekMetrics]:
    """The latest ``count`` weeks, newest first: final ones from their rollups (one query),
    the current week (and any week the job has not finalised yet) computed live."""
    current = week_start(as_utc(now).date())
    mondays = [current - WEEK * i for i in range(count)]
    stored = {
        row.week_start: row for row in db.session.scalars(
            select(WeeklyRollup).where(WeeklyRollup.week_start.in_(mondays))
        )
    }
    weeks = []
    for monday in mondays:
        row = stored.get(monday)
        if row is not None and is_settled(week_bounds(monday)[1], row.computed_at):
            weeks.append(_load(WeekMetrics, row.metrics))
        else:
            weeks.append(week_metrics(monday, now))
    return weeks


def recent_challenges(now: datetime, count: int = CHALLENGES_SHOWN) -> list[ChallengeRow]:
    """The latest ``count`` published challenges that have started, newest first, with their
    metrics: from their final rollups, or live for those still running."""
    W = WeeklyChallenge
    challenges = db.session.scalars(
        select(W).where(in_any_phase(STARTED_PHASES, now))
        .order_by(W.starts_at.desc(), W.id).limit(count)
    ).all()
    return challenge_rows(challenges, now)


def challenge_rows(challenges: Any, now: datetime) -> list[ChallengeRow]:
    """``challenges`` with their metrics and previous challenge, in three queries plus the
    live work of the unsettled ones."""
    challenges = list(challenges)
    ids = [c.id for c in challenges]
    stored = {
        row.challenge_id: row for row in db.session.scalars(
            select(ChallengeRollup).where(ChallengeRollup.challenge_id.in_(ids))
        )
    } if ids else {}
    metrics: dict[uuid.UUID, ChallengeMetrics] = {}
    for challenge in challenges:
        row = stored.get(challenge.id)
        if row is not None and is_settled(challenge.voting_deadline, row.computed_at):
            metrics[challenge.id] = _load(ChallengeMetrics, row.metrics)
        else:
            metrics[challenge.id] = challenge_metrics(challenge, now)
    previous_ids = {uuid.UUID(m.previous_challenge_id) for m in metrics.values()
                    if m.previous_challenge_id}
    previous = {
        c.id: c for c in db.session.scalars(
            select(WeeklyChallenge).where(WeeklyChallenge.id.in_(previous_ids))
        )
    } if previous_ids else {}
    return [
        ChallengeRow(c, metrics[c.id],
                     previous.get(uuid.UUID(metrics[c.id].previous_challenge_id))
                     if metrics[c.id].previous_challenge_id else None)
        for c in challenges
    ]


def _load(kind: type[Metrics], data: dict[str, Any]) -> Any:
    return load_metrics(kind, data)
