"""Sponsor click-throughs and the read-only sponsor dashboard."""

from __future__ import annotations

from decimal import Decimal

from babel import Locale
from flask import Blueprint, abort, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import format_currency, format_decimal, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

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


def viewed_sponsor() -> ChallengeSponsor:
    """The sponsor whose numbers this request may see (``?sponsor=``: editors any, a sponsor
    user only their own; ``services.sponsors.dashboard_sponsor``): 403 for members, 404 for a
    sponsor that is not there or not theirs. The dashboard and every export use it."""
    try:
        return dashboard_sponsor(current_user, request.args.get("sponsor"))
    except Forbidden:
        abort(403)
    except NotFound:
        abort(404)


@bp.get("/sponsor/")
@login_required
def dashboard() -> ResponseReturnValue:
    """A sponsor user's challenges with their numbers; editors may look at any sponsor.
    (The numbers come from the analytics feature, which adds them to this template.)"""
    sponsor = viewed_sponsor()
    totals = prize_totals(sponsor.id)
    return render_template("sponsors/dashboard.html", sponsor=sponsor, totals=totals,
                           prize_value=prize_value_text(totals))


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
