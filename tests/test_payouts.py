"""Payouts in the admin: pending -> approved -> paid | failed, who and when, CSV export."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from challenges.extensions import db
from challenges.models import Payout, Role


@pytest.fixture
def payout(make_challenge, make_user):
    challenge = make_challenge("completed", slug="payday")
    winner = make_user("winner")
    row = Payout(challenge=challenge, user=winner, place=1, amount=Decimal("100.00"),
                 currency="USD")
    db.session.add(row)
    db.session.commit()
    return row


@pytest.fixture
def editor(client, login, make_user):
    user = make_user("ed", role=Role.EDITOR)
    login(client, user)
    return user


def move(client, payout, action, **fields):
    token = client.csrf_token()
    return client.post("/admin/payouts/move/", data={"csrf_token": token, "id": str(payout.id),
                                                     "action": action, **fields})


def reload(payout):
    db.session.expire_all()
    return db.session.get(Payout, payout.id)


def test_payout_goes_pending_approved_paid_recording_who_and_when(client, editor, payout,
                                                                  frozen_clock):
    assert move(client, payout, "approve").status_code == 302
    approved = reload(payout)
    assert approved.status == "approved"
    assert approved.approved_by_id == editor.id and approved.approved_at == frozen_clock.now
    frozen_clock.advance(hours=1)
    move(client, payout, "pay", reference="SEPA-2026-0042")
    paid = reload(payout)
    assert (paid.status, paid.reference, paid.paid_by_id) == ("paid", "SEPA-2026-0042", editor.id)
    assert paid.paid_at == frozen_clock.now


def test_paying_needs_a_reference_and_failing_needs_a_reason(client, editor, payout):
    move(client, payout, "approve")
    response = move(client, payout, "pay", reference="  ")
    assert reload(payout).status == "approved"
    assert "payment reference" in client.get(response.location).get_data(as_text=True)
    move(client, payout, "fail", reason="Bank account closed")
    failed = reload(payout)
    assert (failed.status, failed.failure_reason, failed.failed_by_id) == (
        "failed", "Bank account closed", editor.id)
    move(client, payout, "retry")
    assert reload(payout).status == "pending"


@pytest.mark.parametrize("action", ["retry", "approve", "fail"])
def test_paid_payouts_are_final(client, editor, payout, action):
    move(client, payout, "approve")
    move(client, payout, "pay", reference="REF-1")
    response = move(client, payout, action, reason="x")
    assert reload(payout).status == "paid"
    assert "cannot be moved" in client.get(response.location).get_data(as_text=True)


def test_steps_cannot_be_skipped(client, editor, payout):
    move(client, payout, "pay", reference="REF-1")  # pending -> paid skips approval
    assert reload(payout).status == "pending"
    move(client, payout, "nonsense")
    assert reload(payout).status == "pending"


@pytest.mark.parametrize("role", [None, Role.MEMBER, Role.SPONSOR])
def test_non_editors_cannot_use_any_payout_url(client, login, make_user, payout, role):
    if role is not None:
        login(client, make_user(role=role))
    token = client.csrf_token()
    for url in ("/admin/payouts/", f"/admin/payouts/details/?id={payout.id}",
                f"/admin/payouts/export.csv?challenge={payout.challenge_id}"):
        response = client.get(url)
        assert response.status_code in (302, 403) and response.status_code != 200
    response = client.post("/admin/payouts/move/", data={"csrf_token": token,
                                                         "id": str(payout.id),
                                                         "action": "approve"})
    assert response.status_code in (302, 403)
    assert reload(payout).status == "pending"


def test_csv_export_lists_a_challenges_payouts_with_who_and_when(client, editor, payout):
    move(client, payout, "approve")
    response = client.get(f"/admin/payouts/export.csv?challenge={payout.challenge_id}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "payouts-payday.csv" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 1
    assert rows[0]["username"] == "winner" and rows[0]["amount"] == "100.00"
    assert rows[0]["status"] == "approved" and rows[0]["approved_by"] == "ed"
    assert rows[0]["approved_at"]


def test_csv_cells_cannot_smuggle_spreadsheet_formulas(client, editor, payout):
    move(client, payout, "approve")
    move(client, payout, "pay", reference="=HYPERLINK(\"http://evil\")")
    text = client.get(f"/admin/payouts/export.csv?challenge={payout.challenge_id}").get_data(
        as_text=True)
    assert "'=HYPERLINK" in text
