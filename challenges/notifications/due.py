"""What is due now: every (kind, challenge) whose moment has passed and whose window is still
open, and the fan-out that queues its emails, a page of recipients per transaction.

The moments come from the challenge's own deadlines (SPEC §2), so a challenge moved by an editor
is notified at its new times:

=====================  =====================================================================
challenge_started      from ``starts_at`` for 12 h, while the challenge is active
submissions_closing    in the 24 h before ``submission_deadline`` (while active)
voting_open            from ``submission_deadline`` for 12 h, while the voting period is open
voting_closing         in the 24 h before ``voting_deadline``, while voting is open
results                for 3 days after the results were published (finalization)
weekly_digest          Mondays from 09:00 UTC, for 48 h, once per ISO week
=====================  =====================================================================

Only published challenges (``phase_at`` says so: a draft is never active). Exactly once: every
email has the outbox key "<kind>:<challenge id|week>:<user id>", inserted with ON CONFLICT DO
NOTHING, and the audience query leaves out who already has it; two runs at once, a rerun, or a
run killed half-way and started again never queue anything twice. ``flask notify due`` and the
every-minute job (``jobs.notify``) call ``run_due``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import click
from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select

from ..clock import as_utc, utcnow
from ..extensions import db
from ..models import ChallengeStatus, ChallengeSubmission, User, WeeklyChallenge
from ..phase import VOTING_PHASES, in_any_phase, next_deadline, phase_at
from ..services.votes import voting_refusal
from ..templating import format_votes
from ..timefmt import utc_label
from ..transactions import commit_with_retry
from . import audiences, emails
from .audiences import PAGE_SIZE, Recipient
from .cli import notify
from .in_app import in_app_items
from .inbox import add_notifications
from .kinds import NotificationKind
from .mail import site_url_for
from .outbox import EmailToQueue, queue_emails

K = NotificationKind
STARTED_WINDOW = timedelta(hours=12)
CLOSING_LEAD = timedelta(hours=24)
VOTING_OPEN_WINDOW = timedelta(hours=12)
RESULTS_WINDOW = timedelta(days=3)
DIGEST_HOUR = 9  # UTC, on the Monday of each ISO week
DIGEST_WINDOW = timedelta(hours=48)
DIGEST_WINNERS = 3


@dataclass(frozen=True)
class Due:
    """One fan-out to run: a kind, for a challenge (or, for the digest, an ISO week)."""

    kind: NotificationKind
    challenge_id: uuid.UUID | None = None
    week: str = ""  # "2026-W48" for the weekly digest
    label: str = ""  # the challenge's slug or the week, for logs and the CLI


def iso_week(moment: datetime) -> str:
    """"2026-W48": the ISO week of ``moment`` (UTC)."""
    year, week, _ = as_utc(moment).isocalendar()
    return f"{year}-W{week:02d}"


def week_start(moment: datetime) -> datetime:
    """Monday 00:00 UTC of ``moment``'s ISO week."""
    day = as_utc(moment).replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


def kinds_due(challenge: WeeklyChallenge, now: datetime) -> list[NotificationKind]:
    """The kinds whose moment has passed and whose window is open for ``challenge`` at
    ``now``. Phases are ``phase_at``'s and "voting is open" is ``voting_refusal``'s."""
    now = as_utc(now)
    phase = phase_at(challenge, now)
    kinds: list[NotificationKind] = []
    if phase == ChallengeStatus.ACTIVE:
        if now - as_utc(challenge.starts_at) < STARTED_WINDOW:
            kinds.append(K.CHALLENGE_STARTED)
        if as_utc(challenge.submission_deadline) - now <= CLOSING_LEAD:
            kinds.append(K.SUBMISSIONS_CLOSING)
    voting_open = voting_refusal(challenge, now) is None
    if (voting_open and phase == ChallengeStatus.VOTING
            and now - as_utc(challenge.submission_deadline) < VOTING_OPEN_WINDOW):
        kinds.append(K.VOTING_OPEN)
    if voting_open and as_utc(challenge.voting_deadline) - now <= CLOSING_LEAD:
        kinds.append(K.VOTING_CLOSING)
    published = challenge.results_published_at
    if (phase == ChallengeStatus.COMPLETED and challenge.finalized_at is not None
            and published is not None and now - as_utc(published) < RESULTS_WINDOW):
        kinds.append(K.RESULTS)
    return kinds


def due_at(now: datetime) -> list[Due]:
    """Everything due at ``now``: one query for the candidate challenges (open ones, and those
    whose results came out within the results window), then the rules in Python."""
    candidates = db.session.scalars(
        select(WeeklyChallenge)
        .where(or_(
            in_any_phase(VOTING_PHASES, now),
            and_(in_any_phase({ChallengeStatus.COMPLETED}, now),
                 WeeklyChallenge.results_published_at > now - RESULTS_WINDOW),
        ))
        .order_by(WeeklyChallenge.starts_at, WeeklyChallenge.id)
    ).all()
    due = [Due(kind, challenge.id, label=challenge.slug)
           for challenge in candidates for kind in kinds_due(challenge, now)]
    sends_at = week_start(now) + timedelta(hours=DIGEST_HOUR)
    if sends_at <= as_utc(now) < sends_at + DIGEST_WINDOW:
        week = iso_week(now)
        due.append(Due(K.WEEKLY_DIGEST, week=week, label=week))
    return due


@dataclass
class Page:
    """One page of a fan-out: how many emails were made and how many were new."""

    built: int
    queued: int
    next_after: int
    done: bool


def queue_page(due: Due, now: datetime, after: int = 0, limit: int = PAGE_SIZE) -> Page:
    """Queue the emails of the next page of ``due``'s audience (members with ids above
    ``after``). Flushes; the caller commits."""
    recipients, built = _build(due, now, after, limit)
    queued = queue_emails(built) if built else 0
    add_notifications(in_app_items(built), now)  # the bell gets the same news, same keys
    return Page(len(built), queued, audiences.last_user_id(recipients) or after,
                done=len(recipients) < limit)


def _build(due: Due, now: datetime, after: int, limit: int
           ) -> tuple[Sequence[Recipient], list[EmailToQueue]]:
    if due.kind == K.WEEKLY_DIGEST:
        recipients = audiences.weekly_digest(due.week, now, after, limit)
        digest = weekly_digest_context(now) if recipients else None
        if digest is None:  # nothing open and no results: no digest this week
            return recipients, []
        in_each_locale = emails.per_locale(lambda: weekly_digest_context(now) or digest)
        return recipients, emails.weekly_digest_emails(due.week, in_each_locale, recipients)
    assert due.challenge_id is not None
    challenge = db.session.get(WeeklyChallenge, due.challenge_id)
    if challenge is None:
        return [], []
    cid = challenge.id
    if due.kind == K.CHALLENGE_STARTED:
        recipients = audiences.challenge_started(cid, now, after, limit)
        return recipients, emails.challenge_started_emails(challenge, recipients)
    if due.kind == K.SUBMISSIONS_CLOSING:
        recipients = audiences.submissions_closing(cid, now, after, limit)
        return recipients, emails.submissions_closing_emails(challenge, recipients)
    if due.kind == K.VOTING_OPEN:
        recipients = audiences.voting_open(cid, now, after, limit)
        return recipients, emails.voting_open_emails(challenge, recipients)
    prizes = emails.prizes_of(challenge)
    if due.kind == K.VOTING_CLOSING:
        recipients = audiences.voting_closing(cid, prizes.voting_reward_min_votes, now, after,
                                              limit)
        return recipients, emails.voting_closing_emails(challenge, prizes, recipients)
    recipients = audiences.results(cid, now, after, limit)
    ranked = audiences.ranked_count(cid) if recipients else 0
    return recipients, emails.results_emails(challenge, prizes, ranked, recipients)


def weekly_digest_context(now: datetime) -> dict[str, Any] | None:
    """The digest of the week holding ``now``: the challenges open now (or starting this
    week) and the results published last week, with their top three. None when both are
    empty."""
    start = week_start(now)
    W = WeeklyChallenge
    open_now = db.session.scalars(
        select(W).where(or_(
            in_any_phase(VOTING_PHASES, now),
            and_(in_any_phase({ChallengeStatus.UPCOMING}, now),
                 W.starts_at < start + timedelta(days=7)),
        )).order_by(W.starts_at, W.id)
    ).all()
    finished = db.session.scalars(
        select(W).where(in_any_phase({ChallengeStatus.COMPLETED}, now),
                        W.results_published_at >= start - timedelta(days=7),
                        W.results_published_at < start)
        .order_by(W.results_published_at, W.id)
    ).all()
    if not open_now and not finished:
        return None
    return {
        "open_challenges": [_open_line(challenge, now) for challenge in open_now],
        "results": _result_lines(finished),
    }


# ``next_deadline``'s words, as the digest's reader reads them (made in their locale).
DEADLINE_WORDS = {"Starts": _l("Starts"), "Submissions close": _l("Submissions close"),
                  "Voting ends": _l("Voting ends")}


def _open_line(challenge: WeeklyChallenge, now: datetime) -> dict[str, str]:
    upcoming = next_deadline(challenge, now)
    return {
        "title": challenge.title,
        "url": site_url_for("pages.challenge_detail", slug=challenge.slug),
        "next": f"{DEADLINE_WORDS.get(upcoming[0], upcoming[0])} {utc_label(upcoming[1])}"
        if upcoming else "",
    }


def _result_lines(finished: Sequence[WeeklyChallenge]) -> list[dict[str, Any]]:
    """Each finished challenge with its top places, in one query for all of them."""
    if not finished:
        return []
    S = ChallengeSubmission
    podium = db.session.execute(
        select(S.challenge_id, func.min(S.final_rank), User.username, func.sum(S.counted_votes))
        .join(User, User.id == S.user_id)
        .where(S.challenge_id.in_([c.id for c in finished]), S.counts,
               S.final_rank.is_not(None), S.final_rank <= DIGEST_WINNERS)
        .group_by(S.challenge_id, User.username)
        .order_by(S.challenge_id, func.min(S.final_rank))
    ).all()
    winners: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for challenge_id, rank, username, votes in podium:
        winners.setdefault(challenge_id, []).append(
            {"rank": rank, "username": username, "votes": format_votes(float(votes))})
    return [{
        "title": c.title,
        "url": site_url_for("pages.leaderboard", slug=c.slug),
        "winners": winners.get(c.id, []),
    } for c in finished]


@dataclass
class Report:
    """What one run queued for one fan-out."""

    due: Due
    queued: int = 0
    built: int = 0
    pages: int = 0


def run_due(now: datetime | None = None, page_size: int = PAGE_SIZE) -> list[Report]:
    """Queue everything due at ``now`` (default: the clock), one committed transaction per
    page of recipients, so a run killed half-way keeps the pages it finished and the next run
    carries on. What ``flask notify due`` and the every-minute job run."""
    moment = now or utcnow()
    dues = due_at(moment)
    db.session.rollback()  # end the read; each page is its own transaction
    reports = []
    for due in dues:
        report = Report(due)
        after = 0
        while True:
            page = commit_with_retry(partial(queue_page, due, moment, after, page_size))
            report.pages += 1
            report.queued += page.queued
            report.built += page.built
            if page.done:
                break
            after = page.next_after
        reports.append(report)
    return reports


@notify.command("due")
def due_command() -> None:
    """Queue every notification email that is due now (what the scheduler runs each minute)."""
    reports = run_due()
    if not reports:
        click.echo("Nothing is due.")
    for report in reports:
        click.echo(f"{report.due.kind.value} {report.due.label}: {report.queued} queued")


def init_app(app: Flask) -> None:
    """``flask notify due`` is registered on the package's ``notify`` group (above)."""
