"""The ``prizes`` JSON of a challenge: its validation and its meaning (SPEC §6).

Accepted shape (the plan's two examples, both understood)::

    {"1st": {"type": "cash", "amount": 100, "currency": "USD"},
     "2nd": {"type": "tokens", "amount": 500000},
     "participation": {"type": "tokens", "amount": 10000},
     "voting_reward": {"type": "tokens", "amount": 1000, "min_votes": 10}}

Places may also be spelled "1", "2"... or nested under "winner_pool".
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _

from ..errors import ValidationFailed
from ..timefmt import format_amount

MAX_PLACE = 10
DEFAULT_VOTING_REWARD_MIN_VOTES = 10
_PLACE_KEY = re.compile(r"^(\d{1,2})(st|nd|rd|th)?$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class Prize:
    type: str  # "cash" or "tokens"
    amount: Decimal
    currency: str = ""

    @property
    def is_cash(self) -> bool:
        return self.type == "cash"

    def label(self) -> str:
        """How the prize reads on the prizes card, in the current language: "$100 Cash",
        "500,000 AI Tokens" (es "$100 en efectivo", "500.000 tokens de IA")."""
        if self.is_cash:
            symbol = {"USD": "$", "EUR": "€", "GBP": "£"}.get(self.currency, "")
            number = format_amount(self.amount)
            money = f"{symbol}{number}" if symbol else f"{number} {self.currency}"
            return str(_("%(money)s Cash", money=money))
        return str(_("%(amount)s AI Tokens", amount=format_amount(int(self.amount))))


@dataclass(frozen=True)
class PrizeTable:
    places: dict[int, Prize] = field(default_factory=dict)
    participation: Prize | None = None
    voting_reward: Prize | None = None
    voting_reward_min_votes: int = DEFAULT_VOTING_REWARD_MIN_VOTES

    def total_cash(self) -> Decimal:
        return sum((p.amount for p in self.places.values() if p.is_cash), Decimal("0"))


def parse_prizes(raw: Any) -> PrizeTable:
    """Validate and interpret a prizes value (a dict, or JSON text). Raises ``ValidationFailed``."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw) if raw.strip() else {}
        except json.JSONDecodeError as exc:
            raise _invalid(_("Prizes must be valid JSON (%(problem)s at line %(line)d).",
                             problem=exc.msg, line=exc.lineno)) from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise _invalid(_('Prizes must be a JSON object such as {"1st": {...}}.'))

    places: dict[int, Prize] = {}
    participation = voting_reward = None
    min_votes = DEFAULT_VOTING_REWARD_MIN_VOTES
    entries = dict(raw)
    pool = entries.pop("winner_pool", {})
    if not isinstance(pool, dict):
        raise _invalid(_('"winner_pool" must be an object of places.'))
    for key, value in [*pool.items(), *entries.items()]:
        if key == "participation":
            participation = _parse_prize(key, value, tokens_only=True)
        elif key == "voting_reward":
            voting_reward = _parse_prize(key, value, tokens_only=True)
            min_votes = _min_votes(value)
        else:
            place = _place(key)
            if place in places:
                raise _invalid(_("Place %(place)d is given twice.", place=place))
            places[place] = _parse_prize(key, value, tokens_only=False)
    return PrizeTable(dict(sorted(places.items())), participation, voting_reward, min_votes)


def _place(key: str) -> int:
    match = _PLACE_KEY.match(str(key))
    if not match or not 1 <= int(match.group(1)) <= MAX_PLACE:
        raise _invalid(
            _('Unknown prize key "%(key)s": use places "1st" to "%(last)dth", '
              '"participation" or "voting_reward".', key=key, last=MAX_PLACE)
        )
    return int(match.group(1))


def _parse_prize(key: str, value: Any, *, tokens_only: bool) -> Prize:
    if not isinstance(value, dict):
        raise _invalid(_('The "%(key)s" prize must be an object like '
                         '{"type": "tokens", "amount": 1000}.', key=key))
    unknown = set(value) - {"type", "amount", "currency", "min_votes"}
    if unknown:
        raise _invalid(_('The "%(key)s" prize has unknown field(s): %(fields)s.', key=key,
                         fields=", ".join(sorted(unknown))))
    kind = value.get("type")
    if kind not in ("cash", "tokens"):
        raise _invalid(_('The "%(key)s" prize: the type must be "cash" or "tokens".', key=key))
    if tokens_only and kind != "tokens":
        raise _invalid(_('The "%(key)s" prize can only be a tokens prize.', key=key))
    amount = _amount(key, value.get("amount"), whole=kind == "tokens")
    currency = ""
    if kind == "cash":
        currency = str(value.get("currency", "USD"))
        if not _CURRENCY.match(currency):
            raise _invalid(_('The "%(key)s" prize: the currency must be a 3-letter code '
                             'such as "USD".', key=key))
    return Prize(kind, amount, currency)


def _amount(key: str, value: Any, *, whole: bool) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _invalid(_('The "%(key)s" prize: the amount must be a positive number.', key=key))
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise _invalid(_('The "%(key)s" prize: the amount must be a positive number.',
                         key=key)) from None
    if not amount.is_finite() or amount <= 0 or amount > Decimal("1e12"):
        raise _invalid(_('The "%(key)s" prize: the amount must be a positive number.', key=key))
    if whole and amount != amount.to_integral_value():
        raise _invalid(_('The "%(key)s" prize: the amount must be a whole number of tokens.',
                         key=key))
    if not whole and amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise _invalid(_('The "%(key)s" prize: the amount has more than 2 decimal places.',
                         key=key))
    return amount


def _min_votes(value: dict[str, Any]) -> int:
    min_votes = value.get("min_votes", DEFAULT_VOTING_REWARD_MIN_VOTES)
    if isinstance(min_votes, bool) or not isinstance(min_votes, int) or not 1 <= min_votes <= 1000:
        raise _invalid(_('The "voting_reward" prize: min_votes must be a whole number '
                         'from 1 to 1000.'))
    return min_votes



def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed({"prizes": message}, message)
