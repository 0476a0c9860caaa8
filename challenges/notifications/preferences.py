"""Which notification kinds each member wants: one row per (member, kind) they chose; no row
means the kind's default (``kinds.KINDS``). The rule "does this member want this kind?" is
written once in Python (``is_enabled``) and once in SQL (``wants``) for the set-based audience
queries of ``due.py``; tests/notifications/test_preferences.py checks that they agree."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import ColumnElement, ForeignKey, String, and_, exists, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import InstrumentedAttribute, Mapped, mapped_column

from ..clock import utcnow
from ..extensions import Model, db
from ..models.types import UTCDateTime
from .kinds import KINDS, NotificationKind


class NotificationPreference(Model):
    """A member's explicit choice for one kind. Absent: the kind's default applies."""

    __tablename__ = "notification_preferences"

    # (user, kind) is the key: one choice per member and kind, so two saves at once (a form
    # and an unsubscribe link) upsert the same row instead of adding a second.
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    enabled: Mapped[bool] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


P = NotificationPreference


def preferences_of(user_id: int) -> dict[NotificationKind, bool]:
    """Every kind -> whether ``user_id`` gets it (their choice, else the default)."""
    chosen = {kind: enabled for kind, enabled in db.session.execute(
        select(P.kind, P.enabled).where(P.user_id == user_id))}
    return {kind: bool(chosen.get(kind.value, info.default_enabled))
            for kind, info in KINDS.items()}


def is_enabled(user_id: int, kind: NotificationKind) -> bool:
    """Whether ``user_id`` gets ``kind``: their explicit choice, else the kind's default."""
    chosen = db.session.scalar(select(P.enabled).where(P.user_id == user_id, P.kind == kind.value))
    return KINDS[kind].default_enabled if chosen is None else bool(chosen)


def wants(kind: NotificationKind, user_id: InstrumentedAttribute[int] | ColumnElement[int]
          ) -> ColumnElement[bool]:
    """SQL twin of ``is_enabled``: a WHERE clause true for the users (``user_id``, e.g.
    ``User.id``) who get ``kind``. A default-on kind needs no "off" row; a default-off kind
    needs an "on" row."""
    if KINDS[kind].default_enabled:
        return ~exists().where(P.user_id == user_id, P.kind == kind.value, P.enabled.is_(False))
    return exists().where(and_(P.user_id == user_id, P.kind == kind.value, P.enabled.is_(True)))


def set_preferences(user_id: int, choices: Mapping[NotificationKind, bool],
                    now: datetime) -> None:
    """Store ``user_id``'s choice for each kind in ``choices`` (an upsert per kind; a repeated
    save changes nothing). Flushes; the caller commits."""
    rows = [{"user_id": user_id, "kind": NotificationKind(kind).value, "enabled": bool(on),
             "updated_at": now} for kind, on in choices.items()]
    if not rows:
        return
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    insert = dialect.insert(P)
    db.session.execute(
        insert.values(rows).on_conflict_do_update(
            index_elements=[P.user_id, P.kind],
            set_={"enabled": insert.excluded.enabled, "updated_at": insert.excluded.updated_at},
        )
    )


def turn_off(user_id: int, kind: NotificationKind, now: datetime) -> None:
    """Stop sending ``kind`` to ``user_id`` (what an unsubscribe link does); idempotent."""
    set_preferences(user_id, {kind: False}, now)


def kinds_from(values: Iterable[str]) -> set[NotificationKind]:
    """The known kinds among ``values`` (a form's ticked boxes); unknown names are ignored."""
    known = {kind.value for kind in NotificationKind}
    return {NotificationKind(v) for v in values if v in known}
