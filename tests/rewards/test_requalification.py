"""SPEC §3 and §6 after results: disqualifying or reinstating an entry of a finalized challenge
re-ranks it, and every derived fact follows (final ranks, place and top-10 points, token prizes,
participation and voting rewards, payouts, podium, the Redis board) by compensating ledger rows.
The ledger only grows; each step is idempotent; who, when and why is recorded.

The expected state after every step is computed here from the ranking alone (``expected``), not
by the code under test, and compared with the ledger, the balances, the payouts, the podium and
Redis.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from challenges.clock import utcnow
from challenges.errors import EditorOnlyAction, NotFound
from challenges.extensions import db, get_redis
from challenges.leaderboard.rebuild import rebuild
from challenges.models import (
    ChallengeSubmission,
    EntryModerationEvent,
    LedgerEntry,
    Payout,
    Role,
    User,
    WeeklyChallenge,
)
from challenges.services.entries import moderation_history, reinstate_entry
from challenges.services.listing import podiums
from challenges.services.payouts import move_payout
from challenges.transactions import commit_with_retry

from ..core.helpers import redis_board, redis_order, submit, vote
from .helpers import disqualify, finalize, points, tokens, withdraw

PRIZES = {
    "1st": {"type": "cash", "amount": 100, "currency": "USD"},
    "2nd": {"type": "tokens", "amount": 5000},
    "3rd": {"type": "cash", "amount": 50, "currency": "USD"},
    "participation": {"type": "tokens", "amount": 10},
    "voting_reward": {"type": "tokens", "amount": 100, "min_votes": 2},
}
PLACE_POINTS = {1: 500, 2: 300, 3: 200}
CASH = {1: "100.00", 3: "50.00"}
# Votes each author's entry receives; "a" wins, and also votes twice (a voting reward).
VOTES = {"a": 5, "b": 4, "c": 3, "d": 2, "e": 1}
RESULT_REASONS = ("place", "top_10", "prize", "participation", "voting_reward")


@dataclass
class Finalized:
    challenge: WeeklyChallenge
    authors: dict[str, User]
    entries: dict[str, ChallengeSubmission]
    voters: list[User]
    editor: User

    @property
    def winner(self) -> ChallengeSubmission:
        return self.entries["a"]


@pytest.fixture
def finalized(frozen_clock, make_challenge, make_user) -> Finalized:
    """A completed challenge with cash and token prizes, participation and voting rewards,
    five ranked authors, finalized."""
    challenge = make_challenge("completed", status="voting", prizes=PRIZES)
    frozen_clock.set(challenge.starts_at + timedelta(hours=30))  # active, no early birds
    authors = {name: make_user(username=f"author_{name}") for name in VOTES}
    voters = [make_user(username=f"voter{i}") for i in range(5)]
    entries = {name: submit(challenge, authors[name], title=f"Entry {name}") for name in VOTES}
    for name, wanted in VOTES.items():
        for voter in voters[:wanted]:
            vote(entries[name], voter)
    vote(entries["b"], authors["a"])
    vote(entries["c"], authors["a"])
    frozen_clock.set(challenge.voting_deadline + timedelta(hours=1))
    result = finalize(challenge)
    assert result["ranked"] == 5 and result["payouts"] == 2
    rebuild(get_redis(), challenge.id, utcnow())  # as the first page read after results would
    return Finalized(challenge, authors, entries, voters, make_user(role=Role.EDITOR))


# --- the expected state, from the ranking alone -----------------------------------------------


def votes_received(f: Finalized, name: str) -> int:
    """Votes on the author's entry (the "b" and "c" entries also have "a"'s vote)."""
    return VOTES[name] + (1 if name in ("b", "c") else 0)


def votes_cast(f: Finalized, user: User) -> int:
    if user.id == f.authors["a"].id:
        return 2
    index = next(i for i, v in enumerate(f.voters) if v.id == user.id)
    return sum(1 for wanted in VOTES.values() if wanted > index)


def expected_results(f: Finalized, ranking: list[str]) -> dict[tuple[int, str], int]:
    """(user id, reason) -> what that user should hold of the results, for ``ranking``."""
    held: dict[tuple[int, str], int] = defaultdict(int)
    for place, name in enumerate(ranking, start=1):
        user_id = f.authors[name].id
        if place <= 3:
            held[(user_id, "place")] += PLACE_POINTS[place]
        elif place <= 10:
            held[(user_id, "top_10")] += 100
        if place == 2:
            held[(user_id, "prize")] += 5000
        held[(user_id, "participation")] += 10
    for user in [f.authors["a"], *f.voters]:  # voting on 2+ entries, disqualified or not
        if votes_cast(f, user) >= 2:
            held[(user.id, "voting_reward")] += 100
    return dict(held)


def assert_state(f: Finalized, ranking: list[str], redis_client) -> None:
    """Everything derived from results agrees with ``ranking`` (author names, first first)."""
    db.session.expire_all()
    cid = f.challenge.id
    place_of = {name: place for place, name in enumerate(ranking, start=1)}
    # Final ranks, entry by entry (the disqualified one has none).
    ranks = {name: db.session.get(ChallengeSubmission, e.id).final_rank
             for name, e in f.entries.items()}
    assert ranks == {name: place_of.get(name) for name in VOTES}
    # Ledger sums per member and per result reason (reversals counted with their reason).
    held: dict[tuple[int, str], int] = defaultdict(int)
    for user_id, reason, amount in db.session.execute(
        select(LedgerEntry.user_id, LedgerEntry.reason, func.sum(LedgerEntry.amount))
        .where(LedgerEntry.challenge_id == cid)
        .group_by(LedgerEntry.user_id, LedgerEntry.reason)
    ):
        base = reason.removesuffix("_reversal")
        if base in RESULT_REASONS:
            held[(user_id, base)] += int(amount)
    assert {k: v for k, v in held.items() if v} == expected_results(f, ranking)
    # Balances: every point and token each member should have, from first principles.
    for name, author in f.authors.items():
        place = place_of.get(name)
        counting = name in place_of
        expected_points = (50 + (2 * votes_received(f, name) if counting else 0)
                           + 5 * (votes_cast(f, author) if name == "a" else 0)
                           + (PLACE_POINTS.get(place, 100) if place else 0))
        expected_tokens = ((10 if counting else 0) + (5000 if place == 2 else 0)
                           + (100 if name == "a" else 0))
        assert (points(author), tokens(author)) == (expected_points, expected_tokens), name
    for voter in f.voters:
        cast = votes_cast(f, voter)
        assert (points(voter), tokens(voter)) == (5 * cast, 100 if cast >= 2 else 0)
    # Payouts: each cash place has exactly one live payout for its winner, pending.
    live = {(p.place, p.user_id, p.status) for p in db.session.scalars(
        select(Payout).where(Payout.challenge_id == cid, Payout.status != "cancelled"))}
    assert live == {(place, f.authors[ranking[place - 1]].id, "pending") for place in CASH}
    amounts = {(p.place, str(p.amount)) for p in db.session.scalars(
        select(Payout).where(Payout.challenge_id == cid))}
    assert amounts == {(place, amount) for place, amount in CASH.items()}
    # Podium (the archive and the challenge page show it) and the Redis board.
    podium = [(e.final_rank, e.user_id) for e in podiums([cid])[cid]]
    assert podium == [(i, f.authors[name].id) for i, name in enumerate(ranking[:3], start=1)]
    assert redis_order(redis_client, f.challenge) == [f.authors[n].id for n in ranking]
    assert redis_board(redis_client, f.challenge) == {
        f.authors[n].id: float(votes_received(f, n)) for n in ranking}
    db.session.rollback()


# --- the ledger only grows ---------------------------------------------------------------------


def ledger_snapshot() -> dict[int, tuple]:
    db.session.expire_all()
    snapshot = {row[0]: tuple(row) for row in db.session.execute(
        select(LedgerEntry.id, LedgerEntry.user_id, LedgerEntry.currency, LedgerEntry.amount,
               LedgerEntry.reason, LedgerEntry.idempotency_key, LedgerEntry.challenge_id,
               LedgerEntry.submission_id, LedgerEntry.created_at))}
    db.session.rollback()
    return snapshot


def assert_only_grew(before: dict[int, tuple], after: dict[int, tuple]) -> None:
    assert len(after) >= len(before)
    assert {i: after.get(i) for i in before} == before, "a ledger row changed or went"


# --- the two ways to act: the service (as the admin calls it) and the CLI ----------------------


Step = Callable[[Finalized, str], None]


def service_step(f: Finalized, action: str) -> None:
    if action == "disqualify":
        disqualify(f.winner, f.editor, "Copied from another artist")
    else:
        commit_with_retry(lambda: reinstate_entry(f.winner.id, f.editor, utcnow(),
                                                  "The artist proved it is theirs"))


def cli_step(runner: Any) -> Step:
    def step(f: Finalized, action: str) -> None:
        args = ["submissions", action, str(f.winner.id)]
        if action == "disqualify":
            args += ["--reason", "Copied from another artist"]
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
        db.session.expire_all()

    return step


SEQUENCE = [  # (action, the ranking after it, whether it writes anything)
    ("disqualify", ["b", "c", "d", "e"], True),
    ("disqualify", ["b", "c", "d", "e"], False),
    ("reinstate", ["a", "b", "c", "d", "e"], True),
    ("reinstate", ["a", "b", "c", "d", "e"], False),
    ("disqualify", ["b", "c", "d", "e"], True),
    ("disqualify", ["b", "c", "d", "e"], False),
    ("reinstate", ["a", "b", "c", "d", "e"], True),
    ("reinstate", ["a", "b", "c", "d", "e"], False),
]


@pytest.fixture(params=["service", "cli"])
def step(request, runner) -> Step:
    return service_step if request.param == "service" else cli_step(runner)


def payout_rows() -> list[tuple]:
    db.session.expire_all()
    rows = sorted((str(p.id), p.place, p.user_id, p.status) for p in db.session.scalars(
        select(Payout)))
    db.session.rollback()
    return rows


def test_disqualifying_and_reinstating_the_winner_after_results_twice_keeps_every_fact_true(
    finalized, step, redis_client
):
    """On each database, through the service and through the CLI: disqualify the 1st-place
    entry, then reinstate it, each twice, and the whole cycle once more. After every step the
    ranks, ledger sums, balances, payouts, podium and Redis board are right, the ledger only
    grew, and a repeated step writes no ledger row, no payout and no audit row.

    RELIABILITY #7: voiding votes recomputes ranks and rewards (vote-ring flags: issue #13)."""
    f = finalized
    assert_state(f, ["a", "b", "c", "d", "e"], redis_client)
    revisions = 0
    for action, ranking, writes in SEQUENCE:
        before, payouts_before = ledger_snapshot(), payout_rows()
        events_before = len(moderation_history(f.winner.id))
        step(f, action)
        after = ledger_snapshot()
        assert_only_grew(before, after)
        assert_state(f, ranking, redis_client)
        events = moderation_history(f.winner.id)
        if writes:
            revisions += 1
            assert len(after) > len(before)
            assert len(events) == events_before + 1
            assert (events[-1].action, events[-1].results_revision) == (action, revisions)
        else:
            assert after == before
            assert payout_rows() == payouts_before
            assert len(events) == events_before
    # Each revision wrote its own rows: keys never repeat, and four revisions were recorded.
    keys = Counter(row[5] for row in ledger_snapshot().values())
    assert max(keys.values()) == 1
    assert revisions == 4
    # Payouts: every winner change cancelled the loser's and created the gainer's (2 places x
    # 4 changes), none was ever deleted.
    statuses = Counter(row[3] for row in payout_rows())
    assert statuses == {"pending": 2, "cancelled": 8}


def test_the_audit_records_who_when_why_and_what_changed(finalized, frozen_clock, runner):
    f = finalized
    disqualified_at = frozen_clock.now
    disqualify(f.winner, f.editor, "Copied from another artist")
    frozen_clock.advance(timedelta(hours=2))
    result = runner.invoke(args=["submissions", "reinstate", str(f.winner.id),
                                 "--reason", "Appeal upheld"])
    assert result.exit_code == 0, result.output
    assert "reinstate by cli" in result.output and "results revision 2" in result.output
    first, second = moderation_history(f.winner.id)
    assert (first.action, first.actor, first.actor_id, first.reason, first.created_at) == (
        "disqualify", f"@{f.editor.username}", f.editor.id, "Copied from another artist",
        disqualified_at)
    a, b = f.authors["a"].id, f.authors["b"].id
    assert [a, 1, None] in first.effects["ranks"] and [b, 2, 1] in first.effects["ranks"]
    assert first.effects["payouts"]["cancelled"] == [[1, a], [3, f.authors["c"].id]]
    assert (second.action, second.actor, second.actor_id, second.reason) == (
        "reinstate", "cli", None, "Appeal upheld")
    assert second.created_at == disqualified_at + timedelta(hours=2)


def test_cli_acts_as_a_named_editor_and_refuses_a_non_editor(finalized, runner, make_user):
    f = finalized
    member = make_user(username="plainmember")
    refused = runner.invoke(args=["submissions", "disqualify", str(f.winner.id), "--reason", "x",
                                  "--as-editor", "plainmember"])
    assert refused.exit_code != 0 and member.id
    result = runner.invoke(args=["submissions", "disqualify", str(f.winner.id), "--reason", "x",
                                 "--as-editor", f.editor.username])
    assert result.exit_code == 0, result.output
    assert moderation_history(f.winner.id)[-1].actor == f"@{f.editor.username}"
    again = runner.invoke(args=["submissions", "disqualify", str(f.winner.id), "--reason", "x"])
    assert again.exit_code == 0 and "nothing to change" in again.output


def test_cli_needs_a_reason_to_disqualify_and_an_existing_entry(finalized, runner):
    no_reason = runner.invoke(args=["submissions", "disqualify", str(finalized.winner.id)])
    assert no_reason.exit_code != 0 and "--reason" in no_reason.output
    blank = runner.invoke(args=["submissions", "disqualify", str(finalized.winner.id),
                                "--reason", "  "])
    assert blank.exit_code != 0 and "Say why" in blank.output
    unknown = runner.invoke(args=["submissions", "reinstate", "not-an-id"])
    assert unknown.exit_code != 0
    missing = runner.invoke(args=["submissions", "reinstate",
                                  "00000000-0000-0000-0000-000000000000"])
    assert missing.exit_code != 0 and "No such entry." in missing.output


def test_a_paid_payout_of_the_disqualified_winner_is_flagged_never_changed(finalized,
                                                                           redis_client):
    f = finalized
    a, b = f.authors["a"], f.authors["b"]
    paid = db.session.scalar(select(Payout).where(Payout.user_id == a.id))
    for action, fields in (("approve", {}), ("pay", {"reference": "SEPA-1"})):
        commit_with_retry(lambda a=action, kw=fields: move_payout(paid.id, a, f.editor, utcnow(),
                                                                  **kw))
    disqualify(f.winner, f.editor, "Copied")
    db.session.expire_all()
    flagged = db.session.get(Payout, paid.id)
    assert (flagged.status, flagged.user_id, str(flagged.amount), flagged.reference) == (
        "paid", a.id, "100.00", "SEPA-1")
    assert flagged.needs_review and "already paid" in flagged.review_note
    first_place = db.session.scalars(select(Payout).where(
        Payout.place == 1, Payout.status != "cancelled")).all()
    assert sorted((p.user_id, p.status) for p in first_place) == sorted(
        [(a.id, "paid"), (b.id, "pending")])
    disqualify(f.winner, f.editor, "Copied")  # again: nothing more is flagged or created
    # Reinstated: the paid payout is right again (unflagged, untouched); b's pending one goes.
    commit_with_retry(lambda: reinstate_entry(f.winner.id, f.editor, utcnow()))
    db.session.expire_all()
    again = db.session.get(Payout, paid.id)
    assert (again.status, again.reference, again.needs_review) == ("paid", "SEPA-1", False)
    assert "holds place 1 again" in again.review_note
    assert [p.status for p in db.session.scalars(
        select(Payout).where(Payout.user_id == b.id))] == ["cancelled"]


def test_disqualifying_before_finalization_changes_no_results_until_finalization(
    frozen_clock, make_challenge, make_user, redis_client
):
    """Before results nothing is re-ranked (no revision); finalization ranks what it finds."""
    challenge = make_challenge("completed", status="voting", prizes=PRIZES)
    frozen_clock.set(challenge.starts_at + timedelta(hours=30))
    editor = make_user(role=Role.EDITOR)
    first, second = make_user(), make_user()
    top = submit(challenge, first, title="Top")
    runner_up = submit(challenge, second, title="Runner-up")
    vote(top, make_user())
    disqualify(top, editor)
    assert moderation_history(top.id)[-1].results_revision is None
    commit_with_retry(lambda: reinstate_entry(top.id, editor, utcnow()))
    disqualify(top, editor, "Again")
    frozen_clock.set(challenge.voting_deadline)
    finalize(challenge)
    db.session.expire_all()
    assert db.session.get(ChallengeSubmission, top.id).final_rank is None
    assert db.session.get(ChallengeSubmission, runner_up.id).final_rank == 1
    assert points(first) == 50 and tokens(first) == 0  # its vote's 2 points went
    assert db.session.scalar(select(func.count()).select_from(EntryModerationEvent)) == 3


def test_only_editors_or_operators_may_reinstate(finalized, make_user):
    member = make_user()
    disqualify(finalized.winner, finalized.editor)
    with pytest.raises(EditorOnlyAction):
        reinstate_entry(finalized.winner.id, member, utcnow())
    with pytest.raises(EditorOnlyAction):
        reinstate_entry(finalized.winner.id, None, utcnow())
    db.session.rollback()


def test_a_withdrawn_entry_cannot_be_reinstated(make_challenge, make_user):
    challenge = make_challenge("active")
    entry = submit(challenge, make_user())
    editor = make_user(role=Role.EDITOR)
    disqualify(entry, editor)
    withdraw(entry)
    with pytest.raises(NotFound):
        reinstate_entry(entry.id, editor, utcnow())
    db.session.rollback()


# --- the admin: the same service, the history on the details page, the payout flag ------------


def test_admin_disqualifies_and_reinstates_through_the_same_service_and_shows_the_history(
    finalized, client, login, redis_client
):
    f = finalized
    login(client, f.editor)
    winner = str(f.winner.id)
    response = client.post_form("/admin/submissions/disqualify/",
                                {"id": winner, "reason": "Copied <b>work</b>"})
    assert response.status_code == 302
    assert_state(f, ["b", "c", "d", "e"], redis_client)
    page = client.get(f"/admin/submissions/details/?id={winner}").get_data(as_text=True)
    assert 'data-testid="moderation-history"' in page
    assert f"@{f.editor.username}" in page and "Copied &lt;b&gt;work&lt;/b&gt;" in page
    assert "Revision 1" in page and "Reinstate entry" in page
    response = client.post_form("/admin/submissions/reinstate/",
                                {"id": winner, "reason": "Appeal upheld"})
    assert response.status_code == 302
    assert_state(f, ["a", "b", "c", "d", "e"], redis_client)
    page = client.get(f"/admin/submissions/details/?id={winner}").get_data(as_text=True)
    assert "Appeal upheld" in page and "Revision 2" in page and "Disqualify entry" in page
    blank = client.post_form("/admin/submissions/disqualify/", {"id": winner, "reason": " "},
                             follow_redirects=True)
    assert "Say why the entry is disqualified (at most 1,000 characters)." in blank.get_data(
        as_text=True)
    assert len(moderation_history(f.winner.id)) == 2


def test_admin_shows_a_flagged_paid_payout_and_an_editor_resolves_it(finalized, client, login):
    f = finalized
    paid = db.session.scalar(select(Payout).where(Payout.user_id == f.authors["a"].id))
    for action, fields in (("approve", {}), ("pay", {"reference": "SEPA-7"})):
        commit_with_retry(lambda a=action, kw=fields: move_payout(paid.id, a, f.editor, utcnow(),
                                                                  **kw))
    disqualify(f.winner, f.editor, "Copied")
    login(client, f.editor)
    page = client.get(f"/admin/payouts/details/?id={paid.id}").get_data(as_text=True)
    assert 'data-testid="payout-review"' in page and "already paid" in page
    response = client.post_form("/admin/payouts/resolve/",
                                {"id": str(paid.id), "note": "Recovered by bank transfer"})
    assert response.status_code == 302
    db.session.expire_all()
    resolved = db.session.get(Payout, paid.id)
    assert (resolved.status, resolved.reference, resolved.needs_review) == ("paid", "SEPA-7",
                                                                            False)
    assert f"resolved by @{f.editor.username}: Recovered by bank transfer" in resolved.review_note
    page = client.get(f"/admin/payouts/details/?id={paid.id}").get_data(as_text=True)
    assert 'data-testid="payout-review"' not in page


@pytest.mark.postgres_only
def test_concurrent_identical_steps_apply_once(app, finalized, redis_client):
    """Three editors disqualify the winner at once, then three reinstate it at once: each
    time exactly one of them changes anything (one audit row, one revision)."""
    from challenges.services.entries import disqualify_entry

    from ..support.concurrency import run_concurrently

    f = finalized
    entry_id, editor_id = f.winner.id, f.editor.id

    def act(action: str) -> Callable[[int], Any]:
        def work(i: int) -> Any:
            editor = db.session.get(User, editor_id)
            if action == "disqualify":
                return commit_with_retry(lambda: disqualify_entry(entry_id, editor, "Copied",
                                                                  utcnow()).is_disqualified)
            return commit_with_retry(lambda: reinstate_entry(entry_id, editor,
                                                             utcnow()).is_disqualified)
        return work

    for action, ranking in (("disqualify", ["b", "c", "d", "e"]),
                            ("reinstate", ["a", "b", "c", "d", "e"])):
        results = run_concurrently(app, act(action), 3)
        assert not any(isinstance(r, BaseException) for r in results), results
        assert_state(f, ranking, redis_client)
    history = moderation_history(f.winner.id)
    assert [(e.action, e.results_revision) for e in history] == [("disqualify", 1),
                                                                 ("reinstate", 2)]


def test_pages_follow_the_results_archive_podium_and_profile(finalized, client):
    """What a visitor sees: the archive's and the challenge page's podium no longer show (or
    link to) the disqualified entry, the profile no longer claims its place; reinstated, all
    comes back."""
    f = finalized
    slug, winner = f.challenge.slug, f.winner

    def pages() -> tuple[str, str, str]:
        return tuple(client.get(url).get_data(as_text=True) for url in (
            "/challenges/", f"/challenges/{slug}/", f"/u/{f.authors['a'].username}"))

    archive, detail, profile = pages()
    assert str(winner.id) in archive and str(winner.id) in detail and "1st" in profile
    disqualify(winner, f.editor, "Copied")
    archive, detail, profile = pages()
    assert str(winner.id) not in archive and str(winner.id) not in detail
    assert str(f.entries["b"].id) in archive and "1st" not in profile
    assert client.get(f"/challenges/{slug}/submissions/{winner.id}/").status_code == 404
    commit_with_retry(lambda: reinstate_entry(winner.id, f.editor, utcnow()))
    archive, detail, profile = pages()
    assert str(winner.id) in archive and str(winner.id) in detail and "1st" in profile


def test_csv_export_shows_cancelled_and_flagged_payouts(finalized, client, login):
    f = finalized
    disqualify(f.winner, f.editor, "=cmd|' /C calc'!A0")  # a formula in the reason stays text
    login(client, f.editor)
    text = client.get(f"/admin/payouts/export.csv?challenge={f.challenge.id}").get_data(
        as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sorted((r["place"], r["username"], r["status"]) for r in rows) == [
        ("1", "author_a", "cancelled"), ("1", "author_b", "pending"),
        ("3", "author_c", "cancelled"), ("3", "author_d", "pending")]
    cancelled = next(r for r in rows if r["username"] == "author_a")
    assert cancelled["cancelled_at"] and "now goes to @author_b" in cancelled["review_note"]
    assert all(not r["review_note"].startswith("=") for r in rows)
