"""How a points-history line and a payout status read on the profile, in the page's language."""

from __future__ import annotations

from flask_babel import format_number, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..services.profiles import HistoryLine

# One-off grants (and their reversals): the same words whatever the count.
_FIXED = {
    "submit_reversal": _l("Entry withdrawn"),
    "early_bird": _l("Early bird bonus"),
    "early_bird_reversal": _l("Early bird bonus withdrawn"),
    "featured": _l("Editor's pick"),
    "featured_reversal": _l("Editor's pick withdrawn"),
    "place": _l("Final place"),
    "place_reversal": _l("Final place revised"),
    "top_10": _l("Top 10 finish"),
    "top_10_reversal": _l("Top 10 finish revised"),
    "participation": _l("Participation prize"),
    "participation_reversal": _l("Participation prize revised"),
    "voting_reward": _l("Voting prize"),
    "voting_reward_reversal": _l("Voting prize revised"),
    "prize": _l("Prize"),
    "prize_reversal": _l("Prize revised"),
}

_PAYOUT_STATUS = {
    "pending": _l("Pending: an editor will approve it soon"),
    "approved": _l("Approved: the payment is on its way"),
    "paid": _l("Paid"),
    "failed": _l("The payment failed: we will get in touch"),
}


def history_label(line: HistoryLine) -> str:
    """What happened, counted: "3 votes received", "Voted on 12 entries", "Editor's pick"."""
    n = line.count
    if line.reason == "vote_received":
        return ngettext("%(num)d vote received", "%(num)d votes received", n)
    if line.reason == "vote_received_reversal":
        return ngettext("%(num)d vote withdrawn or voided", "%(num)d votes withdrawn or voided", n)
    if line.reason == "vote_reward":
        return ngettext("Voted on %(num)d entry", "Voted on %(num)d entries", n)
    if line.reason == "submit":
        return ngettext("Submitted an entry", "Submitted %(num)d entries", n)
    label = _FIXED.get(line.reason)
    if label is None:
        return line.reason
    return str(label) if n == 1 else _("%(what)s ×%(num)d", what=str(label), num=n)


def amount_label(line: HistoryLine) -> str:
    """The signed total with its unit: "+6 points", "−2 points", "+500 tokens"."""
    sign = "+" if line.amount > 0 else "−"
    number = sign + format_number(abs(line.amount))
    if line.currency == "tokens":
        return ngettext("%(amount)s token", "%(amount)s tokens", abs(line.amount), amount=number)
    return ngettext("%(amount)s point", "%(amount)s points", abs(line.amount), amount=number)


def payout_status_label(status: str) -> str:
    """Where a cash prize stands, in words a winner understands."""
    label = _PAYOUT_STATUS.get(status)
    return str(label) if label is not None else status
