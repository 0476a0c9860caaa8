"""Cash payouts (SPEC §6): pending -> approved -> paid (with a reference) or failed; who and
when are recorded. Each move is a compare-and-set, so two editors clicking at once cannot
both move the same payout, and no move skips a step or goes backwards."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import aliased, joinedload

from ..errors import Conflict, EditorOnlyAction, NotFound, ValidationFailed
from ..extensions import db
from ..models import Payout, PayoutStatus, User, WeeklyChallenge
from .challenges import can_see_unpublished

P = PayoutStatus
# action -> (the statuses it may start from, the status it leads to)
MOVES: dict[str, tuple[frozenset[PayoutStatus], PayoutStatus]] = {
    "approve": (frozenset({P.PENDING}), P.APPROVED),
    "pay": (frozenset({P.APPROVED}), P.PAID),
    "fail": (frozenset({P.PENDING, P.APPROVED}), P.FAILED),
    "retry": (frozenset({P.FAILED}), P.PENDING),
}


class InvalidPayoutMove(Conflict):
    code = "invalid_payout_move"
    default_message = "That payout cannot make that move from its current status."


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
        reference = reference.strip()
        if not reference or len(reference) > 200:
            raise ValidationFailed({"reference": "Give the payment reference (at most 200 "
                                    "characters), e.g. the transfer id."})
        values |= {"paid_by_id": editor.id, "paid_at": now, "reference": reference}
    elif action == "fail":
        reason = reason.strip()
        if not reason or len(reason) > 1000:
            raise ValidationFailed({"reason": "Say why the payout failed (at most 1,000 "
                                    "characters)."})
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
                     "failed_by", "failed_at", "failure_reason", "created_at"])
    for payout, username, email, approved_by, paid_by, failed_by in rows:
        writer.writerow([_cell(v) for v in (
            challenge.slug, payout.place, username, email, payout.amount, payout.currency,
            payout.status, payout.reference, approved_by, _iso(payout.approved_at), paid_by,
            _iso(payout.paid_at), failed_by, _iso(payout.failed_at), payout.failure_reason,
            _iso(payout.created_at))])
    return f"payouts-{challenge.slug}.csv", out.getvalue()


def _iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""
