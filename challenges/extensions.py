"""Flask extensions, created unbound here and bound to the app in ``create_app``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import redis
from flask import current_app
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from rq import Queue
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from .ratelimits.keys import member_or_ip
from .ratelimits.limiter import AppLimiter
from .redisguard import guarded_client

# Stable constraint names, so Alembic migrations can refer to (and drop) them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base for every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)

if TYPE_CHECKING:
    # ``db.Model`` is built from ``Base`` at run time, which a type checker cannot follow; every
    # model subclasses this name instead, so mypy sees a typed declarative class.
    class Model(Base):
        __abstract__ = True
else:
    Model = db.Model

migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
# Limits count per member when signed in, else per client address (``ratelimits.keys``).
limiter = AppLimiter(key_func=member_or_ip)


def init_redis(app_config: dict[str, Any]) -> redis.Redis:
    """A Redis client with short timeouts that rests Redis for a few seconds after a failure
    (``redisguard``): a slow or absent Redis must never hang a request, nor every request."""
    return guarded_client(
        app_config["REDIS_URL"],
        socket_timeout=1.0,
        socket_connect_timeout=1.0,
        health_check_interval=30,
        decode_responses=True,
    )


def get_redis() -> redis.Redis:
    """The app's Redis client (derived state: leaderboards, counters, queues, rate limits)."""
    return current_app.extensions["wc_redis"]


def get_queue() -> Queue:
    """The app's RQ queue. RQ stores pickles, so its connection does not decode replies; with
    ``LEADERBOARD_REBUILD_ASYNC`` off (the tests, which run no worker) jobs run at once."""
    app = current_app
    connection = app.extensions.get("wc_rq")
    if connection is None:
        connection = redis.Redis.from_url(app.config["REDIS_URL"], socket_timeout=5.0,
                                          socket_connect_timeout=1.0)
        app.extensions["wc_rq"] = connection
    return Queue(app.config["RQ_QUEUE"], connection=connection,
                 is_async=app.config.get("LEADERBOARD_REBUILD_ASYNC", True))
