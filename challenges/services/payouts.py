"""Cash payouts (SPEC §6): pending -> approved -> paid (with a reference) or failed; who and
when are recorded. Each move is a compare-and-set, so two editors clicking at once cannot
both move the same payout, and no move skips a step or goes backwards.

Results decide who is owed (``sync_payouts``): finalization creates the payouts, and a
re-ranking after results cancels the unpaid payouts of a member who lost a place and creates
one for the member who gained it. A paid payout is never changed: it is flagged for an editor
(``needs_review``, with a note saying why)."""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import aliased, joinedload

from ..errors import Conflict, EditorOnlyAction, NotFound
from ..extensions import db
from ..models import Payout, PayoutStatus, User, WeeklyChallenge
from .challenges import can_see_unpublished
from .text import required_text

P = PayoutStatus
# action -> (the statuses it may start from, the status it leads to)
MOVES: dict[str, tuple[frozenset[PayoutStatus], PayoutStatus]] = {
    "approve": (frozenset({P.PENDING}), P.APPROVED),
    "pay": (frozenset({P.APPROVED}), P.PAID),
    "fail": (frozenset({P.PENDING, P.APPROVED}), P.FAILED),
    "retry": (frozenset({P.FAILED}), P.PENDING),
}
# What a re-ranking may cancel: every status but paid (money gone) and cancelled.
UNPAID = (P.PENDING.value, P.APPROVED.value, P.FAILED.value)


class InvalidPayoutMove(Conflict):
    code = "invalid_payout_move"
    default_message = _l("That payout cannot make that move from its current status.")


def allowed_actions(status: str) -> list[str]:
    return [action for action, (sources, _) in MOVES.items() if PayoutStatus(status) in sources]


def move_payout(payout_id: uuid.UUID, action: str, editor: User | None, now: datetime,
                reference: str = "", reason: str = "") -> Payout:
    """Apply ``action`` to a payout, recording who and when. Raises InvalidPayoutMove."""
    if not can_see_unpublished(editor):
        raise EditorOnlyAction()
    assert editor is not None
    if action not in MOVES:
        raise InvalidPayoutMove(f"Unknown payout action {action!r}.")
    sources, target = MOVES[action]
    values: dict[str, object] = {"status": target.value, "updated_at": now}
    if action == "approve":
        values |= {"approved_by_id": editor.id, "approved_at": now}
    elif action == "pay":
        reference = required_text(reference, "reference", 200,
                                  "Give the payment reference, e.g. the transfer id")
        values |= {"paid_by_id": editor.id, "paid_at": now, "reference": reference}
    elif action == "fail":
        reason = required_text(reason, "reason", 1000, _("Say why the payout failed"))
        values |= {"failed_by_id": editor.id, "failed_at": now, "failure_reason": reason}
    moved = db.session.execute(
        update(Payout)
        .where(Payout.id == payout_id, Payout.status.in_([s.value for s in sources]))
        .values(**values)
        .returning(Payout.id)
        .execution_options(synchronize_session=False)
    ).first()
    payout = db.session.get(Payout, payout_id, populate_existing=True)
    if payout is None:
        raise NotFound("No such payout.")
    if moved is None:
        raise InvalidPayoutMove(
            f"This payout is {payout.status}; it cannot be moved with “{action}”."
        )
    return payout


def exportable_challenges() -> list[tuple[uuid.UUID, str]]:
    """(id, title) of every finalized challenge, newest first: the payout export's choices."""
    return [(row.id, row.title) for row in db.session.execute(
        select(WeeklyChallenge.id, WeeklyChallenge.title)
        .where(WeeklyChallenge.finalized_at.is_not(None))
        .order_by(WeeklyChallenge.voting_deadline.desc())
    )]

@dataclass(frozen=True)
class WantedPayout:
    """Who the results say a place's cash prize goes to."""

    user_id: int
    amount: Decimal
    currency: str


@dataclass
class PayoutChanges:
    """What ``sync_payouts`` did, each as (place, user id)."""

    created: list[tuple[int, int]] = field(default_factory=list)
    cancelled: list[tuple[int, int]] = field(default_factory=list)
    flagged: list[tuple[int, int]] = field(default_factory=list)
    unflagged: list[tuple[int, int]] = field(default_factory=list)

    def as_json(self) -> dict[str, list[list[int]]]:
        return {name: [list(pair) for pair in getattr(self, name)]
                for name in ("created", "cancelled", "flagged", "unflagged")}


def sync_payouts(challenge_id: uuid.UUID, wanted: dict[int, WantedPayout], now: datetime,
                 because: str) -> PayoutChanges:
    """Make a challenge's live payouts match ``wanted`` (place -> winner), writing only the
    differences. The caller holds the challenge's row lock.

    A live payout held by someone the place no longer goes to is cancelled if unpaid, or
    flagged for an editor if paid (its money and status stay). The winner of a place with no
    live payout of theirs gets a pending one; a flagged paid payout whose holder wins the place
    back is unflagged. Each change appends ``because`` to the payout's note (finalization,
    which only creates, passes an empty one)."""
    changes = PayoutChanges()
    live = db.session.scalars(
        select(Payout)
        .where(Payout.challenge_id == challenge_id, Payout.status != P.CANCELLED.value)
        .order_by(Payout.place, Payout.created_at)
        .with_for_update()  # an editor's move waits, then its compare-and-set sees ours
        .execution_options(populate_existing=True)
    ).all()
    names = _usernames({p.user_id for p in live} | {w.user_id for w in wanted.values()})
    stamp = f"{now:%Y-%m-%d %H:%M} UTC"
    for payout in live:
        want = wanted.get(payout.place)
        if want is not None and want.user_id == payout.user_id:
            if payout.needs_review:
                payout.needs_review = False
                _note(payout, f"{stamp} {because} @{names[payout.user_id]} holds place "
                              f"{payout.place} again; nothing to do.")
                changes.unflagged.append((payout.place, payout.user_id))
            continue
        to = f"@{names[want.user_id]}" if want is not None else "nobody"
        if payout.status in UNPAID:
            payout.status = P.CANCELLED.value
            payout.cancelled_at = payout.updated_at = now
            _note(payout, f"{stamp} {because} Place {payout.place} now goes to {to}; "
                          "cancelled.")
            changes.cancelled.append((payout.place, payout.user_id))
        elif not payout.needs_review:  # paid: never changed, only flagged
            payout.needs_review = True
            _note(payout, f"{stamp} {because} Place {payout.place} now goes to {to}, but this "
                          "payout was already paid: decide whether to recover it.")
            changes.flagged.append((payout.place, payout.user_id))
    held = {(p.place, p.user_id) for p in live}
    for place, want in sorted(wanted.items()):
        if (place, want.user_id) not in held:
            db.session.add(Payout(
                id=uuid.uuid4(), challenge_id=challenge_id, user_id=want.user_id, place=place,
                amount=want.amount, currency=want.currency, status=P.PENDING.value,
                reference="", failure_reason="", needs_review=False,
                review_note=f"{stamp} {because} Created for @{names[want.user_id]}."
                if because else "",
                created_at=now, updated_at=now))
            changes.created.append((place, want.user_id))
    db.session.flush()
    return changes


def resolve_review(payout_id: uuid.UUID, editor: User | None, note: str,
                   now: datetime) -> Payout:
    """An editor settles a flagged payout (e.g. the money was recovered, or written off):
    the flag goes, and what they did is added to its note. Status and amount never change."""
    if not can_see_unpublished(editor):
        raise EditorOnlyAction()
    assert editor is not None
    note = required_text(note, "note", 1000, "Say what was done about it")
    payout = db.session.get(Payout, payout_id, with_for_update=True, populate_existing=True)
    if payout is None:
        raise NotFound("No such payout.")
    if not payout.needs_review:
        raise InvalidPayoutMove("This payout is not flagged for review.")
    payout.needs_review = False
    _note(payout, f"{now:%Y-%m-%d %H:%M} UTC resolved by @{editor.username}: {note}")
    db.session.flush()
    return payout


def _note(payout: Payout, line: str) -> None:
    payout.review_note = f"{payout.review_note}\n{line}".strip()


def _usernames(user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    return dict(db.session.execute(
        select(User.id, User.username).where(User.id.in_(user_ids))).all())


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    """A CSV cell that spreadsheet apps will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def payouts_csv(challenge_id: uuid.UUID) -> tuple[str, str]:
    """(filename, CSV text) of one challenge's payouts, by place."""
    challenge = db.session.get(WeeklyChallenge, challenge_id)
    if challenge is None:
        raise NotFound("No such challenge.")
    approver, payer, failer = aliased(User), aliased(User), aliased(User)
    rows = db.session.execute(
        select(Payout, User.username, User.email, approver.username, payer.username,
               failer.username)
        .options(joinedload(Payout.challenge))
        .join(User, User.id == Payout.user_id)
        .outerjoin(approver, approver.id == Payout.approved_by_id)
        .outerjoin(payer, payer.id == Payout.paid_by_id)
        .outerjoin(failer, failer.id == Payout.failed_by_id)
        .where(Payout.challenge_id == challenge_id)
        .order_by(Payout.place)
    ).all()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["challenge", "place", "username", "email", "amount", "currency", "status",
                     "reference", "approved_by", "approved_at", "paid_by", "paid_at",
                     "failed_by", "failed_at", "failure_reason", "created_at", "cancelled_at",
                     "needs_review", "review_note"])
    for payout, username, email, approved_by, paid_by, failed_by in rows:
        writer.writerow([_cell(v) for v in (
            challenge.slug, payout.place, username, email, payout.amount, payout.currency,
            payout.status, payout.reference, approved_by, _iso(payout.approved_at), paid_by,
            _iso(payout.paid_at), failed_by, _iso(payout.failed_at), payout.failure_reason,
            _iso(payout.created_at), _iso(payout.cancelled_at),
            "yes" if payout.needs_review else "", payout.review_note)])
    return f"payouts-{challenge.slug}.csv", out.getvalue()


def _iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


def member_payouts(user_id: int) -> list[Payout]:
    """A member's cash prizes and where each stands (pending, approved, paid, failed), newest
    challenge first, with their challenges; cancelled ones (a place lost before payment) are
    left out. Read-only: for the member's own profile."""
    return list(db.session.scalars(
        select(Payout)
        .options(joinedload(Payout.challenge))
        .where(Payout.user_id == user_id, Payout.status != PayoutStatus.CANCELLED.value)
        .order_by(Payout.created_at.desc(), Payout.place)
    ))
