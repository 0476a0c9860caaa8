"""Judging rules (SPEC §4a), each once: the pages, the admin, the hooks into the core's vote and
entry rules, and finalization's ranking all call these functions.

- A judge of a challenge may not vote in it, enter it, or judge their own entry there.
- Judging is open from the submission deadline to the voting deadline ("judging closes").
- A judge sees only their own scores until judging closes; everyone's afterwards.
- Final ranking of a judged challenge: community score = counted votes / top counted votes,
  judge score = the mean weighted rubric score of the member's best entry / 10, blend =
  share x community + (1 - share) x judges; ties as SPEC §5 (the earlier first entry first).
"""

from __future__ import annotations

import json
import math
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from flask import g, has_request_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    bindparam,
    case,
    exists,
    func,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from ..clock import as_utc
from ..errors import Conflict, Forbidden, NotFound, Refusal, ValidationFailed
from ..extensions import db
from ..leaderboard.standings import counting
from ..models import (
    ChallengeJudge,
    ChallengeSubmission,
    ChallengeVote,
    JudgeScore,
    User,
    WeeklyChallenge,
)
from ..services.challenges import MemberLookup

COMMUNITY, JUDGES, BLEND = "community", "judges", "blend"
MODES = (COMMUNITY, JUDGES, BLEND)
MODE_LABELS = {COMMUNITY: _l("Community votes only"), JUDGES: _l("Judges only"),
               BLEND: _l("Blend of votes and judges")}
MAX_CRITERIA = 3
CRITERION_NAME_MAX = 60
SCORE_MIN, SCORE_MAX = 1, 10
# Scores are compared rounded: 0.7 x 0.5 + 0.3 x 0.5 and 0.5 must tie, as a person expects.
_PRECISION = 9


class JudgeCannotVote(Forbidden):
    code = "judge_cannot_vote"
    default_message = _l("Judges of this challenge can't vote in it.")


class JudgeCannotEnter(Forbidden):
    code = "judge_cannot_enter"
    default_message = _l("Judges of this challenge can't enter it.")


class JudgeOwnEntry(Forbidden):
    code = "judge_own_entry"
    default_message = _l("You can't judge your own entry.")


class JudgingClosed(Conflict):
    code = "judging_closed"
    default_message = _l("Judging is not open: judges score entries between the submission "
                         "deadline and the voting deadline.")


@dataclass(frozen=True)
class Criterion:
    name: str
    weight: float


# --- settings ------------------------------------------------------------------------------

def rubric_of(challenge: WeeklyChallenge) -> list[Criterion]:
    """The challenge's criteria as saved (validated on save; empty for a community challenge
    without one)."""
    return [Criterion(str(c["name"]), float(c["weight"])) for c in (challenge.rubric or [])]


def is_judged(challenge: WeeklyChallenge) -> bool:
    """Whether judges' scores enter the final ranking."""
    return (challenge.judging_mode or COMMUNITY) != COMMUNITY


def community_share(challenge: WeeklyChallenge) -> float:
    """The community's share of the final score: 1 for votes only, 0 for judges only."""
    mode = challenge.judging_mode or COMMUNITY
    if mode == COMMUNITY:
        return 1.0
    if mode == JUDGES:
        return 0.0
    return float(challenge.community_share if challenge.community_share is not None else 0.5)


def judging_problems(challenge: WeeklyChallenge) -> dict[str, str]:
    """Field -> message for judging settings that break SPEC §4a; normalises the rubric (a
    form sends text) and clears the share outside a blend. ``prepare_challenge`` calls it."""
    problems: dict[str, str] = {}
    mode = challenge.judging_mode or COMMUNITY
    if mode not in MODES:
        problems["judging_mode"] = _("Choose one of: %(choices)s.", choices=", ".join(MODES))
    else:
        challenge.judging_mode = mode  # an empty select means the default
    rubric: Any = challenge.rubric
    if isinstance(rubric, str):
        try:
            rubric = json.loads(rubric) if rubric.strip() else None
        except json.JSONDecodeError:
            problems["rubric"] = _("The rubric is not valid JSON.")
            return problems
    if rubric in ({}, []):
        rubric = None
    if rubric is None:
        if mode in (JUDGES, BLEND):
            problems["rubric"] = _("A judged challenge needs a rubric: 1 to 3 criteria.")
    elif (problem := rubric_problem(rubric)) is not None:
        problems["rubric"] = problem
    else:
        rubric = [{"name": str(c["name"]).strip(), "weight": float(c["weight"])} for c in rubric]
    challenge.rubric = rubric
    if mode == BLEND:
        share: Any = challenge.community_share
        try:  # a form may give a Decimal or text
            share = None if share is None or isinstance(share, bool) else float(share)
        except (TypeError, ValueError):
            share = None
        if share is not None and 0 <= share <= 1:
            challenge.community_share = share
        else:
            problems["community_share"] = _("A blend needs the community's share, between 0 "
                                            "and 1 (for example 0.7 for 70 %).")
    elif mode in MODES:
        challenge.community_share = None
    return problems


def rubric_problem(rubric: Any) -> str | None:
    """Why a rubric (a list of {"name", "weight"}) is unacceptable, or None."""
    example = ' [{"name": "Originality", "weight": 0.6}, {"name": "Craft", "weight": 0.4}]'
    if not isinstance(rubric, list) or not all(isinstance(c, dict) for c in rubric):
        return _("Write the rubric as a list of criteria, for example%(example)s.",
                 example=example)
    if not 1 <= len(rubric) <= MAX_CRITERIA:
        return _("A rubric has 1 to %(max)s criteria.", max=MAX_CRITERIA)
    names = []
    for criterion in rubric:
        name, weight = criterion.get("name"), criterion.get("weight")
        if not isinstance(name, str) or not name.strip():
            return _("Every criterion needs a name.")
        if len(name.strip()) > CRITERION_NAME_MAX:
            return _("A criterion's name has at most %(max)s characters.",
                     max=CRITERION_NAME_MAX)
        if isinstance(weight, bool) or not isinstance(weight, int | float) or not (
                0 < weight <= 1):
            return _("Every criterion needs a weight above 0 and at most 1 (“%(name)s”).",
                     name=name.strip())
        names.append(name.strip().lower())
    if len(set(names)) != len(names):
        return _("Two criteria have the same name.")
    total = sum(float(c["weight"]) for c in rubric)
    if not math.isclose(total, 1.0, abs_tol=1e-6):
        return _("The weights must add up to 1 (they add up to %(total)s).",
                 total=round(total, 4))
    return None


# --- who judges ----------------------------------------------------------------------------

def is_judge(challenge_id: uuid.UUID, user_id: int | None) -> bool:
    """Whether ``user_id`` judges the challenge. Asked once per request and challenge (a
    gallery page asks it for each card's vote button), if the challenge's lookup did not
    already read it (``JUDGE_LOOKUP``)."""
    if user_id is None:
        return False
    memo = _judges_memo()
    if memo is not None and (challenge_id, user_id) in memo:
        return memo[(challenge_id, user_id)]
    found = db.session.scalar(_judge_of(), {"challenge_id": challenge_id, "user_id": user_id})
    if memo is not None:
        memo[(challenge_id, user_id)] = found is not None
    return found is not None


def _judges_memo() -> dict[tuple[uuid.UUID, int], bool] | None:
    """The request's answers of ``is_judge`` by (challenge, member); None outside a request."""
    return g.setdefault("wc_judges", {}) if has_request_context() else None


@cache
def _judge_of() -> Select[uuid.UUID]:
    """``is_judge``'s query, built once (every vote asks it)."""
    return select(ChallengeJudge.id).where(ChallengeJudge.challenge_id == bindparam("challenge_id"),
                                           ChallengeJudge.user_id == bindparam("user_id"))


def _judges_column(member_id: BindParameter[int]) -> ColumnElement[bool]:
    """Whether the member judges the challenge a lookup reads (a column of that statement)."""
    return exists().where(ChallengeJudge.challenge_id == WeeklyChallenge.id,
                          ChallengeJudge.user_id == member_id)


def _remember_judge(challenge: WeeklyChallenge, member_id: int, judges: Any) -> None:
    if (memo := _judges_memo()) is not None:
        memo[(challenge.id, member_id)] = bool(judges)


# Read with a member's challenge lookup (``get_visible_challenge``): a member's vote, gallery
# and landing page ask ``is_judge`` after it, and then find the answer in the request's memo.
JUDGE_LOOKUP = MemberLookup(_judges_column, _remember_judge)


def judge_vote_refusal(challenge: WeeklyChallenge, voter: User) -> Refusal | None:
    """A judge of the challenge may not vote in it (``votes.refusal_checks``)."""
    return JudgeCannotVote() if is_judge(challenge.id, voter.id) else None


def judge_entry_refusal(challenge: WeeklyChallenge, author: User) -> Refusal | None:
    """A judge of the challenge may not enter it (``entries.submission_checks``)."""
    return JudgeCannotEnter() if is_judge(challenge.id, author.id) else None


def assignment_warnings(challenge_id: uuid.UUID, user_id: int) -> list[str]:
    """What an editor should know when making this member a judge: entries they already have
    in the challenge (they cannot judge those) and votes they already cast there."""
    entries = db.session.scalar(select(func.count()).where(
        ChallengeSubmission.challenge_id == challenge_id, ChallengeSubmission.user_id == user_id,
        ChallengeSubmission.is_withdrawn.is_(False))) or 0
    votes = db.session.scalar(select(func.count()).where(
        ChallengeVote.challenge_id == challenge_id, ChallengeVote.voter_id == user_id)) or 0
    warnings = []
    if entries:
        warnings.append(ngettext(
            "This judge has %(num)s entry in the challenge: they cannot judge it, and it "
            "stays in the ranking.",
            "This judge has %(num)s entries in the challenge: they cannot judge them, and "
            "they stay in the ranking.", entries))
    if votes:
        warnings.append(ngettext(
            "This judge already voted once in the challenge; that vote still counts.",
            "This judge already voted %(num)s times in the challenge; those votes still "
            "count.", votes))
    return warnings


# --- the judging window --------------------------------------------------------------------

def judging_open(challenge: WeeklyChallenge, now: datetime) -> bool:
    """Judges score from the submission deadline until the voting deadline."""
    return as_utc(challenge.submission_deadline) <= now < as_utc(challenge.voting_deadline)


def scores_revealed(challenge: WeeklyChallenge, now: datetime) -> bool:
    """Every judge's scores are visible to the judges once judging closes."""
    return now >= as_utc(challenge.voting_deadline)


def score_refusal(entry: ChallengeSubmission, judge: User | None,
                  now: datetime) -> Refusal | None:
    """The one rule for "may this member score this entry now?": the reason, or None."""
    if judge is None or not judge.is_authenticated or not is_judge(entry.challenge_id, judge.id):
        return NotFound()
    if entry.user_id == judge.id:
        return JudgeOwnEntry()
    if not entry.counts:
        return Conflict(_("This entry is no longer in the challenge."))
    if not judging_open(entry.challenge, now):
        return JudgingClosed()
    return None


def save_scores(entry: ChallengeSubmission, judge: User | None, scores: list[int],
                now: datetime) -> JudgeScore:
    """Store ``judge``'s scores of ``entry`` (one per criterion, 1-10) and their weighted sum.
    Saving again replaces them: an upsert on (entry, judge), so a double submit leaves one
    row. Flushes; the caller commits."""
    if (refusal := score_refusal(entry, judge, now)) is not None:
        raise refusal
    assert judge is not None
    rubric = rubric_of(entry.challenge)
    problems = {f"c{i}": _("Score from %(low)s to %(high)s.", low=SCORE_MIN, high=SCORE_MAX)
                for i, score in enumerate(scores)
                if isinstance(score, bool) or not isinstance(score, int)
                or not SCORE_MIN <= score <= SCORE_MAX}
    if len(scores) != len(rubric) or not rubric:
        raise ValidationFailed({"scores": _("Give one score per criterion.")})
    if problems:
        raise ValidationFailed(problems)
    weighted = round(sum(c.weight * s for c, s in zip(rubric, scores, strict=True)), 6)
    values = {"id": uuid.uuid4(), "submission_id": entry.id, "judge_id": judge.id,
              "challenge_id": entry.challenge_id, "scores": list(scores),
              "weighted_score": weighted, "created_at": now, "updated_at": now}
    table = JudgeScore.__table__
    dialect = db.session.connection().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table).values(**values)  # type: ignore[arg-type, unused-ignore]
    db.session.execute(statement.on_conflict_do_update(
        index_elements=["submission_id", "judge_id"],
        set_={"scores": statement.excluded.scores,
              "weighted_score": statement.excluded.weighted_score,
              "updated_at": statement.excluded.updated_at}))
    row = db.session.scalars(
        select(JudgeScore).where(JudgeScore.submission_id == entry.id,
                                 JudgeScore.judge_id == judge.id)
        .execution_options(populate_existing=True)).one()
    return row


# --- the judging page ----------------------------------------------------------------------

@dataclass(frozen=True)
class Queue:
    """A judge's entries to score, in entry order (their own left out), and their scores."""

    entries: list[ChallengeSubmission]
    mine: dict[uuid.UUID, JudgeScore]

    @property
    def scored(self) -> int:
        return sum(1 for entry in self.entries if entry.id in self.mine)

    def position(self, entry_id: uuid.UUID) -> int | None:
        """1-based place of an entry in the queue, or None."""
        for index, entry in enumerate(self.entries, start=1):
            if entry.id == entry_id:
                return index
        return None

    def first_unscored(self) -> ChallengeSubmission | None:
        return next((e for e in self.entries if e.id not in self.mine),
                    self.entries[0] if self.entries else None)


def judging_queue(challenge: WeeklyChallenge, judge: User) -> Queue:
    """The entries ``judge`` scores (every counting entry but their own), and their scores so
    far: two queries however many entries."""
    entries = list(db.session.scalars(
        select(ChallengeSubmission)
        .where(*counting(challenge.id), ChallengeSubmission.user_id != judge.id)
        .order_by(ChallengeSubmission.entry_number)))
    mine = {row.submission_id: row for row in db.session.scalars(
        select(JudgeScore).where(JudgeScore.challenge_id == challenge.id,
                                 JudgeScore.judge_id == judge.id))}
    return Queue(entries, mine)


def panel_scores(entry: ChallengeSubmission, judge: User, now: datetime) -> list[JudgeScore]:
    """The scores of ``entry`` that ``judge`` may see: their own until judging closes, every
    current judge's afterwards."""
    query = (select(JudgeScore)
             .join(ChallengeJudge, (ChallengeJudge.challenge_id == JudgeScore.challenge_id)
                   & (ChallengeJudge.user_id == JudgeScore.judge_id))
             .where(JudgeScore.submission_id == entry.id)
             .order_by(JudgeScore.created_at, JudgeScore.id))
    if not scores_revealed(entry.challenge, now):
        query = query.where(JudgeScore.judge_id == judge.id)
    return list(db.session.scalars(query))


# --- the final ranking ---------------------------------------------------------------------

@dataclass(frozen=True)
class Standing:
    user_id: int
    username: str
    counted_votes: float
    community: float  # 0-1
    judges: float  # 0-1
    final: float  # 0-1
    first_entry: int


def entry_means(challenge_id: uuid.UUID) -> dict[uuid.UUID, float]:
    """Each entry's mean weighted rubric score over the challenge's current judges (1-10)."""
    return {sid: float(mean) for sid, mean in db.session.execute(
        select(JudgeScore.submission_id, func.avg(JudgeScore.weighted_score))
        .join(ChallengeJudge, (ChallengeJudge.challenge_id == JudgeScore.challenge_id)
              & (ChallengeJudge.user_id == JudgeScore.judge_id))
        .where(JudgeScore.challenge_id == challenge_id)
        .group_by(JudgeScore.submission_id))}


def standings(challenge: WeeklyChallenge) -> list[Standing]:
    """Every member with a counting entry, in final order (SPEC §4a; ties as SPEC §5). An
    entry no judge scored counts 0 for the judges."""
    share = community_share(challenge)
    means = entry_means(challenge.id)
    votes: dict[int, float] = defaultdict(float)
    best: dict[int, float] = defaultdict(float)
    first: dict[int, int] = {}
    names: dict[int, str] = {}
    for sid, user_id, counted, number, username in db.session.execute(
        select(ChallengeSubmission.id, ChallengeSubmission.user_id,
               ChallengeSubmission.counted_votes, ChallengeSubmission.entry_number,
               User.username)
        .join(User, User.id == ChallengeSubmission.user_id)
        .where(*counting(challenge.id))
    ):
        votes[user_id] += float(counted)
        best[user_id] = max(best[user_id], means.get(sid, 0.0))
        first[user_id] = min(first.get(user_id, number), number)
        names[user_id] = username
    top = max(votes.values(), default=0.0)
    rows = []
    for user_id in first:
        community = votes[user_id] / top if top > 0 else 0.0
        judged = best[user_id] / 10
        final = share * community + (1 - share) * judged
        rows.append(Standing(user_id, names[user_id], votes[user_id], round(community, 4),
                             round(judged, 4), round(final, _PRECISION), first[user_id]))
    rows.sort(key=lambda row: (-row.final, row.first_entry))
    return rows


def final_ranking(challenge_id: uuid.UUID) -> list[int] | None:
    """Finalization's ranker (``finalization.final_rankers``): the judged order, or None for a
    community challenge. Also stores each counting entry's ``judge_score`` (the mean weighted
    rubric score, None when no judge scored it), in one statement."""
    challenge = db.session.get(WeeklyChallenge, challenge_id)
    if challenge is None or not is_judged(challenge):
        return None
    order = [row.user_id for row in standings(challenge)]
    means = entry_means(challenge_id)
    S = ChallengeSubmission
    db.session.execute(
        update(S).where(S.challenge_id == challenge_id)
        .values(judge_score=case(means, value=S.id, else_=None) if means else None)
        .execution_options(synchronize_session=False))
    return order




def judges_share_percent(challenge: WeeklyChallenge) -> int | None:
    """The judges' share of the final score in percent, for "Final ranks include the judges'
    scores (30 %)"; None for a community challenge."""
    if not is_judged(challenge):
        return None
    return round((1 - community_share(challenge)) * 100)


def results_standings(challenge: WeeklyChallenge) -> list[Standing]:
    """The results page's scores of a judged, finalized challenge (empty otherwise): both
    scores per member, in the final order (the same function finalization ranked with)."""
    if not is_judged(challenge) or challenge.finalized_at is None:
        return []
    return standings(challenge)


def viewer_judges(challenge: WeeklyChallenge) -> bool:
    """Whether the signed-in viewer judges ``challenge`` (templates: the gallery's note)."""
    from flask_login import current_user

    return bool(current_user.is_authenticated and is_judge(challenge.id, current_user.id))
