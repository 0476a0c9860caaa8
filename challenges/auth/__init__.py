"""Accounts: Flask-Login wiring and the auth blueprint."""

from __future__ import annotations

from functools import cache

from flask import Flask, Response, session
from flask_babel import lazy_gettext as _l
from flask_login import user_loaded_from_cookie, user_logged_in
from sqlalchemy import Select, bindparam, select

from ..extensions import db, login_manager
from ..leaderboard.sessions import remember_session
from ..models import User


@cache
def _user_by_token() -> Select[User]:
    """The member a session token names, built once: every member's request runs it."""
    return select(User).where(User.session_token == bindparam("token"))


def init_auth(app: Flask) -> None:
    from .views import bp

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    # Lazy, and made a plain str in the reader's language when flashed (a session holds str).
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.localize_callback = str
    login_manager.login_message_category = "info"
    # "strong": a session cookie replayed from another address or browser is dropped, remember
    # cookie included (RELIABILITY.md #20); the member logs in again.
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(session_token: str) -> User | None:
        # Sessions and remember cookies carry the rotating token, so a token that was rotated
        # away (logout, password change) loads nobody.
        if not session_token or len(session_token) > 64:
            return None
        user = db.session.scalar(_user_by_token(), {"token": session_token})
        if user is not None:
            _remember(None, user)
        return user

    # Polls identify the viewer from Redis: keep its copy current on every kind of login.
    user_logged_in.connect(_remember, app)
    user_loaded_from_cookie.connect(_remember, app)
    app.after_request(_tie_visitor_session)
    app.register_blueprint(bp)


def _remember(sender: Flask | None, user: User, **extra: object) -> None:
    remember_session(user.session_token, user.id, user.username, user.role)


def _tie_visitor_session(response: Response) -> Response:
    """Tie a visitor's session (no one logged in: a Discover order's key, a CSRF token) to its
    browser as a login does (``_id``). Flask-Login's "strong" protection takes a non-empty
    session without ``_id`` for a stolen one: it would empty it of its login keys and clear the
    remember cookie on every one of the visitor's requests, each answer (a 304 included) then
    setting two cookies it did not need to."""
    if session and "_user_id" not in session and "_id" not in session:
        session["_id"] = login_manager._session_identifier_generator()  # noqa: SLF001
    return response
