"""Browser fixtures: one headless Chromium per session, the test app served on a real port, and a
fresh page per test whose console is watched.

``page`` fails the test when the page logged a JavaScript error or a CSP violation (Chromium
reports both on the console), or when a request to the live server raised. A test that expects
a console error says so with ``console.allow(r"pattern")``; ``console.assert_clean()`` checks
mid-test. Use Playwright's ``expect`` and ``wait_for_*`` to wait, never ``sleep``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field

import pytest
from flask import Flask
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Error,
    Page,
    Playwright,
    sync_playwright,
)

from tests.support.live_server import LiveServer, serve

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
TIMEOUT_MS = 10_000


@dataclass
class Console:
    """What the page reported: console errors (CSP violations included) and uncaught errors."""

    errors: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)

    def allow(self, pattern: str) -> None:
        self.allowed.append(re.compile(pattern))

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            location = message.location.get("url", "")
            self.errors.append(f"console: {message.text} ({location})")

    def on_page_error(self, error: Error) -> None:
        self.errors.append(f"uncaught: {error.name}: {error.message}")

    def unexpected(self) -> list[str]:
        return [e for e in self.errors if not any(p.search(e) for p in self.allowed)]

    def csp_violations(self) -> list[str]:
        return [e for e in self.errors if "Content Security Policy" in e]

    def assert_clean(self) -> None:
        unexpected = self.unexpected()
        assert not unexpected, "the page logged errors:\n" + "\n".join(unexpected)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def live_server(app: Flask) -> Iterator[LiveServer]:
    """The test app on 127.0.0.1 at a free port, served by a threaded Werkzeug server.

    Same database and Redis as the ``app`` fixture, so tests arrange data with the factories
    and the browser sees it; every test still starts with empty tables and an empty Redis.
    """
    with serve(app, "live-server") as live:
        yield live


@pytest.fixture
def console() -> Console:
    return Console()


@pytest.fixture
def page(browser: Browser, live_server: LiveServer, console: Console) -> Iterator[Page]:
    """A fresh context (no cookies) and page, with relative URLs resolved on the live server."""
    live_server.errors.clear()
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.on("console", console.on_console)
    page.on("pageerror", console.on_page_error)
    yield page
    context.close()


@pytest.fixture
def open_page(browser: Browser, live_server: LiveServer,
              console: Console) -> Iterator[Callable[..., Page]]:
    """A factory of fresh pages in a chosen language and viewport, watched like ``page``:
    ``open_page(locale="es", width=375, height=812)``. The locale sets ``Accept-Language``."""
    live_server.errors.clear()
    contexts: list[BrowserContext] = []

    def _open(locale: str = "en", width: int = 1280, height: int = 800) -> Page:
        context = browser.new_context(
            base_url=live_server.url, locale=locale, viewport={"width": width, "height": height}
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        new_page = context.new_page()
        new_page.on("console", console.on_console)
        new_page.on("pageerror", console.on_page_error)
        return new_page

    yield _open
    for context in contexts:
        context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    """After a passing browser test: no console errors, no CSP violations, no server errors."""
    result = yield
    funcargs = getattr(item, "funcargs", {})
    if "page" in funcargs or "open_page" in funcargs:
        funcargs["console"].assert_clean()
        errors = funcargs["live_server"].errors
        assert not errors, f"the live server raised: {errors!r}"
    return result
