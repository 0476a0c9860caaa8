"""Two notifications of the bell's own, from ``VoteCast``: "your entry got its first vote" (once per
entry) and "you were passed on the board" (the members the author just overtook; at most one of
those per member per hour).

The handler runs after the votes' rewards are settled, on the worker (the settle job publishes
``VoteCast`` for its batch): one Redis round trip (the authors' scores on the board), then the
SQL of the whole batch in one transaction, in the same job.
"""

from __future__ import annotations

import logging
import uuid
from contextlib import suppress
from datetime import datetime, timedelta
from functools import cache

import redis
from flask import current_app
from flask_babel import gettext as _
from rq import Retry, get_current_job
from sqlalchemy import Select, bindparam, select

from .. import events
from ..clock import utcnow
from ..extensions import db, get_queue, get_redis
from ..leaderboard import keys as board_keys
from ..leaderboard.scores import counted_votes, encode, first_entry_number
from ..models import ChallengeSubmission, ChallengeVote, User, WeeklyChallenge
from ..redisguard import redis_failed_recently
from ..transactions import commit_with_retry
from . import keys
from .inbox import REDIS_ERRORS, InboxItem, add_notifications, site_path
from .mail import in_locale

log = logging.getLogger(__name__)

FIRST_VOTE = "first_vote"
PASSED = "passed"
PASSED_EVERY = timedelta(hours=1)
PASSED_MAX = 50  # a big jump tells the 50 members just overtaken, not a whole board
BATCH_JOB = f"{__name__}.notify_votes"


# One vote as the job receives it: (challenge id, entry id, voter id, author id, the author's
# board score after the vote or None). Plain values: RQ stores them.
VoteArgs = tuple[str, str, int, int, float | None]


def on_votes_cast(cast: list[events.VoteCast]) -> None:
    """Add the notifications of a settled batch of votes, with each author's score as the board
    holds it now (None if the board is not in Redis; one round trip for the batch). ``VoteCast``
    comes from the settle job (``vote_rewards``), so this already runs on a worker: the work is
    done here, in one transaction, not queued as one more job (each job is a fork); a failure
    queues the job, which retries. In a request (Redis was away, so the request settled its
    vote) the job is queued, or, while Redis is away, its work done here."""
    scores: list[object] = [None] * len(cast)
    resting = redis_failed_recently()
    with suppress(*REDIS_ERRORS):
        if not resting:
            pipe = get_redis().pipeline(transaction=False)
            for event in cast:
                pipe.zscore(board_keys.board(event.challenge_id), event.author_id)
            scores = pipe.execute()
    votes: list[VoteArgs] = [
        (str(event.challenge_id), str(event.submission_id), event.voter_id, event.author_id,
         float(raw) if raw is not None else None)  # type: ignore[arg-type, unused-ignore]
        for event, raw in zip(cast, scores, strict=True)]
    if get_current_job() is not None:
        try:
            notify_votes(votes)
            return
        except Exception:
            log.exception("the notifications of %d votes failed; queued for a retry",
                          len(votes))
    if not resting:
        try:
            get_queue().enqueue(BATCH_JOB, votes, result_ttl=0, failure_ttl=86400,
                                retry=Retry(max=3, interval=[10, 60, 300]))
            return
        except REDIS_ERRORS as error:
            log.warning("could not queue the notifications of %d votes (%s); adding them now",
                        len(votes), error)
    # No queue while Redis is away (a request settled these votes itself): the job's work here.
    notify_votes(votes)


def notify_votes(votes: list[VoteArgs]) -> int:
    """The job: add the first-vote and passed notifications of these votes, in one
    transaction. Returns how many were added. Safe to run twice (unique keys)."""
    # A session of its own: RQ runs this inline in tests (and ``is_async=False`` setups), inside
    # the voter's after-commit hook, where the voter's session can no longer run SQL.
    with current_app.app_context():
        def add() -> int:
            now = utcnow()
            items: list[InboxItem] = []
            # The authors' scores were read after the whole batch, so a vote's own "after" is
            # that score less the weight of the batch's later votes for the same author: each
            # vote tells the members it passed, not the members the last one passed.
            later: dict[tuple[str, int], float] = {}
            for challenge_id, submission_id, voter_id, author_id, score in reversed(votes):
                since = later.get((challenge_id, author_id), 0.0)
                if score is not None and since:
                    score = encode(counted_votes(score) - since, first_entry_number(score))
                found, weight = _vote_items(uuid.UUID(challenge_id), uuid.UUID(submission_id),
                                            voter_id, author_id, score, now)
                items += found
                later[(challenge_id, author_id)] = since + weight
            return add_notifications(items, now)

        return commit_with_retry(add)


def notify_vote(challenge_id: str, submission_id: str, voter_id: int, author_id: int,
                score: float | None) -> int:
    """``notify_votes`` for one vote (jobs queued before the batch existed still run)."""
    return notify_votes([(challenge_id, submission_id, voter_id, author_id, score)])


def _vote_items(challenge_id: uuid.UUID, submission_id: uuid.UUID, voter_id: int,
                author_id: int, score: float | None,
                now: datetime) -> tuple[list[InboxItem], float]:
    """A vote's notifications with ``score`` the author's board score right after it, and the
    vote's weight (0 when the vote is gone)."""
    row = db.session.execute(
        _vote_told(), {"submission_id": submission_id, "voter_id": voter_id}).first()
    if row is None:  # the vote was withdrawn before the job ran: nothing to tell
        return [], 0.0
    entry_title, slug, challenge_title, weight, author_locale = row
    with in_locale(author_locale):  # stored as text, in the author's language
        text = _("Your entry “%(title)s” got its first vote.", title=entry_title)
    items = [InboxItem(
        user_id=author_id, kind=FIRST_VOTE, key=f"first-vote:{submission_id}",
        text=text,
        link=site_path("entries.submission_detail", slug=slug, submission_id=submission_id),
        challenge_id=challenge_id,
    )]
    if score is not None:
        items += _passed_items(challenge_id, slug, challenge_title, author_id, score, weight, now)
    return items, float(weight)


@cache
def _vote_told() -> Select[str, str, str, float, str | None]:
    """What a vote's notifications say: the entry's and challenge's titles, the challenge's
    slug, the vote's weight and the author's language; no row once the vote is gone. Built once
    (the settle job asks it for every vote, issue #14)."""
    return (
        select(ChallengeSubmission.title, WeeklyChallenge.slug, WeeklyChallenge.title,
               ChallengeVote.weight, User.locale)
        .join(WeeklyChallenge, WeeklyChallenge.id == ChallengeSubmission.challenge_id)
        .join(User, User.id == ChallengeSubmission.user_id)
        .join(ChallengeVote, (ChallengeVote.submission_id == ChallengeSubmission.id)
              & (ChallengeVote.voter_id == bindparam("voter_id")))
        .where(ChallengeSubmission.id == bindparam("submission_id"))
    )


def _passed_items(challenge_id: uuid.UUID, slug: str, challenge_title: str, author_id: int,
                  score: float, weight: float, now: datetime) -> list[InboxItem]:
    """The members whose board score lies between the author's score before and after the vote
    (the vote added ``weight`` to the counted votes; the tie-break is the author's both times)."""
    before = encode(counted_votes(score) - weight, first_entry_number(score))
    try:
        client = get_redis()
        passed = [int(m) for m in client.zrangebyscore(  # type: ignore[union-attr, unused-ignore]
            board_keys.board(challenge_id), f"({before!r}", f"({score!r}",
            start=0, num=PASSED_MAX)]
    except REDIS_ERRORS:
        return []
    passed = _may_be_told(client, [p for p in passed if p != author_id], now)
    if not passed:
        return []
    author = db.session.scalar(select(User.username).where(User.id == author_id)) or ""
    locales = {user_id: locale for user_id, locale in db.session.execute(
        select(User.id, User.locale).where(User.id.in_(passed)))}
    hour = int(now.timestamp()) // int(PASSED_EVERY.total_seconds())
    link = site_path("pages.leaderboard", slug=slug, at="me") + "#you"
    items = []
    for member in passed:
        with in_locale(locales.get(member)):  # each member reads it in their own language
            text = _("@%(author)s passed you on the “%(challenge)s” leaderboard.",
                     author=author, challenge=challenge_title)
        items.append(InboxItem(user_id=member, kind=PASSED, key=f"passed:{member}:{hour}",
                               text=text, link=link, challenge_id=challenge_id))
    return items


# KEYS: the member's gate. ARGV: now (epoch seconds, the app clock), the interval in seconds.
# The last time told is stored, not just a TTL, so the rule follows the app's clock (tests move
# it); the TTL only clears the key afterwards.
_GATE = """
local last = tonumber(redis.call('GET', KEYS[1]) or '')
local now, every = tonumber(ARGV[1]), tonumber(ARGV[2])
if last and now - last < every then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', every)
return 1
"""


def _may_be_told(client: redis.Redis, members: list[int], now: datetime) -> list[int]:
    """Those of ``members`` who may be told "you were passed" now: at most once an hour each.
    One round trip for all of them (a pipeline of one-key scripts: a vote on a crowded board
    passes up to ``PASSED_MAX``). Without Redis the row's key (which carries the hour) still
    keeps it to one per clock hour."""
    if not members:
        return []
    try:
        pipe = client.pipeline(transaction=False)
        for member in members:
            pipe.eval(_GATE, 1, keys.passed_gate(member), int(now.timestamp()),
                      int(PASSED_EVERY.total_seconds()))
        allowed = pipe.execute()
    except REDIS_ERRORS:
        return members
    return [member for member, ok in zip(members, allowed, strict=True) if ok]


def init_app() -> None:
    """Subscribe to the core's events (idempotent: apps are created more than once in tests)."""
    events.subscribe_batch(events.VoteCast, on_votes_cast)
