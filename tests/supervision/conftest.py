"""Fixtures of the supervision tests: an app with the schedule check of /readyz on."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask


@pytest.fixture
def watched_app(make_app: Callable[..., Flask]) -> Flask:
    """The app as production runs it: /readyz checks the schedule's heartbeats."""
    return make_app(READYZ_CHECKS_SCHEDULE=True)


from tests.rewards.processes import spawn  # noqa: E402, F401 (the process fixture, shared)
