"""The browser's language, picked once per distinct ``Accept-Language`` header (issue #14): the
memo must pick exactly what Werkzeug's ``request.accept_languages.best_match`` picks."""

from __future__ import annotations

import pytest
from babel import Locale
from flask import Flask, request

from challenges import i18n
from challenges.i18n import DEFAULT_LOCALE, LANGUAGES, browser_locale

HEADERS = [
    "",
    "es",
    "es-MX,es;q=0.9,en;q=0.8",
    "en-US,en;q=0.9,es;q=0.8",
    "fr-FR,fr;q=0.9",
    "fr;q=0.9,es;q=0.5,en;q=0.4",
    "en;q=0.1,es;q=0.2",
    "*",
    "de,*;q=0.1",
    "es;q=0",
    "ES",
    "garbage ;; ,,q=x",
    "en;q=1.5,es",
]


@pytest.mark.parametrize("header", HEADERS)
def test_the_memo_picks_what_werkzeug_picks(app: Flask, header: str) -> None:
    i18n._browser_locales.clear()
    with app.test_request_context("/", headers={"Accept-Language": header}):
        expected = request.accept_languages.best_match(list(LANGUAGES), default=DEFAULT_LOCALE)
    assert browser_locale(header) == expected
    assert browser_locale(header) == expected  # and again, from the memo


def test_each_header_is_parsed_once_and_the_memo_stays_bounded(
        monkeypatch: pytest.MonkeyPatch) -> None:
    i18n._browser_locales.clear()
    monkeypatch.setattr(i18n, "_BROWSER_LOCALES_MAX", 3)
    for n in range(10):
        browser_locale(f"x{n},es")
        assert len(i18n._browser_locales) <= 3
    browser_locale("x9,es")
    assert "x9,es" in i18n._browser_locales


def test_babel_gets_the_language_parsed(app: Flask) -> None:
    # Flask-Babel parses what the selector returns unless it is a Locale already; requests
    # of each language end to end: test_locale.py.
    for header, language in (("es-MX,es;q=0.9", "es"), ("fr", "en")):
        with app.test_request_context("/", headers={"Accept-Language": header}):
            chosen = i18n._select_babel_locale()
        assert isinstance(chosen, Locale)
        assert str(chosen) == language
