"""Sponsor click-throughs and the read-only sponsor dashboard."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from babel import Locale
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_currency, format_decimal, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..analytics.sponsors import (
    SponsorChallengeNumbers,
    sponsor_chart,
    sponsor_numbers,
    sponsor_table,
)
from ..analytics.tables import csv_response
from ..errors import Forbidden, NotFound
from ..models import ChallengeSponsor
from ..services.sponsors import PrizeTotals, dashboard_sponsor, prize_totals, record
from ..services.urls import url_problem
from ..web import visible_challenge_or_404

bp = Blueprint("sponsor", __name__)


@bp.get("/challenges/<slug>/sponsor-link")
def click_through(slug: str) -> ResponseReturnValue:
    """Count a click on the sponsor's link, then go there."""
    challenge = visible_challenge_or_404(slug)
    sponsor = challenge.sponsor
    if sponsor is None or url_problem(sponsor.website_url):
        abort(404)
    record(challenge.id, "clicks")
    return redirect(sponsor.website_url, code=302)


def _sponsor_and_numbers() -> tuple[ChallengeSponsor, list[SponsorChallengeNumbers]]:
    """The sponsor the viewer may see (``?sponsor=``: editors any, a sponsor user only their
    own) and its challenges' numbers (``?challenge=``: one of them). Aborts with 403 for
    members and 404 for anything not theirs."""
    try:
        sponsor = dashboard_sponsor(current_user, request.args.get("sponsor"))
        return sponsor, sponsor_numbers(sponsor, request.args.get("challenge"))
    except Forbidden:
        abort(403)
    except NotFound:
        abort(404)


@bp.get("/sponsor/")
@login_required
def dashboard() -> ResponseReturnValue:
    """A sponsor user's challenges with their numbers; editors may look at any sponsor."""
    sponsor, numbers = _sponsor_and_numbers()
    totals = prize_totals(sponsor.id)
    args: dict[str, Any] = {k: v for k, v in request.args.items()
                            if k in {"sponsor", "challenge"}}
    return render_template("sponsors/dashboard.html", sponsor=sponsor, totals=totals,
                           prize_value=prize_value_text(totals), numbers=numbers,
                           table=sponsor_table(sponsor, numbers),
                           chart=sponsor_chart(numbers) if numbers else None,
                           csv_url=url_for("sponsor.analytics_csv", **args),
                           one_challenge="challenge" in args, number=format_decimal)


@bp.get("/sponsor/analytics.csv")
@login_required
def analytics_csv() -> ResponseReturnValue:
    """The dashboard's table as CSV, under the same access rule as the page."""
    sponsor, numbers = _sponsor_and_numbers()
    return csv_response(sponsor_table(sponsor, numbers), f"{sponsor.slug}-analytics.csv")


def prize_value_text(totals: PrizeTotals) -> str:
    """The prize value as a sponsor reads it, in the request's language: "$1,500 and 750,000
    tokens", "$1,500", "750,000 tokens" (cash in US dollars, as the prizes' totals are)."""
    cash = _money(totals.cash) if totals.cash else ""
    tokens = _("%(tokens)s tokens", tokens=format_decimal(totals.tokens)) if totals.tokens else ""
    if cash and tokens:
        return _("%(cash)s and %(tokens)s", cash=cash, tokens=tokens)
    return cash or tokens or _money(Decimal("0"))


def _money(amount: Decimal) -> str:
    """Dollars in the locale's pattern, without ".00" on whole amounts ("$1,500", "$99.50")."""
    if amount == amount.to_integral_value():
        pattern = (get_locale() or Locale("en")).currency_formats["standard"].pattern
        return format_currency(amount, "USD", format=pattern.replace(".00", ""),
                               currency_digits=False)
    return format_currency(amount, "USD")
