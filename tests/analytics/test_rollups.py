"""The nightly rollups: stored once per week and challenge, final ones never recomputed, the
job idempotent (run twice = the same rows), and the dashboard reading them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from challenges.analytics.metrics import challenge_metrics, week_metrics
from challenges.analytics.rollups import challenges_due, run_rollups, weeks_due
from challenges.extensions import db
from challenges.models import ChallengeRollup, WeeklyRollup
from jobs.analytics import store_rollups
from jobs.schedule import schedule
from tests.support.concurrency import run_concurrently

from .history import monday, three_challenges


def _rows() -> tuple[dict, dict]:
    db.session.expire_all()
    weeks = {r.week_start: (r.computed_at, r.metrics) for r in db.session.scalars(
        select(WeeklyRollup))}
    challenges = {r.challenge_id: (r.computed_at, r.metrics) for r in db.session.scalars(
        select(ChallengeRollup))}
    return weeks, challenges


def test_the_job_stores_every_week_and_challenge_and_running_it_twice_changes_nothing(
        frozen_clock):
    data = three_challenges()
    frozen_clock.set(data.now)
    # The dashboard's twelve weeks (from 12 January; the first member joined on 1 February)
    # to the current one (30 March), and the three challenges.
    assert store_rollups() == 12 + 3
    first = _rows()
    assert len(first[0]) == 12 and len(first[1]) == 3
    assert store_rollups() == 1  # only the current week is not final
    second = _rows()
    assert {k: v[1] for k, v in second[0].items()} == {k: v[1] for k, v in first[0].items()}
    assert second[1] == first[1]  # final challenges untouched (same computed_at too)

    stored = second[0][monday("2026-03-09")][1]
    assert stored == week_metrics(monday("2026-03-09"), data.now).as_json()
    assert second[1][data.c2.id][1] == challenge_metrics(data.c2, data.now).as_json()


def test_a_running_challenge_and_the_current_week_are_stored_again_each_run(frozen_clock):
    data = three_challenges()
    during = data.c3.starts_at + timedelta(days=2)
    assert data.c3.id in challenges_due(during)
    db.session.rollback()
    run_rollups(during)
    db.session.commit()
    assert data.c3.id in challenges_due(during)  # not final while it runs
    assert monday("2026-03-16") in weeks_due(during)
    assert data.c1.id not in challenges_due(during)  # completed and stored: final
    assert monday("2026-03-02") not in weeks_due(during)


def test_recompute_redoes_final_rollups(runner, frozen_clock):
    data = three_challenges()
    frozen_clock.set(data.now)
    result = runner.invoke(args=["analytics", "rollup"])
    assert result.exit_code == 0 and "Stored 12 week(s) and 3 challenge(s)." in result.output
    result = runner.invoke(args=["analytics", "rollup", "--recompute"])
    assert "Stored 12 week(s) and 3 challenge(s)." in result.output


def test_the_rollup_job_is_on_the_schedule(app):
    jobs = {job.id: job for job in schedule(app)}
    assert jobs["analytics-rollups"].func == "jobs.analytics.store_rollups"
    assert jobs["analytics-rollups"].every == timedelta(days=1)


def test_two_rollup_jobs_at_once_leave_one_complete_row_each(app, frozen_clock):
    data = three_challenges()
    frozen_clock.set(data.now)
    results = run_concurrently(app, lambda _i: store_rollups(), 2)
    assert not [r for r in results if isinstance(r, BaseException)], results
    weeks, challenges = _rows()
    assert len(weeks) == 12 and len(challenges) == 3
    assert challenges[data.c3.id][1] == challenge_metrics(data.c3, data.now).as_json()
