"""SPEC §7: finalization is idempotent and resumable. A worker killed half-way, two runs at once
and a third run all leave exactly the ledger, ranks and payouts of one uninterrupted run.

The reference result comes from a twin: a second challenge built from the same members with the
same entries, votes and editor actions, finalized once without interruption. Keys and entry ids
differ between the twins, so the ledgers are compared with those ids replaced by labels.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from rq.job import Job, JobStatus
from sqlalchemy import func, select

from challenges.extensions import db
from challenges.leaderboard.standings import standings_from_votes
from challenges.models import ChallengeSubmission, LedgerEntry, Payout, Role, User, WeeklyChallenge
from jobs.connection import rq_connection
from jobs.finalize import enqueue_finalization, job_id

from ..core.helpers import submit, vote
from ..support.concurrency import run_concurrently
from .helpers import challenge_ledger, disqualify, feature, final_ranks, finalize, payouts, withdraw
from .processes import wait_for

PRIZES = {
    "1st": {"type": "cash", "amount": 100, "currency": "USD"},
    "2nd": {"type": "tokens", "amount": 5000},
    "3rd": {"type": "cash", "amount": "50.50", "currency": "USD"},
    "4th": {"type": "tokens", "amount": 1000},
    "participation": {"type": "tokens", "amount": 10},
    "voting_reward": {"type": "tokens", "amount": 100, "min_votes": 10},
}
# Votes wanted per entry, in entry order: ties on 5 and on 1 (the tie rule decides places).
VOTES = [3, 5, 5, 8, 1, 1, 2, 4, 5, 7, 0, 1, 6, 3, 9, 2, 5, 1, 0, 4]


@dataclass
class Cast:
    authors: list[User]
    voters: list[User]
    editor: User


def populate(challenge: WeeklyChallenge, cast: Cast, frozen_clock) -> None:
    """Entries, votes and editor actions, the same for every challenge it is given."""
    frozen_clock.set(challenge.starts_at + timedelta(hours=30))  # active
    entries: list[ChallengeSubmission] = []
    for i, author in enumerate(cast.authors):
        entries.append(submit(challenge, author, title=f"Entry {i}"))
        if i % 4 == 0:
            entries.append(submit(challenge, author, title=f"Extra {i}"))
    for entry, wanted in zip(entries, VOTES, strict=False):
        for voter in cast.voters[:wanted]:
            vote(entry, voter)
    feature(entries[1], cast.editor)
    feature(entries[5], cast.editor)
    disqualify(entries[3], cast.editor)  # the most votes, and no place
    withdraw(entries[8])
    db.session.execute(  # featured without the service (as an old admin form might): the
        ChallengeSubmission.__table__.update()  # featured points then come from finalization
        .where(ChallengeSubmission.id == entries[9].id).values(is_featured=True))
    db.session.commit()


@pytest.fixture
def cast(make_user) -> Cast:
    return Cast([make_user(username=f"author{i}") for i in range(16)],
                [make_user(username=f"voter{i}") for i in range(10)],
                make_user(role=Role.EDITOR))


@pytest.fixture
def twins(frozen_clock, make_challenge, cast):
    """Two identical challenges, past their voting deadline in real time (so a worker process,
    on the real clock, may finalize them); the app clock is set to the real now."""
    pair = []
    for _ in range(2):
        challenge = make_challenge("completed", status="voting", prizes=PRIZES)
        populate(challenge, cast, frozen_clock)
        pair.append(challenge)
    frozen_clock.set(datetime.now(UTC))
    return pair


def assert_same_outcome(challenge: WeeklyChallenge, reference: WeeklyChallenge) -> None:
    db.session.expire_all()
    assert challenge_ledger(challenge.id) == challenge_ledger(reference.id)
    ranks = final_ranks(challenge.id)
    assert ranks == final_ranks(reference.id)
    # ... and they are the ranking aggregated independently from the votes table.
    assert sorted(ranks, key=ranks.__getitem__) == [row[0] for row in
                                                    standings_from_votes(challenge.id)]
    assert payouts(challenge.id) == payouts(reference.id)
    assert len(payouts(challenge.id)) == 2
    for c in (challenge, reference):
        db.session.refresh(c)
        assert c.status == "completed" and c.finalized_at and c.results_published_at


def counts(challenge_id) -> tuple[int, int]:
    db.session.expire_all()
    return (
        db.session.scalar(select(func.count()).select_from(LedgerEntry)
                          .where(LedgerEntry.challenge_id == challenge_id)),
        db.session.scalar(select(func.count()).select_from(Payout)
                          .where(Payout.challenge_id == challenge_id)),
    )


def nothing_final(challenge_id) -> bool:
    db.session.expire_all()
    challenge = db.session.get(WeeklyChallenge, challenge_id)
    ranked = db.session.scalar(select(func.count()).select_from(ChallengeSubmission).where(
        ChallengeSubmission.challenge_id == challenge_id,
        ChallengeSubmission.final_rank.is_not(None)))
    placed = db.session.scalar(select(func.count()).select_from(LedgerEntry).where(
        LedgerEntry.challenge_id == challenge_id, LedgerEntry.reason.in_(("place", "top_10"))))
    result = (challenge.finalized_at is None and ranked == 0 and placed == 0
              and counts(challenge_id)[1] == 0)
    db.session.rollback()
    return result


def test_the_twins_are_a_meaningful_reference(twins):
    """The reference run ranks, grants and pays out something of every kind."""
    _, reference = twins
    result = finalize(reference)
    assert result["ranked"] == 14 and result["payouts"] == 2 and not result["already_done"]
    reasons = {key[3] for key in challenge_ledger(reference.id)}
    assert reasons == {"place", "top_10", "prize", "featured", "participation", "voting_reward"}


@pytest.mark.slow
def test_a_worker_killed_half_way_leaves_nothing_and_a_rerun_gives_the_uninterrupted_result(
    twins, spawn, redis_url
):
    """A real ``python -m jobs.worker`` process runs the job; the FINALIZE_PAUSE_AFTER_STEP hook
    holds it after the "ledger" step (ranks stored, grants inserted, nothing committed). Once
    job.meta says so, the worker and its work horse (which RQ puts in a process group of its
    own) and RQ's scheduler child are SIGKILLed, group by group. Nothing of the run survives,
    and running the job again gives exactly the uninterrupted twin's ledger, ranks and
    payouts.

    RELIABILITY #28: a worker killed mid-finalize: nothing half-done, each reward once."""
    challenge, reference = twins
    expected = finalize(reference)

    worker = spawn("worker", "jobs.worker", FINALIZE_PAUSE_AFTER_STEP="ledger")
    assert enqueue_finalization(challenge.id)
    connection = rq_connection(redis_url)

    def half_way() -> dict | None:
        meta = Job.fetch(job_id(challenge.id), connection=connection).get_meta()
        return meta if meta.get("paused_after") == "ledger" else None

    meta = wait_for(half_way, 60, "the job to finish its ledger step", (worker,))
    assert meta["progress"] == {"step": "payouts", "done": 0}  # ranked and granted, no payouts
    assert nothing_final(challenge.id)  # all of it is still inside the worker's transaction

    worker.kill_group()
    assert Job.fetch(job_id(challenge.id), connection=connection).get_status() == \
        JobStatus.STARTED  # died mid-job: RQ never heard back
    assert nothing_final(challenge.id)

    rerun = finalize(challenge)  # the job again, in this process
    assert rerun == expected
    assert_same_outcome(challenge, reference)


@pytest.mark.postgres_only
def test_two_concurrent_runs_give_the_same_result_and_only_one_does_the_work(app, twins):
    """RELIABILITY #29: jobs run twice or concurrently change nothing twice."""
    from jobs.finalize import finalize_challenge

    challenge, reference = twins
    expected = finalize(reference)
    challenge_id = str(challenge.id)
    results = run_concurrently(app, lambda i: finalize_challenge(challenge_id), 2)
    assert not any(isinstance(r, BaseException) for r in results), results
    assert sorted(r["already_done"] for r in results) == [False, True]
    assert next(r for r in results if not r["already_done"]) == expected
    assert_same_outcome(challenge, reference)


def test_a_third_run_inserts_nothing(twins):
    """RELIABILITY #28, #29: a rerun after a crash or a success inserts nothing: every
    reward has a unique key."""
    challenge, reference = twins
    finalize(reference)
    first = finalize(challenge)
    assert not first["already_done"]
    after_first = counts(challenge.id)
    assert after_first[1] == 2
    for _ in range(2):
        again = finalize(challenge)
        assert again == {"ranked": 0, "ledger_rows": 0, "payouts": 0, "already_done": True}
        assert counts(challenge.id) == after_first
    # Even a run that does all the work again (the finalized mark lost) inserts nothing: every
    # row it writes has a unique key.
    db.session.execute(WeeklyChallenge.__table__.update()
                       .where(WeeklyChallenge.id == challenge.id).values(finalized_at=None))
    db.session.commit()
    redo = finalize(challenge)
    assert redo["ledger_rows"] == 0 and redo["payouts"] == 0 and not redo["already_done"]
    assert counts(challenge.id) == after_first
    assert_same_outcome(challenge, reference)


# --- flask challenges finalize SLUG ------------------------------------------------------------


def test_cli_finalize_prints_what_it_did_and_a_rerun_changes_nothing(runner, twins):
    challenge, reference = twins
    expected = finalize(reference)
    slug = challenge.slug
    result = runner.invoke(args=["challenges", "finalize", slug])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        f"{slug} finalized: {expected['ranked']} ranked, {expected['ledger_rows']} ledger rows, "
        f"{expected['payouts']} payouts.")
    result = runner.invoke(args=["challenges", "finalize", slug])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"{slug} was already final; nothing changed."
    assert_same_outcome(challenge, reference)


def test_cli_finalize_refuses_before_the_voting_deadline(runner, frozen_clock, make_challenge,
                                                         make_user):
    challenge = make_challenge("voting")
    frozen_clock.set(challenge.voting_deadline - timedelta(seconds=1))
    result = runner.invoke(args=["challenges", "finalize", challenge.slug])
    assert result.exit_code != 0
    assert "Voting has not closed yet; results cannot be final." in result.output
    db.session.expire_all()
    assert db.session.get(WeeklyChallenge, challenge.id).finalized_at is None


def test_cli_finalize_unknown_slug_is_an_error(runner):
    result = runner.invoke(args=["challenges", "finalize", "no-such-challenge"])
    assert result.exit_code != 0
    assert "No challenge with slug 'no-such-challenge'." in result.output
