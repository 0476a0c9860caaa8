"""Session cookies checked once per process (``challenges.session_cookies``, issue #14): a
byte-identical cookie is not verified again, but every rule of the check still holds: a
tampered or expired cookie is an empty session, each request gets its own copy of the values,
and a new secret key trusts nothing remembered under the old one."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from itsdangerous import URLSafeTimedSerializer
from werkzeug.test import EnvironBuilder

from challenges.session_cookies import RememberingSessionInterface
from tests.support.tampering import tamper


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    import time

    return Clock(time.time())


@pytest.fixture
def interface(app: Any, clock: Clock) -> RememberingSessionInterface:
    return RememberingSessionInterface(clock=clock)


def signed(app: Any, values: dict[str, Any]) -> str:
    serializer = app.session_interface.get_signing_serializer(app)
    return serializer.dumps(values)


def opened(app: Any, interface: RememberingSessionInterface, cookie: str) -> Any:
    """The session ``interface`` opens for a request carrying ``cookie`` (no request context:
    pushing one would open the session with the app's own interface as well)."""
    name = app.config["SESSION_COOKIE_NAME"]
    environ = EnvironBuilder("/", headers={"Cookie": f"{name}={cookie}"}).get_environ()
    return interface.open_session(app, app.request_class(environ))


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each real signature check (itsdangerous's own, still run)."""
    calls: list[str] = []
    original = URLSafeTimedSerializer.loads

    def counted(self: Any, s: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(s)
        return original(self, s, *args, **kwargs)

    monkeypatch.setattr(URLSafeTimedSerializer, "loads", counted)
    return calls


def test_the_app_uses_it(app):
    assert isinstance(app.session_interface, RememberingSessionInterface)


def test_the_same_cookie_is_checked_once_and_each_request_gets_its_own_copy(app, interface,
                                                                           loads):
    cookie = signed(app, {"_user_id": "token", "_fresh": True})
    first = opened(app, interface, cookie)
    first["_user_id"] = "changed in one request"
    second = opened(app, interface, cookie)
    assert dict(second) == {"_user_id": "token", "_fresh": True}
    assert len(loads) == 1


def test_a_tampered_cookie_is_an_empty_session(app, interface):
    cookie = signed(app, {"_user_id": "token"})
    assert opened(app, interface, cookie)["_user_id"] == "token"
    assert dict(opened(app, interface, tamper(cookie))) == {}
    assert dict(opened(app, interface, signed(app, {"_user_id": "other"})[:-1])) == {}


def test_a_remembered_cookie_expires_with_the_session_lifetime(app, interface, clock):
    cookie = signed(app, {"_user_id": "token"})
    assert opened(app, interface, cookie)["_user_id"] == "token"
    clock.now += app.permanent_session_lifetime.total_seconds() - 5
    assert opened(app, interface, cookie)["_user_id"] == "token"
    clock.now += timedelta(seconds=10).total_seconds()
    assert dict(opened(app, interface, cookie)) == {}


def test_a_new_secret_key_trusts_nothing_remembered(app, interface):
    cookie = signed(app, {"_user_id": "token"})
    assert opened(app, interface, cookie)["_user_id"] == "token"
    saved = app.secret_key
    app.secret_key = "another secret key, long enough for the config's check" * 2
    try:
        assert dict(opened(app, interface, cookie)) == {}
    finally:
        app.secret_key = saved


def test_a_session_holding_a_list_is_checked_every_time(app, interface, loads):
    cookie = signed(app, {"_user_id": "token", "_flashes": [("message", "Saved.")]})
    first = opened(app, interface, cookie)
    first["_flashes"].append(("message", "Leaked?"))
    second = opened(app, interface, cookie)
    assert second["_flashes"] == [("message", "Saved.")]
    assert len(loads) == 2
