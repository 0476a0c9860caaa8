"""A fresh UUID made by the database, for rows inserted by INSERT ... SELECT (where the
model's Python default never runs)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Uuid
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class new_uuid(FunctionElement[Any]):  # noqa: N801 (reads as the SQL function it renders)
    type = Uuid()
    inherit_cache = True


@compiles(new_uuid, "postgresql")
def _pg_uuid(element: new_uuid, compiler: Any, **kw: Any) -> str:
    return "gen_random_uuid()"


@compiles(new_uuid, "sqlite")
def _sqlite_uuid(element: new_uuid, compiler: Any, **kw: Any) -> str:
    # SQLAlchemy's Uuid keeps 32 hex digits in SQLite: 16 random bytes are a random UUID
    # (not version-4 tagged, which nothing here relies on).
    return "lower(hex(randomblob(16)))"
