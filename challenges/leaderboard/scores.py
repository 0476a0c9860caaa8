"""One number per board member that sorts exactly like the tie rule of SPEC §5.

The rule: more counted votes first; on a tie, the user whose first entry came earlier. Entries are
numbered 1, 2, 3... within a challenge (``entry_number``), so "earlier" is "smaller number".
Counted votes are multiples of a quarter (vote weights are), which a double holds exactly; the
tie-break rides below that as a fraction in (0, 1/4) that is larger for smaller entry numbers:

    score = counted_votes + (2**20 - entry_number) / 2**22

Scores are then unique per board, Redis's descending order is the rule, and the SQL ranking
(``ORDER BY counted DESC, first_entry ASC``) is the same order.
"""

from __future__ import annotations

import math
from typing import Final

WEIGHT_UNIT = 0.25
TIE_BITS: Final = 20
MAX_ENTRY_NUMBER = 2**TIE_BITS - 1
_SCALE = 2.0 ** (TIE_BITS + 2)


def encode(counted_votes: float, first_entry_number: int) -> float:
    """The sortable score of ``counted_votes`` with the tie-break of ``first_entry_number``."""
    n = min(max(first_entry_number, 1), MAX_ENTRY_NUMBER)
    return counted_votes + (2**TIE_BITS - n) / _SCALE


def counted_votes(score: float) -> float:
    """The counted votes inside a score (drops the tie-break fraction)."""
    return score - math.fmod(score, WEIGHT_UNIT)


def decode(score: float) -> tuple[float, int]:
    """(counted votes, first entry number) of a score: the inverse of ``encode``."""
    votes = counted_votes(score)
    return votes, round(2**TIE_BITS - (score - votes) * _SCALE)


def first_entry_number(score: float) -> int:
    """The first entry number inside a score (the tie-break fraction read back)."""
    return decode(score)[1]


def is_valid_weight(weight: float) -> bool:
    """Vote weights are positive multiples of a quarter, at most 10."""
    return 0 < weight <= 10 and math.isclose(weight / WEIGHT_UNIT, round(weight / WEIGHT_UNIT))
