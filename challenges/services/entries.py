"""Entries (SPEC §3): submit, edit, withdraw; feature and disqualify for editors."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from ..errors import (
    DuplicateProjectEntry,
    EditingClosed,
    EditorOnlyAction,
    LoginRequired,
    NotFound,
    NotYourEntry,
    SubmissionLimitReached,
    SubmissionsClosed,
    ValidationFailed,
)
from ..extensions import db
from ..leaderboard.updates import lock_board, publish_entry_change
from ..models import ChallengeSubmission, Project, User, WeeklyChallenge
from ..phase import accepts_submissions
from . import rewards
from .challenges import can_see_unpublished
from .urls import url_problem

TITLE_MAX, DESCRIPTION_MAX, ALT_MAX, PROMPT_MAX, TOOL_MAX = 200, 5000, 500, 5000, 100


@dataclass
class EntryInput:
    """What a member fills in. Strings are trimmed; empty means "not given"."""

    title: str = ""
    description: str = ""
    image_url: str = ""
    image_alt_text: str = ""
    external_url: str = ""
    project_id: uuid.UUID | None = None
    prompt_used: str = ""
    tool_used: str = ""

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, str):
                setattr(self, f.name, value.strip())


def validate_entry(challenge: WeeklyChallenge, author: User, data: EntryInput) -> dict[str, str]:
    """Field -> message for everything wrong with ``data`` (empty when it is fine)."""
    errors: dict[str, str] = {}
    if not data.title:
        errors["title"] = "Give your entry a title."
    elif len(data.title) > TITLE_MAX:
        errors["title"] = f"Titles can be at most {TITLE_MAX} characters."
    if len(data.description) > DESCRIPTION_MAX:
        errors["description"] = f"Descriptions can be at most {DESCRIPTION_MAX:,} characters."
    for name in ("image_url", "external_url"):
        value = getattr(data, name)
        if value and (problem := url_problem(value)):
            errors[name] = problem
    if data.image_url and not data.image_alt_text:
        errors["image_alt_text"] = "Describe the image for people who can't see it."
    elif len(data.image_alt_text) > ALT_MAX:
        errors["image_alt_text"] = f"Alt text can be at most {ALT_MAX} characters."
    if len(data.prompt_used) > PROMPT_MAX:
        errors["prompt_used"] = f"At most {PROMPT_MAX:,} characters."
    if len(data.tool_used) > TOOL_MAX:
        errors["tool_used"] = f"At most {TOOL_MAX} characters."
    if data.project_id is not None:
        owner = db.session.scalar(select(Project.owner_id).where(Project.id == data.project_id))
        if owner != author.id:
            errors["project_id"] = "Choose one of your own projects."
    if challenge.require_project_link and data.project_id is None:
        errors.setdefault("project_id", "This challenge asks you to link one of your projects.")
    elif not (data.project_id or data.image_url or data.external_url):
        errors["image_url"] = "Add an image, a link, or one of your projects."
    return errors


def _require_member(user: User | None) -> User:
    if user is None or not getattr(user, "is_authenticated", False):
        raise LoginRequired("Log in to submit an entry.")
    return user


def _visible_challenge(challenge_id: uuid.UUID, viewer: User | None) -> WeeklyChallenge:
    challenge = db.session.get(WeeklyChallenge, challenge_id)
    if challenge is None or (not challenge.is_published and not can_see_unpublished(viewer)):
        raise NotFound("No such challenge.")
    return challenge


def get_entry(submission_id: uuid.UUID, viewer: User | None) -> ChallengeSubmission:
    """An entry ``viewer`` may see: withdrawn entries and drafts' entries are not found, and
    disqualified ones only by their author and editors."""
    entry = db.session.get(ChallengeSubmission, submission_id)
    editor = can_see_unpublished(viewer)
    if entry is None or entry.is_withdrawn:
        raise NotFound("No such entry.")
    if not entry.challenge.is_published and not editor:
        raise NotFound("No such entry.")
    viewer_id = getattr(viewer, "id", None) if getattr(viewer, "is_authenticated", False) else None
    if entry.is_disqualified and not editor and entry.user_id != viewer_id:
        raise NotFound("No such entry.")
    return entry


def live_entry_count(challenge_id: uuid.UUID, user_id: int) -> int:
    return db.session.scalar(
        select(func.count()).where(
            ChallengeSubmission.challenge_id == challenge_id,
            ChallengeSubmission.user_id == user_id,
            ChallengeSubmission.is_withdrawn.is_(False),
        )
    ) or 0


def submit_entry(
    challenge_id: uuid.UUID, author: User | None, data: EntryInput, now: datetime
) -> ChallengeSubmission:
    """Add an entry. Raises LoginRequired, NotFound, SubmissionsClosed, ValidationFailed,
    SubmissionLimitReached or DuplicateProjectEntry.

    The limit holds under any concurrency: the entry takes a free slot in 1..max, and
    (challenge, user, slot) is unique in the database; the challenge row lock taken first
    makes concurrent submits queue instead of colliding.
    """
    author = _require_member(author)
    challenge = _visible_challenge(challenge_id, author)
    if not accepts_submissions(challenge, now):
        raise SubmissionsClosed()
    errors = validate_entry(challenge, author, data)
    if errors:
        raise ValidationFailed(errors)
    version = lock_board(challenge.id, entries_created=1)
    entry_number = db.session.scalar(
        select(WeeklyChallenge.entries_created).where(WeeklyChallenge.id == challenge.id)
    )
    used = set(
        db.session.scalars(
            select(ChallengeSubmission.slot).where(
                ChallengeSubmission.challenge_id == challenge.id,
                ChallengeSubmission.user_id == author.id,
                ChallengeSubmission.is_withdrawn.is_(False),
            )
        )
    )
    free = [slot for slot in range(1, challenge.max_submissions_per_user + 1) if slot not in used]
    if not free:
        raise SubmissionLimitReached(
            f"You have already submitted {challenge.max_submissions_per_user} entries, "
            "the most this challenge allows. Withdraw one to submit another."
        )
    if data.project_id is not None and _project_already_entered(challenge.id, author.id,
                                                                data.project_id):
        raise DuplicateProjectEntry()
    entry = ChallengeSubmission(
        challenge_id=challenge.id,
        user_id=author.id,
        slot=free[0],
        entry_number=entry_number,
        submitted_at=now,
        updated_at=now,
        **_content(data),
    )
    try:
        with db.session.begin_nested():
            db.session.add(entry)
    except IntegrityError as error:
        # Only reachable if the row lock was bypassed; the constraint still has the last word.
        if "project" in str(error.orig):
            raise DuplicateProjectEntry() from None
        raise SubmissionLimitReached() from None
    _recount(challenge.id)
    publish_entry_change(entry, version, now)
    rewards.entry_submitted(entry, challenge, now)
    return entry


def _project_already_entered(challenge_id: uuid.UUID, user_id: int, project_id: uuid.UUID,
                             exclude: uuid.UUID | None = None) -> bool:
    query = select(ChallengeSubmission.id).where(
        ChallengeSubmission.challenge_id == challenge_id,
        ChallengeSubmission.user_id == user_id,
        ChallengeSubmission.project_id == project_id,
        ChallengeSubmission.is_withdrawn.is_(False),
    )
    if exclude is not None:
        query = query.where(ChallengeSubmission.id != exclude)
    return db.session.scalar(query.limit(1)) is not None


def _content(data: EntryInput) -> dict[str, object]:
    return {f.name: getattr(data, f.name) for f in fields(data)}


def _own_entry(submission_id: uuid.UUID, author: User | None, now: datetime) -> ChallengeSubmission:
    author = _require_member(author)
    entry = get_entry(submission_id, author)
    if entry.user_id != author.id:
        raise NotYourEntry()
    if not accepts_submissions(entry.challenge, now):
        raise EditingClosed()
    return entry


def edit_entry(
    submission_id: uuid.UUID, author: User | None, data: EntryInput, now: datetime
) -> ChallengeSubmission:
    """Change an entry's content; its author only, until the submission deadline."""
    entry = _own_entry(submission_id, author, now)
    assert author is not None
    errors = validate_entry(entry.challenge, author, data)
    if errors:
        raise ValidationFailed(errors)
    if data.project_id is not None and _project_already_entered(
        entry.challenge_id, author.id, data.project_id, exclude=entry.id
    ):
        raise DuplicateProjectEntry()
    for name, value in _content(data).items():
        setattr(entry, name, value)
    entry.updated_at = now
    db.session.flush()
    return entry


def withdraw_entry(submission_id: uuid.UUID, author: User | None, now: datetime) -> None:
    """Withdraw an entry: it leaves the gallery and the board, frees its slot, and the points
    it earned are reversed. Its author only, until the submission deadline."""
    entry = _own_entry(submission_id, author, now)
    version = lock_board(entry.challenge_id, total_votes=-entry.vote_count)
    entry.is_withdrawn = True
    entry.withdrawn_at = now
    entry.slot = None
    db.session.flush()
    _recount(entry.challenge_id)
    publish_entry_change(entry, version, now)
    rewards.entry_withdrawn(entry, now)


def set_featured(submission_id: uuid.UUID, editor: User | None, featured: bool,
                 now: datetime) -> ChallengeSubmission:
    """Editor's pick on or off (any time)."""
    _require_editor(editor)
    entry = get_entry(submission_id, editor)
    entry.is_featured = featured
    db.session.flush()
    if featured:
        rewards.entry_featured(entry, now)
    return entry


def disqualify_entry(submission_id: uuid.UUID, editor: User | None, reason: str,
                     now: datetime) -> ChallengeSubmission:
    """Take an entry out of every ranking, with a reason its author can read. Its received
    votes stop counting; its voters keep what they earned for voting."""
    _require_editor(editor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": "Say why the entry is disqualified."})
    if len(reason) > 1000:
        raise ValidationFailed({"reason": "At most 1,000 characters."})
    entry = get_entry(submission_id, editor)
    if entry.is_disqualified:
        entry.disqualification_reason = reason
        return entry
    version = lock_board(entry.challenge_id)
    entry.is_disqualified = True
    entry.disqualification_reason = reason
    db.session.flush()
    _recount(entry.challenge_id)
    publish_entry_change(entry, version, now)
    rewards.entry_disqualified(entry, now)
    return entry


def _require_editor(user: User | None) -> None:
    if not can_see_unpublished(user):
        raise EditorOnlyAction()


def _recount(challenge_id: uuid.UUID) -> None:
    """Entries and participants shown on the challenge: counting entries (not withdrawn, not
    disqualified) and their distinct authors. Recounted under the row lock, so always exact."""
    counting = (
        ChallengeSubmission.challenge_id == challenge_id,
        ChallengeSubmission.is_withdrawn.is_(False),
        ChallengeSubmission.is_disqualified.is_(False),
    )
    db.session.execute(
        update(WeeklyChallenge)
        .where(WeeklyChallenge.id == challenge_id)
        .values(
            submission_count=select(func.count()).where(*counting).scalar_subquery(),
            participant_count=select(func.count(func.distinct(ChallengeSubmission.user_id)))
            .where(*counting)
            .scalar_subquery(),
        )
        .execution_options(synchronize_session="fetch")
    )
