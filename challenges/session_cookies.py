"""Flask's signed-cookie sessions, with each cookie's check remembered (issue #14).

A member's browser sends the same session cookie with every request, and the widget polls every
five seconds: checking the cookie's signature and decoding it (an HMAC key derivation, an HMAC,
base64 and tagged JSON; ~35 us) was a sixth of a poll answered from the process's copy of the
board. ``RememberingSessionInterface`` keeps, per web process, what a cookie it has verified
holds and when it was signed, keyed by the cookie's exact text and the app's keys: a request with
a byte-identical cookie gets a fresh session built from that, after the same age check the
signature check makes (``PERMANENT_SESSION_LIFETIME``). Anything else (a new, changed, tampered
or expired cookie) goes through Flask's own check.

Only sessions whose values are all plain scalars are remembered: each request gets its own copy
of the dict, and a list (flashed messages) or dict inside it would be shared between requests.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature

_SCALARS = (str, int, float, bool, type(None))


class RememberingSessionInterface(SecureCookieSessionInterface):
    """``SecureCookieSessionInterface`` that checks each cookie text once per process."""

    def __init__(self, size: int = 8192, clock: Callable[[], float] = time.time) -> None:
        self.size = size
        self._clock = clock  # seconds since the epoch, as itsdangerous's timestamps count
        # (cookie text, secret key, fallbacks) -> (its session's values, when it was signed)
        self._checked: dict[tuple[str, Any, Any], tuple[dict[str, Any], int]] = {}

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """The request's session: from the remembered check of its cookie, else Flask's."""
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie or not app.secret_key:
            return super().open_session(app, request)
        key = (cookie, app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        max_age = int(app.permanent_session_lifetime.total_seconds())
        found = self._checked.get(key)
        if found is not None:
            values, signed_at = found
            age = int(self._clock()) - signed_at
            if 0 <= age <= max_age:
                return self.session_class(values)  # the session copies them
            self._checked.pop(key, None)
            return self.session_class()  # expired, as itsdangerous would say
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        try:
            values, signed = serializer.loads(cookie, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if isinstance(values, dict) and all(isinstance(v, _SCALARS) for v in values.values()):
            if len(self._checked) >= self.size:
                self._checked.clear()
            self._checked[key] = (dict(values), int(signed.timestamp()))
        return self.session_class(values)


def install(app: Flask) -> None:
    """Use the remembering interface for ``app``'s sessions."""
    app.session_interface = RememberingSessionInterface()


__all__ = ["RememberingSessionInterface", "install"]
