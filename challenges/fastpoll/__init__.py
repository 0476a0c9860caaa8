"""Polls before Flask (issue #14): the leaderboard widget's polls answered by a small WSGI
middleware, before Flask's full stack (before-request hooks, the limiter, dispatch).

The middleware only ever answers ``GET /challenges/<slug>/leaderboard/live?v=<int>`` (with
``s``, the digest of the widget shown, when the page sent it), and only with what the view would
answer from the same ``live.poll`` result: the 204 when it says UNCHANGED, the widget
(``fragment_response``: 200, or 286 once final) when it says CHANGED or COMPLETED. It pushes the
app's own request context, so the session comes from the signed cookie through the app's session
interface (an unsigned or tampered cookie is an empty session, exactly as in the view) and the
viewer comes from ``polling_session_token`` (the same "strong" session check). Its response then
goes through ``app.process_response``: the same after-request hooks (security headers with a
fresh CSP nonce, ``Vary: Cookie``, the session cookie's save/refresh, Flask-Login's remember
cookie) give it exactly the headers the view's gets. The before-request hooks it skips do nothing
for this GET (CSRF checks unsafe methods; the view is exempt from the limiter). Anything else
(not found, needs SQL, Redis errors, a bad slug or ``v``) is passed to Flask; when ``poll``
answered, its result rides along in the WSGI environ (``POLL_RESULT``), and when it raised a
Redis error, that it did (``POLL_REDIS_FAILED``), so the view does not ask Redis again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from flask import Flask, Response, request

from ..clock import utcnow
from ..leaderboard.live import REDIS_ERRORS, PollStatus
from ..pages.views import (
    POLL_REDIS_FAILED,
    POLL_RESULT,
    fragment_response,
    poll_this_request,
    unchanged_response,
)
from ..services.challenges import SLUG_RE

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

ENDPOINT = "pages.leaderboard_fragment"
# The poll's answers the middleware sends itself, with the board Redis gave it.
_ANSWERED = (PollStatus.CHANGED, PollStatus.COMPLETED)
# A cheap pre-filter on the raw path; the URL map decides for real (``request.endpoint``).
_PATH = re.compile(r"/challenges/[^/]{1,50}/leaderboard/live")


class FastPoll:
    """WSGI middleware answering the leaderboard widget's polls; see the module docstring."""

    def __init__(self, app: Flask, wsgi_app: WSGIApplication) -> None:
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if (environ.get("REQUEST_METHOD") == "GET"
                and _PATH.fullmatch(environ.get("PATH_INFO", ""))):
            query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
            version = _client_version(query)
            if version is not None:
                response = self._answer(environ, version, _first(query, "s"))
                if response is not None:
                    return response(environ, start_response)
        return self.wsgi_app(environ, start_response)

    def _answer(self, environ: WSGIEnvironment, version: int,
                shown: str | None) -> Response | None:
        """The view's answer with Flask's headers when ``live.poll`` answered from Redis
        (unchanged, changed or completed); else None (Flask answers)."""
        ctx = self.app.request_context(environ)
        ctx.push()  # opens the session from the signed cookie (the app's own interface)
        try:
            if request.endpoint != ENDPOINT or request.routing_exception is not None:
                return None
            slug = str((request.view_args or {}).get("slug", ""))
            if not SLUG_RE.fullmatch(slug) or len(slug) > 50:
                return None
            try:
                result = poll_this_request(slug, version, shown, utcnow())
            except REDIS_ERRORS:
                environ[POLL_REDIS_FAILED] = True  # the view serves SQL, not asking again
                return None
            if result.status == PollStatus.UNCHANGED:
                return self.app.process_response(unchanged_response())
            if result.status in _ANSWERED and result.board is not None:
                try:
                    response = fragment_response(result.board)
                except Exception:  # noqa: BLE001 - Flask renders it again, with its error page
                    response = None
                if response is not None:
                    return self.app.process_response(response)
            # Flask's view takes this same request's answer instead of asking Redis again.
            environ[POLL_RESULT] = result
            return None
        finally:
            ctx.pop()


def _first(query: dict[str, list[str]], name: str) -> str | None:
    """A parameter as the view reads it (``request.args.get``: the first value)."""
    values = query.get(name)
    return values[0] if values else None


def _client_version(query: dict[str, list[str]]) -> int | None:
    """``v`` as the view reads it (``request.args.get("v", type=int)``)."""
    value = _first(query, "v")
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def install(app: Flask) -> None:
    """Wrap ``app.wsgi_app`` (call it before ProxyFix is installed, so ProxyFix runs first and
    the "strong" session check sees the real client address, as the view does)."""
    app.wsgi_app = FastPoll(app, app.wsgi_app)  # type: ignore[method-assign]


__all__ = ["FastPoll", "install"]
