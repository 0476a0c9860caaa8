"""Explicit waits: poll a condition against a deadline (never a bare sleep)."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_until(done: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``done()`` every 50 ms until it is true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {timeout} s")
        time.sleep(0.05)
