"""What is due when, and for whom: ``flask notify due`` queues each notification email at its
moment, for its audience, exactly once (outbox key), set-based (no query per member)."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select

from challenges.clock import utcnow
from challenges.extensions import db
from challenges.models import ChallengeSubmission
from challenges.notifications.due import Due, due_at, iso_week, queue_page, run_due
from challenges.notifications.kinds import NotificationKind
from challenges.notifications.outbox import EmailOutbox
from challenges.notifications.preferences import set_preferences
from challenges.transactions import commit_with_retry
from tests.core.helpers import submit, vote
from tests.rewards.helpers import finalize, withdraw
from tests.rewards.processes import ROOT, process_env
from tests.support.concurrency import run_concurrently

K = NotificationKind
H = timedelta(hours=1)
D = timedelta(days=1)


# --- helpers shared with test_kinds.py ---------------------------------------------------------

def schedule(now: datetime, *, started: timedelta, submissions_left: timedelta,
             voting_after: timedelta = 2 * D) -> dict[str, datetime]:
    """Deadlines relative to ``now``: started ``started`` ago, submissions close in
    ``submissions_left``, voting ends ``voting_after`` after that."""
    closes = now + submissions_left
    return {"starts_at": now - started, "submission_deadline": closes,
            "voting_deadline": closes + voting_after, "ends_at": closes + voting_after}


def queued(kind: NotificationKind | None = None) -> list[EmailOutbox]:
    """The outbox rows (of ``kind``), oldest first."""
    db.session.expire_all()
    query = select(EmailOutbox).order_by(EmailOutbox.id)
    if kind is not None:
        query = query.where(EmailOutbox.kind == kind.value)
    return list(db.session.scalars(query))


def recipients(kind: NotificationKind, challenge=None) -> set[str]:
    """Usernames (from the address) that ``kind`` was queued for."""
    rows = queued(kind)
    if challenge is not None:
        rows = [r for r in rows if r.challenge_id == challenge.id]
    return {r.to_address.split("@")[0] for r in rows}


def turn(user, kind: NotificationKind, on: bool) -> None:
    commit_with_retry(lambda: set_preferences(user.id, {kind: on}, utcnow()))


def old_user(make_user, name: str):
    """An account from long ago that never took part: not a member (60-day rule)."""
    return make_user(name, created_at=utcnow() - timedelta(days=90))


def due_kinds(now: datetime) -> set[tuple[str, str]]:
    return {(d.kind.value, d.label) for d in due_at(now)}


# --- when ---------------------------------------------------------------------------------------

def test_started_is_due_for_twelve_hours_from_the_start(frozen_clock, make_challenge):
    now = frozen_clock.now
    challenge = make_challenge("active", **schedule(now, started=H, submissions_left=3 * D))
    assert (K.CHALLENGE_STARTED.value, challenge.slug) in due_kinds(now)
    assert (K.CHALLENGE_STARTED.value, challenge.slug) in due_kinds(now + 10 * H)
    assert (K.CHALLENGE_STARTED.value, challenge.slug) not in due_kinds(now + 11 * H)
    assert (K.CHALLENGE_STARTED.value, challenge.slug) not in due_kinds(now - 2 * H)  # upcoming


def test_submissions_closing_is_due_in_the_last_day_before_the_deadline(
        frozen_clock, make_challenge):
    now = frozen_clock.now
    challenge = make_challenge("active", **schedule(now, started=2 * D, submissions_left=30 * H))
    key = (K.SUBMISSIONS_CLOSING.value, challenge.slug)
    assert key not in due_kinds(now + 5 * H)
    assert key in due_kinds(now + 6 * H)
    assert key in due_kinds(now + 30 * H - timedelta(seconds=1))
    assert key not in due_kinds(now + 30 * H)  # submissions closed


def test_voting_open_is_due_from_the_submission_deadline_unless_voting_is_off(
        frozen_clock, make_challenge):
    now = frozen_clock.now
    on = make_challenge("voting", **schedule(now, started=3 * D, submissions_left=-H))
    off = make_challenge("voting", allow_voting=False,
                         **schedule(now, started=3 * D, submissions_left=-H))
    assert (K.VOTING_OPEN.value, on.slug) in due_kinds(now)
    assert (K.VOTING_OPEN.value, on.slug) not in due_kinds(now + 12 * H)
    assert not {k for k in due_kinds(now) if k[1] == off.slug}


def test_voting_closing_is_due_in_the_last_day_of_voting(frozen_clock, make_challenge):
    now = frozen_clock.now
    challenge = make_challenge("voting", **schedule(now, started=4 * D, submissions_left=-D,
                                                    voting_after=D + 30 * H))
    key = (K.VOTING_CLOSING.value, challenge.slug)
    assert key not in due_kinds(now + 5 * H)
    assert key in due_kinds(now + 6 * H)
    assert key not in due_kinds(now + 30 * H)  # voting closed


def test_results_are_due_for_three_days_after_finalization(frozen_clock, make_challenge,
                                                          make_user):
    now = frozen_clock.now
    challenge = make_challenge("active", **schedule(now, started=D, submissions_left=D,
                                                    voting_after=D))
    submit(challenge, make_user())
    frozen_clock.set(challenge.voting_deadline)
    key = (K.RESULTS.value, challenge.slug)
    assert key not in due_kinds(frozen_clock.now)  # not final yet
    finalize(challenge)
    assert key in due_kinds(frozen_clock.now)
    assert key in due_kinds(frozen_clock.now + 3 * D - H)
    assert key not in due_kinds(frozen_clock.now + 3 * D)


@pytest.mark.parametrize("status", ["draft", "cancelled"])
def test_unpublished_challenges_are_never_due(frozen_clock, make_challenge, status):
    now = frozen_clock.now
    make_challenge("active", status=status,
                   **schedule(now, started=H, submissions_left=2 * H))
    assert due_kinds(now) == set()


def test_the_digest_is_due_on_mondays_from_nine_utc_for_two_days():
    monday = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    week = iso_week(monday)
    assert week == "2026-W49"
    assert (K.WEEKLY_DIGEST.value, week) in due_kinds(monday)
    assert (K.WEEKLY_DIGEST.value, week) in due_kinds(monday + 48 * H - timedelta(seconds=1))
    assert (K.WEEKLY_DIGEST.value, week) not in due_kinds(monday + 48 * H)
    assert not any(k == K.WEEKLY_DIGEST.value for k, _ in due_kinds(monday - timedelta(seconds=1)))


# --- who ----------------------------------------------------------------------------------------

def test_started_goes_to_members_who_did_not_turn_it_off(frozen_clock, make_challenge,
                                                        make_user):
    now = frozen_clock.now
    make_user("fresh")
    veteran = old_user(make_user, "veteran")  # took part in a challenge long ago
    old_user(make_user, "quiet")  # an old account that never took part: not a member
    turn(make_user("optedout"), K.CHALLENGE_STARTED, False)
    _took_part_long_ago(veteran, make_challenge("completed"))
    challenge = make_challenge("active", **schedule(now, started=H, submissions_left=3 * D))
    run_due(now)
    assert recipients(K.CHALLENGE_STARTED, challenge) == {"fresh", "veteran"}


def test_submissions_closing_goes_to_members_who_have_not_entered(frozen_clock, make_challenge,
                                                                 make_user):
    now = frozen_clock.now
    challenge = make_challenge("active", **schedule(now, started=2 * D, submissions_left=H))
    make_user("waiting")
    submit(challenge, make_user("entered"))
    withdraw(submit(challenge, make_user("withdrew")))
    turn(make_user("optedout"), K.SUBMISSIONS_CLOSING, False)
    run_due(now)
    assert recipients(K.SUBMISSIONS_CLOSING) == {"waiting", "withdrew"}


def test_voting_open_goes_to_everyone_who_entered(frozen_clock, make_challenge, make_user):
    now = frozen_clock.now
    challenge = make_challenge("active", **schedule(now, started=2 * D, submissions_left=H))
    one, two, opted_out = make_user("one"), make_user("two"), make_user("optedout")
    make_user("bystander")
    for author in (one, two, opted_out):
        submit(challenge, author)
    submit(challenge, one, title="Second entry")
    turn(opted_out, K.VOTING_OPEN, False)
    frozen_clock.set(challenge.submission_deadline + H)
    run_due(frozen_clock.now)
    assert recipients(K.VOTING_OPEN) == {"one", "two"}
    assert Counter(r.user_id for r in queued(K.VOTING_OPEN)) == {one.id: 1, two.id: 1}


def test_voting_closing_goes_to_members_below_the_voting_reward_minimum(
        frozen_clock, make_challenge, make_user):
    now = frozen_clock.now
    prizes = {"voting_reward": {"type": "tokens", "amount": 1000, "min_votes": 2}}
    challenge = make_challenge("active", prizes=prizes,
                               **schedule(now, started=D, submissions_left=D, voting_after=D))
    authors = [make_user(f"author{n}") for n in range(3)]
    entries = [submit(challenge, a) for a in authors]
    keen, lazy = make_user("keen"), make_user("lazy")
    make_user("silent")
    vote(entries[0], keen)
    vote(entries[1], keen)
    vote(entries[0], lazy)
    frozen_clock.set(challenge.voting_deadline - 2 * H)
    run_due(frozen_clock.now)
    # Authors voted on nothing: they are members below the minimum too.
    assert recipients(K.VOTING_CLOSING) == {"lazy", "silent", "author0", "author1", "author2"}


def test_results_go_to_every_participant_who_entered_or_voted(frozen_clock, make_challenge,
                                                             make_user):
    now = frozen_clock.now
    challenge = make_challenge("active", **schedule(now, started=D, submissions_left=D,
                                                    voting_after=D))
    author, voter, opted_out = make_user("author"), make_user("voter"), make_user("optedout")
    make_user("bystander")
    entry = submit(challenge, author)
    vote(entry, voter)
    vote(entry, opted_out)
    turn(opted_out, K.RESULTS, False)
    frozen_clock.set(challenge.voting_deadline)
    finalize(challenge)
    run_due(frozen_clock.now)
    assert recipients(K.RESULTS) == {"author", "voter"}


def test_the_digest_goes_only_to_members_who_opted_in(frozen_clock, make_challenge, make_user):
    monday = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)
    frozen_clock.set(monday)
    make_challenge("active")
    keen = make_user("keen")
    make_user("default")
    turn(keen, K.WEEKLY_DIGEST, True)
    run_due(monday)
    rows = queued(K.WEEKLY_DIGEST)
    assert [(r.to_address, r.key) for r in rows] == [
        (keen.email, f"weekly_digest:2026-W49:{keen.id}")]


def test_no_digest_when_nothing_is_open_and_nothing_finished(frozen_clock, make_user):
    monday = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)
    frozen_clock.set(monday)
    turn(make_user(), K.WEEKLY_DIGEST, True)
    run_due(monday)
    assert queued(K.WEEKLY_DIGEST) == []


# --- exactly once -------------------------------------------------------------------------------

def test_keys_follow_kind_challenge_user(frozen_clock, make_challenge, make_user):
    now = frozen_clock.now
    challenge = make_challenge("active", **schedule(now, started=H, submissions_left=3 * D))
    member = make_user()
    run_due(now)
    (row,) = queued(K.CHALLENGE_STARTED)
    assert row.key == f"challenge_started:{challenge.id}:{member.id}"
    assert (row.user_id, row.challenge_id) == (member.id, challenge.id)


def test_a_rerun_queues_nothing(frozen_clock, make_challenge, make_user, runner):
    """RELIABILITY #29: jobs run twice or concurrently change nothing twice."""
    now = frozen_clock.now
    challenge = make_challenge("active", **schedule(now, started=H, submissions_left=3 * D))
    for _ in range(3):
        make_user()
    first = runner.invoke(args=["notify", "due"])
    assert first.exit_code == 0, first.output
    assert f"challenge_started {challenge.slug}: 3 queued" in first.output
    second = runner.invoke(args=["notify", "due"])
    assert f"challenge_started {challenge.slug}: 0 queued" in second.output
    assert len(queued()) == 3


def test_a_run_killed_after_its_first_page_is_finished_by_the_next(frozen_clock, make_challenge,
                                                                  make_user):
    now = frozen_clock.now
    challenge = make_challenge("active", **schedule(now, started=H, submissions_left=3 * D))
    members = [make_user() for _ in range(5)]
    due = Due(K.CHALLENGE_STARTED, challenge.id, label=challenge.slug)
    page = commit_with_retry(lambda: queue_page(due, now, 0, limit=2))  # then the worker died
    assert (page.queued, page.done) == (2, False)
    (report,) = [r for r in run_due(now, page_size=2) if r.due.kind == K.CHALLENGE_STARTED]
    assert report.queued == 3
    assert Counter(r.user_id for r in queued()) == {m.id: 1 for m in members}


def test_two_concurrent_runs_queue_each_email_once(app, frozen_clock, make_challenge, make_user):
    """RELIABILITY #29: jobs run twice or concurrently change nothing twice."""
    now = frozen_clock.now
    make_challenge("active", **schedule(now, started=H, submissions_left=3 * D))
    members = [make_user() for _ in range(12)]
    db.session.rollback()

    def run(_: int) -> int:
        return sum(r.queued for r in run_due(now, page_size=5))

    results = run_concurrently(app, run, 2)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sum(results) == 12
    assert Counter(r.user_id for r in queued()) == {m.id: 1 for m in members}


def test_two_flask_notify_due_processes_at_once_queue_each_email_once(app_config,
                                                                      make_challenge, make_user):
    """Two real ``flask notify due`` processes started together (the real clock: they cannot
    share the frozen one)."""
    now = utcnow()
    challenge = make_challenge("active", **schedule(now, started=H, submissions_left=3 * D))
    members = [make_user() for _ in range(8)]
    db.session.rollback()
    env = process_env(app_config, FLASK_APP="wsgi")
    commands = [subprocess.Popen([sys.executable, "-m", "flask", "notify", "due"], cwd=ROOT,
                                 env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True) for _ in range(2)]
    outputs = [command.communicate(timeout=180) for command in commands]
    assert [command.returncode for command in commands] == [0, 0], outputs
    counts = [int(re.search(rf"challenge_started {challenge.slug}: (\d+) queued", out)[1])
              for out, _ in outputs]
    assert sum(counts) == 8
    assert Counter(r.user_id for r in queued()) == {m.id: 1 for m in members}


def test_an_audience_page_costs_the_same_queries_for_few_or_many(frozen_clock, make_challenge,
                                                                make_user):
    """Set-based: the statements for one fan-out do not grow with the audience (no N+1)."""
    now = frozen_clock.now
    prizes = {"1st": {"type": "cash", "amount": 100, "currency": "USD"}}
    challenge = make_challenge("active", prizes=prizes,
                               **schedule(now, started=D, submissions_left=D, voting_after=D))
    authors = [make_user() for _ in range(3)]
    for author in authors:
        submit(challenge, author)
    frozen_clock.set(challenge.voting_deadline)
    finalize(challenge)
    due = Due(K.RESULTS, challenge.id, label=challenge.slug)

    def statements(limit: int) -> tuple[int, int]:
        count = 0

        def counter(*args: object) -> None:
            nonlocal count
            count += 1

        db.session.rollback()  # both runs start from a cold session
        event.listen(db.engine, "before_cursor_execute", counter)
        try:
            page = queue_page(due, frozen_clock.now, 0, limit)
        finally:
            event.remove(db.engine, "before_cursor_execute", counter)
            db.session.rollback()
        return count, page.queued

    few, few_queued = statements(limit=1)
    many, many_queued = statements(limit=10)
    assert (few_queued, many_queued) == (1, 3)
    assert many == few


def _took_part_long_ago(user, challenge) -> None:
    """Give ``user`` an entry in a long-finished challenge (taking part makes a member)."""
    db.session.add(ChallengeSubmission(challenge_id=challenge.id, user_id=user.id, title="Old",
                                       entry_number=1, slot=1))
    db.session.commit()
