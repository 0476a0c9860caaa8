"""A sponsor's numbers on ``/sponsor/``: per challenge of theirs, views, click-throughs,
entries, entrants, voters, votes and the reach of shares, as a chart, a table and a CSV.

Who may see which sponsor is ``services.sponsors.dashboard_sponsor``'s decision; this module
only ever reads the challenges of the sponsor it is given, so a challenge slug of another
sponsor is simply not found (404), never shown.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import Select, distinct, func, select

from ..errors import NotFound
from ..extensions import db
from ..models import (
    ChallengeDailyCounter,
    ChallengeSponsor,
    ChallengeSubmission,
    ChallengeVote,
    User,
    WeeklyChallenge,
)
from ..services.sponsors import sponsor_dashboard
from .charts import BarChart, Series, bar_chart
from .tables import DataTable

S, V = ChallengeSubmission, ChallengeVote
CHART_CHALLENGES = 12  # the chart shows the latest; the table and CSV show them all


@dataclass(frozen=True)
class SponsorChallengeNumbers:
    challenge: WeeklyChallenge
    views: int  # landing-page views, counts not yet flushed included
    clicks: int  # click-throughs on the sponsor's link
    entries: int  # live entries (neither withdrawn nor disqualified)
    entrants: int  # members with a live entry
    voters: int
    votes: int
    share_visits: int  # landing visits through a share link (?ref=)
    members_from_shares: int  # accounts attributed to a share link of the challenge


def _grouped(query: Select[*tuple[Any, ...]]) -> dict[uuid.UUID, tuple[int, ...]]:
    """``challenge id -> counts`` from a query grouped by challenge."""
    return {row[0]: tuple(int(v or 0) for v in row[1:]) for row in db.session.execute(query)}


def sponsor_numbers(sponsor: ChallengeSponsor,
                    challenge_slug: str | None = None) -> list[SponsorChallengeNumbers]:
    """The numbers of ``sponsor``'s published challenges, newest first; only the one named
    ``challenge_slug`` when given (``NotFound`` when it is not one of theirs). Four grouped
    queries whatever the number of challenges."""
    rows = sponsor_dashboard(sponsor)
    if challenge_slug:
        rows = [r for r in rows if r.challenge.slug == challenge_slug]
        if not rows:
            raise NotFound(_("No such challenge."))
    ids = [r.challenge.id for r in rows]
    if not ids:
        return []
    entries = _grouped(select(S.challenge_id, func.count(), func.count(distinct(S.user_id)))
                       .where(S.challenge_id.in_(ids), S.counts).group_by(S.challenge_id))
    votes = _grouped(select(V.challenge_id, func.count(), func.count(distinct(V.voter_id)))
                     .where(V.challenge_id.in_(ids)).group_by(V.challenge_id))
    C = ChallengeDailyCounter
    shares = _grouped(select(C.challenge_id, func.sum(C.share_visits))
                      .where(C.challenge_id.in_(ids)).group_by(C.challenge_id))
    members = _grouped(select(User.referred_challenge_id, func.count())
                       .where(User.referred_challenge_id.in_(ids))
                       .group_by(User.referred_challenge_id))
    result = []
    for row in rows:
        cid = row.challenge.id
        n_entries, n_entrants = entries.get(cid, (0, 0))
        n_votes, n_voters = votes.get(cid, (0, 0))
        result.append(SponsorChallengeNumbers(
            row.challenge, row.views, row.clicks, n_entries, n_entrants, n_voters, n_votes,
            shares.get(cid, (0,))[0], members.get(cid, (0,))[0]))
    return result


def sponsor_table(sponsor: ChallengeSponsor,
                  numbers: list[SponsorChallengeNumbers]) -> DataTable:
    """The table under the chart, and the CSV download."""
    from ..templating import status_label

    return DataTable(
        id="sponsor-analytics",
        caption=_("Your challenges, in numbers"),
        columns=[_("Challenge"), _("Starts"), _("Phase"), _("Page views"), _("Clicks to you"),
                 _("Entries"), _("Participants"), _("Voters"), _("Votes"), _("Share visits"),
                 _("New members from shares")],
        rows=[[n.challenge.title, n.challenge.starts_at.date().isoformat(),
               status_label(n.challenge.status), str(n.views), str(n.clicks), str(n.entries),
               str(n.entrants), str(n.voters), str(n.votes), str(n.share_visits),
               str(n.members_from_shares)] for n in numbers],
        numeric=[False, False, False] + [True] * 8,
        links=[url_for("pages.challenge_detail", slug=n.challenge.slug) for n in numbers],
    )


def sponsor_chart(numbers: list[SponsorChallengeNumbers]) -> BarChart:
    """Views, click-throughs and share visits of the latest challenges, oldest on the left."""
    shown = list(reversed(numbers[:CHART_CHALLENGES]))
    return bar_chart(
        "sponsor-chart", _("Page views, clicks to you and share visits per challenge"),
        _("Bars per challenge, oldest on the left; the table below holds the numbers."),
        [n.challenge.title[:18] for n in shown],
        [Series(_("Page views"), [n.views for n in shown]),
         Series(_("Clicks to you"), [n.clicks for n in shown]),
         Series(_("Share visits"), [n.share_visits for n in shown])],
    )
