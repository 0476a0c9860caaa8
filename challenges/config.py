"""Configuration read from the environment.

With no environment at all the app runs on the embedded defaults: a SQLite file and an embedded
Valkey server, both under ``instance/``. Production sets ``DATABASE_URL`` and ``REDIS_URL``.
Every variable is listed in README.md and ``.env.example``. The entry points (``make run``,
``wsgi.py`` and so the ``flask`` CLI and gunicorn, the worker, the scheduler) first read a ``.env``
file at the project root into the environment (``load_env_file``); variables already set win.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from .leaderboard.scores import is_valid_weight

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def load_env_file() -> Path | None:
    """Copy the settings of the ``.env`` file into ``os.environ``, never replacing a variable that
    is already set (the real environment wins). Returns the file read, or None.

    The file is ``.env`` at the project root, or the one ``ENV_FILE`` names (tests point it at
    their own file, or at a missing one to read none). Called by the entry points only, never by
    ``load_config``: a test session must not pick up a developer's ``.env``.
    """
    from dotenv import load_dotenv

    path = Path(os.environ.get("ENV_FILE") or PROJECT_ROOT / ".env")
    if not path.is_file():
        return None
    load_dotenv(path, override=False)
    return path


def instance_path() -> Path:
    """Folder for local state (SQLite file, embedded Valkey data, generated secret key)."""
    return Path(os.environ.get("INSTANCE_PATH", PROJECT_ROOT / "instance")).resolve()


def embedded_redis_socket(instance: Path) -> Path:
    """Unix socket of the embedded Valkey server started by ``make run``."""
    return instance / "valkey" / "valkey.sock"


def normalize_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs however they are spelled (Heroku-style included)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key(instance: Path, production: bool) -> str:
    """SECRET_KEY from the environment; in development a random key kept under instance/.

    Keeping the generated key on disk means logins survive a restart of ``make run``; production
    refuses to start without an explicit key rather than silently signing with a throwaway one.
    """
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if production:
        raise RuntimeError("SECRET_KEY must be set when WC_ENV=production")
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def load_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the Flask config mapping from the environment, then apply ``overrides``."""
    instance = instance_path()
    production = os.environ.get("WC_ENV", "development") == "production"
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'challenges.db'}"
    redis_url = os.environ.get("REDIS_URL") or f"unix://{embedded_redis_socket(instance)}"
    max_upload = int(os.environ.get("MAX_UPLOAD_BYTES", str(10 * 1024 * 1024)))

    config: dict[str, Any] = {
        "ENV_NAME": "production" if production else "development",
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": None,  # filled below unless overridden (tests pass their own)
        "SQLALCHEMY_DATABASE_URI": normalize_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": redis_url,
        "RQ_QUEUE": os.environ.get("RQ_QUEUE", "default"),
        # Sessions and cookies.
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", production),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", production),
        "REMEMBER_COOKIE_DURATION": timedelta(days=30),
        "PERMANENT_SESSION_LIFETIME": timedelta(days=14),
        # Forms.
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        # Image uploads (challenges/uploads): the file limit, and the request limit a little
        # above it so a file just over the limit gets a message at its field, not a 413.
        # Text fields stay small: Flask's MAX_FORM_MEMORY_SIZE (500 kB) still bounds them.
        "MAX_UPLOAD_BYTES": max_upload,
        "MAX_CONTENT_LENGTH": max_upload + 1024 * 1024,
        "UPLOAD_DIR": os.environ.get("UPLOAD_DIR", ""),  # "" = INSTANCE_PATH/uploads
        # Rendered link-preview images (challenges/sharing), one PNG per distinct image, drawn
        # once and kept: "" = INSTANCE_PATH/share-images. Safe to delete (they are redrawn).
        "SHARE_IMAGE_DIR": os.environ.get("SHARE_IMAGE_DIR", ""),
        # Rate limits (Flask-Limiter, challenges/ratelimits) share Redis with everything else,
        # so every web process counts in one place.
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI") or limiter_uri(redis_url),
        # A slow Redis must not hang a request on its limit check either.
        "RATELIMIT_STORAGE_OPTIONS": {"socket_timeout": 1.0, "socket_connect_timeout": 1.0},
        # No X-RateLimit-* headers on every answer: each costs a second Redis read of the
        # limit's window (issue #14). A 429 still says when to retry (ratelimits/limiter.py).
        "RATELIMIT_HEADERS_ENABLED": False,
        # Redis down: count in this process's memory (limits keep applying, per process) and
        # log it once per outage; a ping every few seconds moves back to Redis.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        # With the fallback, Redis errors no longer reach this: what would is an error in the
        # limiter itself (a key function, the memory fallback). It is logged with its stack
        # trace and the request goes on unlimited: a limiter bug must not turn logins and votes
        # into 500s. Before the fallback this made every limit fail open during an outage.
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_KEY_PREFIX": "ratelimit",
        # How many proxies in front of the app to believe about the client (X-Forwarded-For,
        # -Proto, -Host; Werkzeug's ProxyFix). 0: none, the headers are ignored (anyone can
        # write them). Behind the documented load balancer: 1.
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        # Login attempts, counted before the password is checked: per (account as typed, client
        # address), cleared by a successful login; and per client address over all accounts.
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10 per 15 minutes"),
        "LOGIN_IP_RATE_LIMIT": os.environ.get("LOGIN_IP_RATE_LIMIT", "50 per hour"),
        "REGISTER_RATE_LIMIT": os.environ.get("REGISTER_RATE_LIMIT", "5 per minute"),
        # "Sponsor a challenge" inquiries per client address (each one emails every editor).
        "SPONSOR_INQUIRY_RATE_LIMIT": os.environ.get("SPONSOR_INQUIRY_RATE_LIMIT", "5 per hour"),
        # Votes and unvotes per member, HTML and API together.
        "VOTE_RATE_LIMIT": os.environ.get("VOTE_RATE_LIMIT", "60 per minute"),
        # Votes of verified members count this much on the leaderboard (a multiple of 0.25).
        "VERIFIED_VOTE_WEIGHT": float(os.environ.get("VERIFIED_VOTE_WEIGHT", "1.0")),
        # Votes of members who have not confirmed their email yet (SPEC §4: 0.5), same grid.
        "UNVERIFIED_VOTE_WEIGHT": float(os.environ.get("UNVERIFIED_VOTE_WEIGHT", "0.5")),
        # Account emails (challenges/account_email): how often one IP may ask for a password
        # reset, a signed-in member may ask for another verification email, or ask to change
        # their address (each sends mail, so each is bounded).
        "PASSWORD_RESET_RATE_LIMIT": os.environ.get("PASSWORD_RESET_RATE_LIMIT", "10 per minute"),
        "VERIFY_RESEND_RATE_LIMIT": os.environ.get("VERIFY_RESEND_RATE_LIMIT", "5 per hour"),
        "EMAIL_CHANGE_RATE_LIMIT": os.environ.get("EMAIL_CHANGE_RATE_LIMIT", "10 per hour"),
        # Scheduler.
        "SCHEDULER_INTERVAL_SECONDS": int(os.environ.get("SCHEDULER_INTERVAL_SECONDS", "10")),
        "PHASE_JOB_INTERVAL_SECONDS": int(os.environ.get("PHASE_JOB_INTERVAL_SECONDS", "60")),
        # How often an idle worker checks that RQ's scheduler process (due retries) still runs
        # and starts it again if a Redis outage killed it (jobs/worker.py).
        "WORKER_SCHEDULER_CHECK_SECONDS": int(
            os.environ.get("WORKER_SCHEDULER_CHECK_SECONDS", "30")),
        # /readyz answers 503 naming every recurring job whose heartbeat is missing or older
        # than twice its interval (the schedule's alarm). Off only where no scheduler runs.
        "READYZ_CHECKS_SCHEDULE": _bool("READYZ_CHECKS_SCHEDULE", True),
        # How often the reconcile job compares every open board (and its counters) with SQL.
        "RECONCILE_INTERVAL_SECONDS": int(os.environ.get("RECONCILE_INTERVAL_SECONDS", "120")),
        # How old (seconds) a web process's copy of a board's version may be to answer the
        # widget's unchanged poll (204) without asking Redis; 0 asks Redis every time. A
        # periodic poll may then miss a vote by this long; the poll right after a browser's own
        # vote always asks (challenges/leaderboard/live.py, issue #14).
        "POLL_SEEN_MAX_AGE_SECONDS": float(os.environ.get("POLL_SEEN_MAX_AGE_SECONDS", "1")),
        # A missing board is rebuilt by a worker (True), or by RQ at once in the caller (False:
        # the tests, which have no worker). See challenges/leaderboard/rebuild_queue.py.
        "LEADERBOARD_REBUILD_ASYNC": _bool("LEADERBOARD_REBUILD_ASYNC", True),
        # Test hook: a finalization job pauses after this step (see jobs/finalize.py). Never set
        # in production.
        "FINALIZE_PAUSE_AFTER_STEP": os.environ.get("FINALIZE_PAUSE_AFTER_STEP", ""),
        # Webhooks (challenges/webhooks). Deliveries to private, loopback and link-local
        # addresses are refused unless this is on (tests and local receivers only).
        "WEBHOOK_ALLOW_PRIVATE": _bool("WEBHOOK_ALLOW_PRIVATE", False),
        # One attempt (connect, send, answer) may take this long; then it counts as failed.
        "WEBHOOK_TIMEOUT_SECONDS": float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "5")),
        # An endpoint whose every attempt has failed for this long is disabled (owner emailed).
        "WEBHOOK_DISABLE_AFTER_HOURS": float(os.environ.get("WEBHOOK_DISABLE_AFTER_HOURS", "24")),
        # Where the site is served, for absolute links (demo images, emails, share cards).
        "SITE_URL": os.environ.get("SITE_URL")
        or f"http://127.0.0.1:{os.environ.get('PORT', '5000')}",
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        # Email (challenges/notifications/mail.py). MAIL_URL: smtp://user:pass@host:port,
        # smtp+starttls://... or smtp+ssl://...; unset, mail is written as .eml files under
        # INSTANCE_PATH/mail and logged. MAIL_FROM is the From header of every email.
        "MAIL_URL": os.environ.get("MAIL_URL", ""),
        "MAIL_FROM": os.environ.get("MAIL_FROM") or "Weekly Challenges <noreply@localhost>",
        # Timeout of every SMTP connect, read and write, so a dead server never hangs a worker.
        "MAIL_TIMEOUT_SECONDS": float(os.environ.get("MAIL_TIMEOUT_SECONDS", "10")),
    }
    # Vote-ring detection (challenges/trust/rings.py keeps the documented defaults): whole
    # numbers, taken from the environment only when set there.
    for name in ("TRUST_RING_MIN_ACCOUNTS", "TRUST_RING_NEW_ACCOUNT_DAYS",
                 "TRUST_RING_WINDOW_MINUTES", "TRUST_RING_LOOKBACK_HOURS"):
        if os.environ.get(name):
            config[name] = _positive_int(name, os.environ[name])
    if overrides:
        config.update(overrides)
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = _secret_key(instance, production)
    for name in ("VERIFIED_VOTE_WEIGHT", "UNVERIFIED_VOTE_WEIGHT"):
        if not is_valid_weight(config[name]):
            # Any other weight would make counted votes inexact and break the board's tie
            # encoding.
            raise ValueError(f"{name} must be a multiple of 0.25 above 0, at most 10.")
    return config


def _positive_int(name: str, raw: str) -> int:
    """``raw`` as a whole number above 0, or a start-up error that names the setting."""
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"{name} must be a whole number above 0, not {raw!r}.")
    return value


# Flask-Limiter (the ``limits`` package) spells a Unix socket URL ``redis+unix://`` where
# redis-py spells it ``unix://``; the two functions below are the one place that knows.
_REDIS_UNIX, _LIMITS_UNIX = "unix://", "redis+unix://"


def limiter_uri(redis_url: str) -> str:
    """A redis-py URL (``REDIS_URL``) as Flask-Limiter's storage URI."""
    if redis_url.startswith(_REDIS_UNIX):
        return _LIMITS_UNIX + redis_url.removeprefix(_REDIS_UNIX)
    return redis_url


def redis_url_of_limiter_uri(uri: str) -> str | None:
    """Flask-Limiter's storage URI of a Redis as redis-py's URL (``limiter_uri`` undone), or
    None for a storage that is not Redis (``memory://``, ``memcached://``, ...)."""
    if uri.startswith(_LIMITS_UNIX):
        return _REDIS_UNIX + uri.removeprefix(_LIMITS_UNIX)
    return uri if uri.startswith(("redis://", "rediss://")) else None
