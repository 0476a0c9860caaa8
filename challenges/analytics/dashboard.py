"""What ``/admin/analytics`` shows: the latest weeks and challenges with every metric, the
funnel and votes per hour of a chosen challenge, each chart with its table (and CSV).

Built at request time (the texts are in the editor's language) from ``rollups``: a fixed
number of stored rows, plus the live work of the current week and running challenges.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from babel import Locale
from flask import url_for
from flask_babel import format_decimal, format_percent, get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from ..errors import NotFound
from ..extensions import db
from ..models import WeeklyChallenge
from .charts import BarChart, Series, bar_chart
from .metrics import ChallengeMetrics, Metrics, WeekMetrics
from .rollups import ChallengeRow, challenge_rows, recent_challenges, recent_weeks
from .tables import DataTable

NONE = "–"  # a rate whose denominator is zero


def percent(value: float | None) -> str:
    """One decimal in the locale's own percent pattern ("66.7%", "66,7 %")."""
    if value is None:
        return NONE
    pattern = (get_locale() or Locale("en")).percent_formats[None].pattern
    return format_percent(value, pattern.replace("0", "0.0", 1))


def ratio(value: float | None) -> str:
    return NONE if value is None else format_decimal(value, "0.00")


def _of(part: int | None, whole: int | None, rate: float | None) -> str:
    """"2 of 3 (66.7%)"."""
    if not whole:  # no previous challenge (or week), or nobody entered it
        return NONE
    return _("%(part)s of %(whole)s (%(rate)s)", part=part or 0, whole=whole, rate=percent(rate))


@dataclass(frozen=True)
class AdminDashboard:
    weeks: DataTable
    weeks_chart: BarChart
    challenges: DataTable
    choices: list[WeeklyChallenge]
    chosen: ChallengeRow | None
    funnel: DataTable | None
    funnel_chart: BarChart | None
    hours: DataTable | None
    hours_chart: BarChart | None
    generated_at: datetime


def _week_label(metrics: Metrics) -> str:
    return metrics.start[:10]


def _participation_columns() -> list[str]:
    return [_("Active members"), _("Entrants"), _("Participation rate"), _("Votes"),
            _("Voters"), _("Votes per voter"), _("Votes per active member")]


def _participation_cells(m: Metrics) -> list[str]:
    """The cells under ``_participation_columns``: the same for a week and a challenge."""
    return [str(m.active_members), str(m.entrants), percent(m.participation_rate),
            str(m.votes), str(m.voters), ratio(m.votes_per_voter),
            ratio(m.votes_per_active_member)]


def _growth_columns() -> list[str]:
    return [_("Return rate"), _("Sponsor inquiries"), _("New members"),
            _("New members from shares")]


def _growth_cells(m: Metrics) -> list[str]:
    """The cells under ``_growth_columns``."""
    return [_of(m.returning_entrants, m.previous_entrants, m.return_rate), str(m.inquiries),
            str(m.new_members), str(m.new_members_from_shares)]


def weeks_table(weeks: list[WeekMetrics]) -> DataTable:
    """One row per ISO week, newest first, with every metric."""
    return DataTable(
        id="weeks",
        caption=_("Per week (ISO weeks, Monday 00:00 UTC to the next Monday)"),
        columns=[_("Week of"), *_participation_columns(), *_growth_columns(), _("Page views"),
                 _("Share visits")],
        rows=[[_week_label(w), *_participation_cells(w), *_growth_cells(w), str(w.visits),
               str(w.share_visits)] for w in weeks],
        numeric=[False] + [True] * 13,
    )


def challenges_table(rows: list[ChallengeRow]) -> DataTable:
    """One row per challenge, newest first, with every metric."""
    return DataTable(
        id="challenges",
        caption=_("Per challenge (its window: start to voting deadline)"),
        columns=[_("Challenge"), _("Starts"), *_participation_columns(),
                 _("Previous challenge"), *_growth_columns(),
                 _("Members from this challenge's shares"), _("Page views"),
                 _("Share visits")],
        rows=[[r.challenge.title, m.start[:10], *_participation_cells(m),
               r.previous.title if r.previous else NONE, *_growth_cells(m),
               str(m.members_from_challenge), str(m.visits), str(m.share_visits)]
              for r in rows for m in [r.metrics]],
        numeric=[False, False] + [True] * 7 + [False] + [True] * 7,
        # Each title shows that challenge's funnel and votes per hour.
        links=[url_for("analytics.index", challenge=r.challenge.slug) for r in rows],
    )


def weeks_chart(weeks: list[WeekMetrics]) -> BarChart:
    oldest_first = list(reversed(weeks))
    return bar_chart(
        "weeks-chart", _("Active members, entrants and voters per week"),
        _("Bars per ISO week, oldest on the left; the table below holds the numbers."),
        [_week_label(w)[5:] for w in oldest_first],
        [Series(_("Active members"), [w.active_members for w in oldest_first]),
         Series(_("Entrants"), [w.entrants for w in oldest_first]),
         Series(_("Voters"), [w.voters for w in oldest_first])],
    )


def funnel_steps(row: ChallengeRow) -> list[tuple[str, int]]:
    m = row.metrics
    return [(_("Visits"), m.visits), (_("Registrations"), m.new_members),
            (_("Entrants"), m.entrants), (_("Voters"), m.voters)]


def funnel_table(row: ChallengeRow) -> DataTable:
    """Visit -> register -> enter -> vote for one challenge, each step against the first."""
    steps = funnel_steps(row)
    first = steps[0][1]
    return DataTable(
        id="funnel",
        caption=_("Funnel of %(title)s", title=row.challenge.title),
        columns=[_("Step"), _("Members or visits"), _("Of visits")],
        rows=[[name, str(value), percent(value / first if first else None)]
              for name, value in steps],
        numeric=[False, True, True],
    )


def funnel_chart(row: ChallengeRow) -> BarChart:
    steps = funnel_steps(row)
    return bar_chart(
        "funnel-chart", _("Funnel of %(title)s", title=row.challenge.title),
        _("Visits, registrations, entrants and voters during the challenge."),
        [name for name, _value in steps], [Series(_("Count"), [v for _n, v in steps])],
        height=240, show_values=True,
    )


def _hours(metrics: ChallengeMetrics) -> list[tuple[datetime, int]]:
    first = datetime.fromisoformat(metrics.first_hour)
    return [(first + timedelta(hours=i), n) for i, n in enumerate(metrics.votes_per_hour)]


def hours_table(row: ChallengeRow) -> DataTable:
    """Votes per hour as a grid: one row per UTC day of the window, one column per hour."""
    days: dict[date, list[str]] = {}
    for moment, votes in _hours(row.metrics):
        cells = days.setdefault(moment.date(), [""] * 24)
        cells[moment.hour] = str(votes)
    return DataTable(
        id="hours",
        caption=_("Votes per hour in %(title)s (UTC)", title=row.challenge.title),
        columns=[_("Day"), *[f"{h:02d}" for h in range(24)], _("Total")],
        rows=[[day.isoformat(), *cells, str(sum(int(c) for c in cells if c))]
              for day, cells in days.items()],
        numeric=[False] + [True] * 25,
    )


def hours_chart(row: ChallengeRow) -> BarChart:
    hours = _hours(row.metrics)
    return bar_chart(
        "hours-chart", _("Votes per hour in %(title)s", title=row.challenge.title),
        _("One bar per hour (UTC), from the start to the voting deadline; days are labelled."),
        [moment.strftime("%m-%d") if moment.hour == 0 else "" for moment, _n in hours],
        [Series(_("Votes"), [n for _m, n in hours])], height=240,
    )


def _chosen(rows: list[ChallengeRow], slug: str | None, now: datetime) -> ChallengeRow | None:
    """The challenge whose funnel and votes per hour are shown: ``slug`` (any published
    challenge), else the newest shown. Raises ``NotFound`` for an unknown slug."""
    if not slug:
        return rows[0] if rows else None
    for row in rows:
        if row.challenge.slug == slug:
            return row
    # From the query string: a value no slug can be (PostgreSQL refuses NUL) is no challenge.
    challenge = None if "\x00" in slug or len(slug) > 50 else db.session.scalar(
        select(WeeklyChallenge).where(WeeklyChallenge.slug == slug, WeeklyChallenge.is_published))
    if challenge is None:
        raise NotFound(_("No such challenge."))
    return challenge_rows([challenge], now)[0]


def admin_dashboard(now: datetime, challenge_slug: str | None = None) -> AdminDashboard:
    """Everything ``/admin/analytics`` shows."""
    weeks = recent_weeks(now)
    rows = recent_challenges(now)
    chosen = _chosen(rows, challenge_slug, now)
    return AdminDashboard(
        weeks=weeks_table(weeks), weeks_chart=weeks_chart(weeks),
        challenges=challenges_table(rows), choices=[r.challenge for r in rows], chosen=chosen,
        funnel=funnel_table(chosen) if chosen else None,
        funnel_chart=funnel_chart(chosen) if chosen else None,
        hours=hours_table(chosen) if chosen else None,
        hours_chart=hours_chart(chosen) if chosen else None,
        generated_at=now,
    )


def table_named(dashboard: AdminDashboard, name: str) -> DataTable | None:
    """The dashboard's table ``name`` (what ``<name>.csv`` downloads), or None."""
    tables = {t.id: t for t in (dashboard.weeks, dashboard.challenges, dashboard.funnel,
                                dashboard.hours) if t is not None}
    return tables.get(name)
