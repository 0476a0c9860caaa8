"""Run the same work in N threads at once, each with its own app context and DB connection."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from flask import Flask

from challenges.extensions import db


def run_concurrently(app: Flask, work: Callable[[int], Any], count: int,
                     timeout: float = 60) -> list[Any]:
    """Start ``count`` threads that call ``work(i)`` together (after a barrier); return each
    result or the exception it raised, in thread order. Exceptions are returned, not hidden:
    tests assert on them."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(i: int) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=timeout)
                results[i] = work(i)
            except BaseException as exc:  # reported to the test through ``results``
                results[i] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "a worker thread hung"
    return results
