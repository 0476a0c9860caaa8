"""URL converters with bounds: an id out of the database's range is no id at all (404).

Werkzeug's ``int`` converter accepts any number of digits; ``9223372036854775808`` reached the
database, which cannot bind it, and the request answered 500. Every ``<int:...>`` rule of the
app gets this converter instead (registered before any blueprint, in ``create_app``).
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

BIGINT_MAX = 2**63 - 1  # the widest integer column (BIGINT); SQLite's INTEGER is the same
# A plain ``Integer`` primary key is 32 bits on PostgreSQL: its rules say ``<int(max=...)>``.
INTEGER_MAX = 2**31 - 1


class BoundedIntegerConverter(IntegerConverter):
    """``int`` with ``max`` defaulting to 2**63-1 (and ``min`` to 0: ``signed`` stays off, so
    ``-1`` does not match). A rule may still pass its own ``min``/``max``."""

    def __init__(self, map: Map, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = None, signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min,
                         max=BIGINT_MAX if max is None or max > BIGINT_MAX else max,
                         signed=signed)


def init_app(app: Flask) -> None:
    """Replace ``int`` for every rule registered after this call (so: call it first)."""
    converters: dict[str, Any] = app.url_map.converters
    converters["int"] = BoundedIntegerConverter
