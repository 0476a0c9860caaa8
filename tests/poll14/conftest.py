"""Fixtures of the polling tests."""

from __future__ import annotations

from typing import Any

import pytest

from challenges.clock import utcnow
from challenges.leaderboard.live import board_for_page

from ..core.helpers import submit, vote


@pytest.fixture
def board(make_challenge: Any, make_user: Any) -> Any:
    """An active challenge with one entry and one vote, its Redis board built."""
    challenge, author = make_challenge("active"), make_user()
    vote(submit(challenge, author), make_user())
    board_for_page(challenge, None, utcnow())  # builds the Redis board
    return challenge
