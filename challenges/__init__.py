"""Weekly Challenges: a server-rendered Flask + htmx community platform."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

from .config import PROJECT_ROOT, load_config
from .models.types import render_migration_item


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the application. ``config`` overrides what the environment gives (tests use it)."""
    settings = load_config(config)
    app = Flask(
        __name__,
        instance_path=settings["INSTANCE_PATH"],
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.update(settings)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)

    from . import converters, extensions, security, templating
    from .account_email import init_app as init_account_email
    from .admin import init_admin
    from .analytics import init_app as init_analytics
    from .api import init_api
    from .archive import init_app as init_archive
    from .auth import init_auth
    from .calendar import init_app as init_calendar
    from .cli import register_cli
    from .discover import init_app as init_discover
    from .entries import bp as entries_bp
    from .errors_http import register_error_handlers
    from .fastpoll import install as install_fastpoll
    from .i18n import init_app as init_i18n
    from .inquiries import init_app as init_inquiries
    from .judging import init_app as init_judging
    from .movement import init_app as init_movement
    from .notifications import init_app as init_notifications
    from .pages import bp as pages_bp
    from .probes import bp as probes_bp
    from .projects import bp as projects_bp
    from .ratelimits.proxy import install_proxy_fix
    from .referrals import init_app as init_referrals
    from .session_cookies import install as install_session_cookies
    from .sharing import init_app as init_sharing
    from .sponsors import bp as sponsors_bp
    from .trust import init_app as init_trust
    from .uploads import init_app as init_uploads
    from .webhooks import init_app as init_webhooks

    converters.init_app(app)  # before any rule: every <int:...> is bounded
    extensions.db.init_app(app)
    extensions.migrate.init_app(
        app,
        extensions.db,
        directory=str(PROJECT_ROOT / "migrations"),
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
        render_item=render_migration_item,
    )
    extensions.csrf.init_app(app)
    install_session_cookies(app)  # issue #14: each session cookie checked once per process
    install_fastpoll(app)  # issue #14: the unchanged poll before Flask (inside ProxyFix)
    install_proxy_fix(app)  # before anything reads the client address
    # The app's Redis client before the limiter, whose connections share its breaker.
    app.extensions["wc_redis"] = extensions.init_redis(app.config)
    extensions.limiter.init_app(app)
    app.after_request(extensions.limiter.say_when_to_retry)
    _configure_sqlite(app)

    init_i18n(app)  # before any template renders: _() and the locale selector
    init_auth(app)
    security.init_app(app)
    templating.init_app(app)
    register_error_handlers(app)
    app.register_blueprint(probes_bp)
    app.register_blueprint(pages_bp)
    app.register_blueprint(entries_bp)
    app.register_blueprint(sponsors_bp)
    app.register_blueprint(projects_bp)
    init_uploads(app)
    init_notifications(app)
    init_account_email(app)
    init_calendar(app)
    init_archive(app)
    init_sharing(app)
    init_webhooks(app)  # before init_admin, which adds the views features register
    init_analytics(app)
    init_referrals(app)
    init_inquiries(app)
    init_discover(app)  # issue 13: the gallery's Discover order
    init_movement(app)
    init_judging(app)  # before init_admin, which adds the views features register
    init_trust(app)  # before init_admin: the vote-ring review
    init_api(app)
    init_admin(app)
    register_cli(app)
    return app


def _configure_sqlite(app: Flask) -> None:
    """SQLite: wait for locks instead of failing at once, enforce foreign keys, use WAL."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    from sqlalchemy import event

    from .extensions import db

    with app.app_context():

        @event.listens_for(db.engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()
