"""How times and numbers read: to people in their language (Babel), and to machines (ISO 8601).

People: "Mon 7 Dec 2026, 23:59 UTC" / "lun, 7 dic 2026, 23:59 UTC", countdowns "3d 4h 22m" /
"3 d 4 h 22 min", "1,234.5" / "1.234,5", "1st" / "1.º", "5 minutes ago" / "hace 5 minutos".
The language is the request's (``flask_babel.get_locale``; ``force_locale`` for emails), and
English outside any app context. Nothing here touches SQL, so the polls may use it.

Machines: ``iso_z`` and ``api_time_remaining`` never change with the language (the JSON API's
data is English; only its messages follow the locale).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Literal

from babel import Locale
from babel.dates import format_datetime, format_timedelta
from babel.numbers import format_decimal
from babel.units import format_unit
from flask_babel import get_locale

from .clock import as_utc

DEFAULT_LOCALE = "en"

# The UTC label's CLDR pattern per language. English keeps the site's long-standing
# "Mon 7 Dec 2026, 23:59"; a language not listed gets its medium date and a 24-hour time.
UTC_LABEL_PATTERNS = {"en": "EEE d MMM y, HH:mm", "es": "EEE, d MMM y, HH:mm"}

# Countdown units: English reads best in CLDR's narrow forms ("3d 4h 22m", as the site always
# showed); other languages use their short forms, the usual abbreviations there ("3 d 4 h
# 22 min"; Spanish narrow would glue "22min"). app.js formats with the same setting.
UnitDisplay = Literal["narrow", "short"]
COUNTDOWN_UNIT_DISPLAY: dict[str, UnitDisplay] = {"en": "narrow"}
DEFAULT_UNIT_DISPLAY: UnitDisplay = "short"

# Ordinal suffixes by CLDR ordinal plural category (Babel's ``Locale.ordinal_form``). Spanish
# uses the masculine ordinal indicator: "1.º puesto".
ORDINAL_SUFFIXES = {
    "en": {"one": "st", "two": "nd", "few": "rd", "other": "th"},
    "es": {"other": ".º"},
}


def locale() -> Locale:
    """The language to format in: the request's (or ``force_locale``'s), else English."""
    return get_locale() or Locale.parse(DEFAULT_LOCALE)


def countdown_unit_display(language: Locale | None = None) -> UnitDisplay:
    """"narrow" or "short": the CLDR unit length countdowns use in ``language``."""
    return COUNTDOWN_UNIT_DISPLAY.get((language or locale()).language, DEFAULT_UNIT_DISPLAY)


def _days_hours_minutes(delta: timedelta) -> tuple[int, int, int]:
    total_minutes = max(0, int(delta.total_seconds() // 60))
    days, rest = divmod(total_minutes, 60 * 24)
    hours, minutes = divmod(rest, 60)
    return days, hours, minutes


def _largest_units(delta: timedelta) -> list[tuple[int, str]]:
    """(3, day), (4, hour), (22, minute); leading zero units dropped, minutes always kept."""
    days, hours, minutes = _days_hours_minutes(delta)
    if days:
        return [(days, "day"), (hours, "hour"), (minutes, "minute")]
    if hours:
        return [(hours, "hour"), (minutes, "minute")]
    return [(minutes, "minute")]


def time_remaining(delta: timedelta) -> str:
    """A compact countdown in the current language: en "3d 4h 22m", "4h 0m", "12m"; es
    "3 d 4 h 22 min". "0m" once it has passed."""
    language = locale()
    length = countdown_unit_display(language)
    return " ".join(
        format_unit(value, f"duration-{unit}", length=length, locale=language)
        for value, unit in _largest_units(delta)
    )


def api_time_remaining(delta: timedelta) -> str:
    """The API's ``time_remaining`` ("3d 4h 22m", "0m"): data with a documented shape, the same
    in every language."""
    return " ".join(f"{value}{unit[0]}" for value, unit in _largest_units(delta))


def iso_z(moment: datetime) -> str:
    """ISO 8601 in UTC with a trailing Z, to the second."""
    return as_utc(moment).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def utc_label(moment: datetime) -> str:
    """The exact UTC time in the current language, shown on hover: "Mon 7 Dec 2026, 23:59 UTC"
    (es "lun, 7 dic 2026, 23:59 UTC")."""
    language = locale()
    pattern = UTC_LABEL_PATTERNS.get(language.language)
    if pattern is None:
        pattern = f"{language.date_formats['medium'].pattern}, HH:mm"
    return f"{format_datetime(as_utc(moment), pattern, tzinfo=None, locale=language)} UTC"


def format_amount(value: float | Decimal) -> str:
    """A number in the current language, up to two decimals: 2.0 -> "2", 2.5 -> "2.5",
    1234.5 -> "1,234.5" (es "1.234,5"). Vote totals and prize amounts read this way."""
    rounded = round(Decimal(str(value)), 2)  # Decimal: exact for prizes, typed for mypy
    return format_decimal(rounded, format="#,##0.##", locale=locale())


def format_votes(value: float) -> str:
    """A vote total in the current language (see ``format_amount``)."""
    return format_amount(value)


def ordinal(n: int) -> str:
    """A place in the current language: en "1st", "22nd", "111th"; es "1.º"."""
    language = locale()
    number = format_decimal(n, locale=language)
    suffixes = ORDINAL_SUFFIXES.get(language.language)
    if suffixes is None:
        return number
    return number + suffixes.get(language.ordinal_form(n), suffixes["other"])


def relative_time(moment: datetime, now: datetime) -> str:
    """How long ago (or from now) ``moment`` is, in the current language: "5 minutes ago",
    "in 3 days" (es "hace 5 minutos", "dentro de 3 días")."""
    return format_timedelta(as_utc(moment) - as_utc(now), add_direction=True, locale=locale())
