"""Numbers, places, countdowns and dates read the way each language writes them (Babel), and
the API's data does not change with the language (issue #11, "Two languages")."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from challenges.templating import ago, countdown, format_votes, ordinal
from challenges.timefmt import api_time_remaining, relative_time, time_remaining, utc_label

MOMENT = datetime(2026, 12, 7, 23, 59, tzinfo=UTC)
LEFT = timedelta(days=3, hours=4, minutes=22, seconds=30)


@pytest.fixture(params=["en", "es"])
def language(request: pytest.FixtureRequest, app: Flask) -> Any:
    # A fresh app context: Flask-Babel caches the locale on ``g``.
    with app.app_context(), app.test_request_context(
            headers={"Accept-Language": request.param}):
        yield request.param


EXPECTED = {
    "en": {"votes": "1,234.5", "whole": "1,234", "two": "2", "ordinals": ["1st", "2nd", "3rd",
           "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "111th"],
           "countdown": "3d 4h 22m", "hours": "4h 0m", "over": "0m",
           "label": "Mon 7 Dec 2026, 23:59 UTC", "ago": "5 minutes ago", "ahead": "in 3 days"},
    "es": {"votes": "1.234,5", "whole": "1.234", "two": "2", "ordinals": ["1.º", "2.º", "3.º",
           "4.º", "11.º", "12.º", "13.º", "21.º", "22.º", "101.º", "111.º"],
           "countdown": "3 d 4 h 22 min", "hours": "4 h 0 min", "over": "0 min",
           "label": "lun, 7 dic 2026, 23:59 UTC", "ago": "hace 5 minutos",
           "ahead": "dentro de 3 días"},
}


def test_a_vote_total_groups_and_decimals_as_the_language_does(language: str) -> None:
    assert format_votes(1234.5) == EXPECTED[language]["votes"]
    assert format_votes(1234.0) == EXPECTED[language]["whole"]
    assert format_votes(2.0) == EXPECTED[language]["two"]


def test_an_ordinal_reads_as_the_language_writes_places(language: str) -> None:
    places = [1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111]
    assert [ordinal(n) for n in places] == EXPECTED[language]["ordinals"]


def test_a_countdown_uses_the_languages_units(language: str) -> None:
    assert time_remaining(LEFT) == EXPECTED[language]["countdown"]
    assert time_remaining(timedelta(hours=4)) == EXPECTED[language]["hours"]
    assert time_remaining(timedelta(minutes=-5)) == EXPECTED[language]["over"]


def test_the_utc_label_names_day_and_month_in_the_language(language: str) -> None:
    assert utc_label(MOMENT) == EXPECTED[language]["label"]
    assert utc_label(MOMENT.replace(tzinfo=None)) == EXPECTED[language]["label"]  # naive = UTC


def test_relative_times_read_in_the_language(language: str) -> None:
    assert relative_time(MOMENT, MOMENT + timedelta(minutes=5)) == EXPECTED[language]["ago"]
    assert relative_time(MOMENT + timedelta(days=3), MOMENT) == EXPECTED[language]["ahead"]


def test_the_ago_filter_says_how_long_ago_with_the_exact_time_on_hover(
        language: str, frozen_clock: Any) -> None:
    frozen_clock.set(MOMENT + timedelta(minutes=5))
    markup = str(ago(MOMENT))
    assert f'title="{EXPECTED[language]["label"]}"' in markup
    assert f">{EXPECTED[language]['ago']}</time>" in markup


def test_the_countdown_tells_app_js_which_unit_length_to_keep(language: str,
                                                              frozen_clock: Any) -> None:
    frozen_clock.set(MOMENT)
    markup = str(countdown(MOMENT + LEFT))
    display = {"en": "narrow", "es": "short"}[language]
    assert f'data-unit-display="{display}"' in markup
    assert f">{EXPECTED[language]['countdown']}</time>" in markup


def test_the_api_time_remaining_is_the_same_in_every_language(language: str) -> None:
    assert api_time_remaining(LEFT) == "3d 4h 22m"


def test_the_api_data_does_not_follow_the_locale(client: Any, make_challenge: Any) -> None:
    """Only messages are translated: a Spanish caller gets the plan's "3d 4h 22m" shape."""
    make_challenge("active")
    body = client.get("/api/challenges/current/", headers={"Accept-Language": "es"}).get_json()
    assert re.fullmatch(r"(\d+d )?(\d+h )?\d+m", body["stats"]["time_remaining"]), body
    assert body["status"] == "active"


def test_outside_a_request_times_read_in_english(app: Flask) -> None:
    """Jobs without a request (and code outside any app) format in the default language."""
    assert utc_label(MOMENT) == "Mon 7 Dec 2026, 23:59 UTC"
    with app.app_context():
        assert ordinal(2) == "2nd" and time_remaining(LEFT) == "3d 4h 22m"


def test_prize_labels_read_in_the_current_language(app: Flask) -> None:
    from decimal import Decimal

    from challenges.services.prizes import Prize

    cash, tokens = Prize("cash", Decimal("1500"), "USD"), Prize("tokens", Decimal("500000"))
    # Each in its own app context: Flask-Babel keeps the chosen locale on ``g``.
    with app.app_context(), app.test_request_context("/"):
        assert (cash.label(), tokens.label()) == ("$1,500 Cash", "500,000 AI Tokens")
    with app.app_context(), app.test_request_context("/", headers={"Accept-Language": "es"}):
        assert (cash.label(), tokens.label()) == ("$1.500 en efectivo", "500.000 tokens de IA")
