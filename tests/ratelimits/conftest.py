"""An app of a test's own (other settings, or another Redis) beside the session's app."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from challenges import create_app
from challenges.extensions import db, limiter


@pytest.fixture
def make_app(app: Flask, app_config: dict[str, Any]) -> Iterator[Callable[..., Flask]]:
    """Another app on the test database with ``overrides`` applied.

    The views' limits are bound to the one limiter object, which takes the storage and settings
    of the app bound last; afterwards it is bound to the session's app again, so a dead Redis
    or a fallback of this test never reaches the next one.
    """
    made: list[Flask] = []

    def _make(**overrides: Any) -> Flask:
        other = create_app({**app_config, **overrides})
        other.test_client_class = app.test_client_class
        made.append(other)
        return other

    yield _make
    for other in made:
        with other.app_context():
            db.engine.dispose()
        other.extensions["wc_redis"].close()
    limiter.init_app(app)
