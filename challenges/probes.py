"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .clock import utcnow
from .extensions import db, get_redis, limiter
from .health.heartbeats import stale_jobs

bp = Blueprint("probes", __name__)


@bp.get("/healthz")
@limiter.exempt
def healthz() -> ResponseReturnValue:
    """Liveness: the process answers. Touches neither the database nor Redis."""
    return jsonify(status="ok")


@bp.get("/readyz")
@limiter.exempt
def readyz() -> ResponseReturnValue:
    """Readiness: the database and Redis both answer, and (``READYZ_CHECKS_SCHEDULE``) every
    recurring job has run lately; 503 names whatever is down, and the stale jobs by id.

    It is also the schedule's alarm: jobs lost from Redis, a dead scheduler or worker, or a
    job failing every run all show as ``"schedule"`` here within two of its intervals."""
    down: list[str] = []
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        down.append("database")
    stale: list[str] = []
    try:
        if current_app.config["READYZ_CHECKS_SCHEDULE"]:
            # One MGET of the heartbeats; it answering is the Redis check too.
            stale = stale_jobs(get_redis(), _intervals(), utcnow())
        else:
            get_redis().ping()
    except (RedisError, OSError):
        down.append("redis")
    if stale:
        down.append("schedule")
    if down:
        body: dict[str, object] = {"status": "unavailable", "down": down}
        if stale:
            body["stale_jobs"] = stale
        return jsonify(body), 503
    return jsonify(status="ok")


def _intervals() -> dict[str, timedelta]:
    """Every recurring job's interval, by id, from the schedule the scheduler registers."""
    # Imported here: the schedule lives with the jobs (jobs/schedule.py), which import the app.
    from jobs.schedule import schedule

    return {job.id: job.every for job in schedule(current_app)}
