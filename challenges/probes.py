"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db, get_redis, limiter

bp = Blueprint("probes", __name__)


@bp.get("/healthz")
@limiter.exempt
def healthz() -> ResponseReturnValue:
    """Liveness: the process answers. Touches neither the database nor Redis."""
    return jsonify(status="ok")


@bp.get("/readyz")
@limiter.exempt
def readyz() -> ResponseReturnValue:
    """Readiness: the database and Redis both answer; 503 names whatever is down."""
    down: list[str] = []
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        down.append("database")
    try:
        get_redis().ping()
    except (RedisError, OSError):
        down.append("redis")
    if down:
        return jsonify(status="unavailable", down=down), 503
    return jsonify(status="ok")
