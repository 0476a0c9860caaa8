"""In real Chromium with a fake clock: app.js ticks every 5 s ("wc:tick", what a live widget
polls on) and every 30 s ("wc:slow-tick", what a paused widget polls on while its board comes
from the database; tests/poll14/test_redis_resting.py has the server's side), only while the
tab is visible."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from .entries_support import wait_for_htmx

pytestmark = pytest.mark.e2e

COUNT_TICKS = """() => {
  window.ticks = {"wc:tick": 0, "wc:slow-tick": 0};
  for (const name of Object.keys(window.ticks)) {
    document.body.addEventListener(name, () => { window.ticks[name] += 1; });
  }
}"""


def test_a_slow_tick_comes_with_every_sixth_tick(page: Page) -> None:
    page.clock.install()
    page.goto("/")
    wait_for_htmx(page)
    page.evaluate(COUNT_TICKS)
    page.clock.run_for(60_000)
    assert page.evaluate("window.ticks") == {"wc:tick": 12, "wc:slow-tick": 2}
