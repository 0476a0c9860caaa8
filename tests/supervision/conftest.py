"""Fixtures of the supervision tests: an app with the schedule check of /readyz on."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from challenges import create_app
from challenges.extensions import db


@pytest.fixture
def make_app(app: Flask, app_config: dict[str, Any]) -> Iterator[Callable[..., Flask]]:
    """Another app on the test database and Redis, with ``overrides`` applied."""
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


@pytest.fixture
def watched_app(make_app: Callable[..., Flask]) -> Flask:
    """The app as production runs it: /readyz checks the schedule's heartbeats."""
    return make_app(READYZ_CHECKS_SCHEDULE=True)


from tests.rewards.processes import spawn  # noqa: E402, F401 (the process fixture, shared)
