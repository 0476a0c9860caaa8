"""API fixtures: tokens, the error shape, and the test app on a real port for Schemathesis."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from challenges.clock import utcnow
from challenges.extensions import db
from challenges.models import User
from challenges.services.api_tokens import create_token
from tests.support.live_server import LiveServer, serve


@pytest.fixture(scope="session")
def api_live_server(app: Flask) -> Iterator[LiveServer]:
    """The test app on 127.0.0.1 at a free port (threaded Werkzeug): same database and Redis
    as the ``app`` fixture, so data arranged with the factories is what the server sees."""
    with serve(app, "api-live-server") as live:
        yield live


@pytest.fixture
def make_token() -> Callable[[User], str]:
    """A live API token for ``user`` (the raw value, as the account page shows it once)."""

    def _make(user: User, name: str = "tests") -> str:
        _, raw = create_token(user, name, utcnow())
        db.session.commit()
        return raw

    return _make


def bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """``response`` is a JSON error in the API's one shape, with ``status`` (and ``code``)."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.mimetype == "application/json", response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "details"}, error
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["details"], dict)
    if code is not None:
        assert error["code"] == code, error
    return error
