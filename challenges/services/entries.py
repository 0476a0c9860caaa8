"""Entries (SPEC §3): submit, edit, withdraw; feature, disqualify and reinstate for editors."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import datetime
from functools import cache

from flask_babel import format_number, ngettext
from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, func, select, update
from sqlalchemy.exc import IntegrityError

from .. import events
from ..errors import (
    DuplicateProjectEntry,
    EditingClosed,
    EditorOnlyAction,
    LoginRequired,
    NotFound,
    NotYourEntry,
    Refusal,
    SubmissionLimitReached,
    SubmissionsClosed,
    ValidationFailed,
)
from ..extensions import db
from ..leaderboard.updates import lock_challenge, lock_member, publish_entry_change
from ..models import (
    ChallengeStatus,
    ChallengeSubmission,
    EntryModerationEvent,
    ModerationAction,
    Project,
    User,
    WeeklyChallenge,
)
from ..phase import accepts_submissions, phase_at
from . import rewards
from .challenges import can_see_unpublished, member_id_of
from .finalization import rerank_results
from .text import TrimmedInput, required_text
from .urls import url_problem

TITLE_MAX, DESCRIPTION_MAX, ALT_MAX, PROMPT_MAX, TOOL_MAX = 200, 5000, 500, 5000, 100

# Features' own reasons a member may not enter a challenge (its judges: challenges.judging),
# asked by ``submission_refusal`` once the member is signed in. The core never imports a
# feature: they register at start.
AuthorCheck = Callable[[WeeklyChallenge, User], "Refusal | None"]
submission_checks: list[AuthorCheck] = []


def on_submission_check(check: AuthorCheck) -> AuthorCheck:
    """Ask ``check(challenge, author)`` in every ``submission_refusal`` of a signed-in member.
    Registering the same function twice is a no-op (apps are created more than once in tests)."""
    if check not in submission_checks:
        submission_checks.append(check)
    return check


@dataclass
class EntryInput(TrimmedInput):
    """What a member fills in. Strings are trimmed; empty means "not given"."""

    title: str = ""
    description: str = ""
    image_url: str = ""
    # An uploaded image's key (challenges/uploads); the view stores the file and checks it.
    image_upload: str = ""
    image_alt_text: str = ""
    external_url: str = ""
    project_id: uuid.UUID | None = None
    prompt_used: str = ""
    tool_used: str = ""



def validate_entry(challenge: WeeklyChallenge, author: User, data: EntryInput) -> dict[str, str]:
    """Field -> message for everything wrong with ``data`` (empty when it is fine)."""
    errors: dict[str, str] = {}
    if not data.title:
        errors["title"] = _("Give your entry a title.")
    elif len(data.title) > TITLE_MAX:
        errors["title"] = _("Titles can be at most %(n)s characters.",
                            n=format_number(TITLE_MAX))
    if len(data.description) > DESCRIPTION_MAX:
        errors["description"] = _("Descriptions can be at most %(n)s characters.",
                                  n=format_number(DESCRIPTION_MAX))
    for name in ("image_url", "external_url"):
        value = getattr(data, name)
        if value and (problem := url_problem(value)):
            errors[name] = problem
    if data.image_url and data.image_upload and "image_url" not in errors:
        errors["image_url"] = _("Use the uploaded image or an image link, not both.")
    if (data.image_url or data.image_upload) and not data.image_alt_text:
        errors["image_alt_text"] = _("Describe the image for people who can't see it.")
    elif len(data.image_alt_text) > ALT_MAX:
        errors["image_alt_text"] = _("Alt text can be at most %(n)s characters.",
                                     n=format_number(ALT_MAX))
    if len(data.prompt_used) > PROMPT_MAX:
        errors["prompt_used"] = _("At most %(n)s characters.", n=format_number(PROMPT_MAX))
    if len(data.tool_used) > TOOL_MAX:
        errors["tool_used"] = _("At most %(n)s characters.", n=format_number(TOOL_MAX))
    if data.project_id is not None:
        owner = db.session.scalar(select(Project.owner_id).where(Project.id == data.project_id))
        if owner != author.id:
            errors["project_id"] = _("Choose one of your own projects.")
    if challenge.require_project_link and data.project_id is None:
        errors.setdefault("project_id",
                          _("This challenge asks you to link one of your projects."))
    elif not (data.project_id or data.image_url or data.image_upload or data.external_url):
        errors["image_url"] = _("Add an image, a link, or one of your projects.")
    return errors


def _visible_challenge(challenge_id: uuid.UUID, viewer: User | None) -> WeeklyChallenge:
    challenge = db.session.get(WeeklyChallenge, challenge_id)
    if challenge is None or (not challenge.is_published and not can_see_unpublished(viewer)):
        raise NotFound(_("No such challenge."))
    return challenge


def get_entry(submission_id: uuid.UUID, viewer: User | None) -> ChallengeSubmission:
    """An entry ``viewer`` may see: withdrawn entries and drafts' entries are not found, and
    disqualified ones only by their author and editors."""
    entry = db.session.get(ChallengeSubmission, submission_id)
    editor = can_see_unpublished(viewer)
    if entry is None or entry.is_withdrawn:
        raise NotFound(_("No such entry."))
    if not entry.challenge.is_published and not editor:
        raise NotFound(_("No such entry."))
    viewer_id = member_id_of(viewer)
    if entry.is_disqualified and not editor and entry.user_id != viewer_id:
        raise NotFound(_("No such entry."))
    return entry


def get_challenge_entry(challenge_id: uuid.UUID, submission_id: uuid.UUID,
                        viewer: User | None) -> ChallengeSubmission:
    """``get_entry``, and ``NotFound`` too when the entry belongs to another challenge (the
    lookup behind every URL that names a challenge and one of its entries)."""
    entry = get_entry(submission_id, viewer)
    if entry.challenge_id != challenge_id:
        raise NotFound(_("No such entry in this challenge."))
    return entry


def live_entry_count(challenge_id: uuid.UUID, user_id: int) -> int:
    return db.session.scalar(live_entries_query(), {"challenge_id": challenge_id,
                                                    "user_id": user_id}) or 0


@cache
def live_entries_query() -> Select[int]:
    """``live_entry_count``'s count (binds ``challenge_id`` and ``user_id``), built once (a
    member's landing page asks it, with the votes they cast: ``services.status``)."""
    return select(func.count()).where(
        ChallengeSubmission.challenge_id == bindparam("challenge_id"),
        ChallengeSubmission.user_id == bindparam("user_id"),
        ChallengeSubmission.is_withdrawn.is_(False),
    )


def submission_refusal(challenge: WeeklyChallenge, author: User | None, now: datetime,
                       entries_used: int | None = None) -> Refusal | None:
    """The one rule for "may this user submit a new entry to this challenge now?": the reason
    they may not, or None. ``entries_used`` is how many live entries they have there (counted
    here when not given). ``submit_entry`` raises it; pages show it instead of the button."""
    if not accepts_submissions(challenge, now):
        if phase_at(challenge, now) == ChallengeStatus.UPCOMING:
            return SubmissionsClosed(_("Entries open when the challenge starts."))
        return SubmissionsClosed()
    if author is None or not author.is_authenticated:
        return LoginRequired(_("Log in to submit an entry."))
    for check in submission_checks:
        if (refusal := check(challenge, author)) is not None:
            return refusal
    used = live_entry_count(challenge.id, author.id) if entries_used is None else entries_used
    limit = challenge.max_submissions_per_user
    if used >= limit:
        return SubmissionLimitReached(
            ngettext("You have already submitted %(num)d entry, the most this challenge "
                     "allows. Withdraw it to submit another.",
                     "You have already submitted %(num)d entries, the most this challenge "
                     "allows. Withdraw one to submit another.", limit)
        )
    return None


def entry_change_refusal(entry: ChallengeSubmission, author: User | None,
                         now: datetime) -> Refusal | None:
    """The one rule for "may this user edit or withdraw this entry now?" (its author, until the
    submission deadline): the reason they may not, or None."""
    if author is None or not author.is_authenticated:
        return LoginRequired(_("Log in to change your entry."))
    if entry.user_id != author.id:
        return NotYourEntry()
    if not accepts_submissions(entry.challenge, now):
        return EditingClosed()
    return None


def submit_entry(
    challenge_id: uuid.UUID, author: User | None, data: EntryInput, now: datetime
) -> ChallengeSubmission:
    """Add an entry. Raises LoginRequired, NotFound, SubmissionsClosed, ValidationFailed,
    SubmissionLimitReached or DuplicateProjectEntry.

    The limit holds under any concurrency: the entry takes a free slot in 1..max, and
    (challenge, user, slot) is unique in the database; the challenge row lock taken first
    makes concurrent submits queue instead of colliding.
    """
    challenge = _visible_challenge(challenge_id, author)
    if (refusal := submission_refusal(challenge, author, now)) is not None:
        raise refusal
    assert author is not None
    errors = validate_entry(challenge, author, data)
    if errors:
        raise ValidationFailed(errors)
    lock_challenge(challenge.id, entries_created=1)
    version = lock_member(challenge.id, author.id)
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
    # Counted again under the lock: a concurrent submit may have taken a slot meanwhile.
    if (refusal := submission_refusal(challenge, author, now, len(used))) is not None:
        raise refusal
    free = [slot for slot in range(1, challenge.max_submissions_per_user + 1) if slot not in used]
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
    events.publish(events.SubmissionCreated(challenge.id, entry.id, author.id))
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
    entry = get_entry(submission_id, author)
    if (refusal := entry_change_refusal(entry, author, now)) is not None:
        raise refusal
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


def _lock_for_status_change(entry: ChallengeSubmission) -> int:
    """The locks an entry's status change takes, in the one order: the challenge row (its
    counters, its results' revisions), then the author's member row (every vote on the entry
    takes it first); returns the author's new member version."""
    lock_challenge(entry.challenge_id)
    return lock_member(entry.challenge_id, entry.user_id)


def withdraw_entry(submission_id: uuid.UUID, author: User | None, now: datetime) -> None:
    """Withdraw an entry: it leaves the gallery and the board, frees its slot, and the points
    it earned are reversed. Its author only, until the submission deadline."""
    entry = _own_entry(submission_id, author, now)
    # The challenge lock, then the author's member lock (every vote on the entry takes it first),
    # then the entry's FOR UPDATE (``slot`` is a key column); the counts are recounted under them.
    version = _lock_for_status_change(entry)
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
                     now: datetime, *, operator: str | None = None) -> ChallengeSubmission:
    """Take an entry out of every ranking, with a reason its author can read. Its received
    votes stop counting; its voters keep what they earned for voting. After finalization the
    challenge is re-ranked and every result follows (``finalization.rerank_results``).

    ``editor`` acts, or a trusted ``operator`` (the command line: its name is recorded). The
    change is recorded (who, when, why); disqualifying again with the same reason changes
    nothing, with another reason only rewrites the reason (also recorded)."""
    actor = _moderator(editor, operator)
    reason = _moderation_reason(reason, required=True)
    entry = _entry_to_moderate(submission_id)
    if entry.is_disqualified:
        if entry.disqualification_reason != reason:
            entry.disqualification_reason = reason
            _record(entry, ModerationAction.AMEND_REASON, actor, reason, now)
            db.session.flush()
        return entry
    version = _lock_for_status_change(entry)
    if not _set_disqualified(entry, True, reason):
        return entry  # someone else changed it first; nothing left to do
    _recount(entry.challenge_id)
    publish_entry_change(entry, version, now)
    event = _record(entry, ModerationAction.DISQUALIFY, actor, reason, now)
    rewards.entry_disqualified(entry, now, tag=f"m{event.id}")
    _rerank_if_final(entry, event, now, f"entry “{entry.title}” disqualified by {actor[1]}: "
                                        f"{reason}")
    return entry


def reinstate_entry(submission_id: uuid.UUID, editor: User | None, now: datetime,
                    reason: str = "", *, operator: str | None = None) -> ChallengeSubmission:
    """Undo a disqualification, with the same guarantees: the entry's received votes count
    again (their points come back), it rejoins the boards, and after finalization the
    challenge is re-ranked. Recorded like a disqualification; reinstating an entry that is not
    disqualified changes nothing."""
    actor = _moderator(editor, operator)
    reason = _moderation_reason(reason, required=False)
    entry = _entry_to_moderate(submission_id)
    if not entry.is_disqualified:
        return entry
    version = _lock_for_status_change(entry)
    if not _set_disqualified(entry, False, ""):
        return entry
    _recount(entry.challenge_id)
    publish_entry_change(entry, version, now)
    event = _record(entry, ModerationAction.REINSTATE, actor, reason, now)
    rewards.entry_reinstated(entry, now, tag=f"m{event.id}")
    _rerank_if_final(entry, event, now, f"entry “{entry.title}” reinstated by {actor[1]}"
                                        + (f": {reason}" if reason else "."))
    return entry


def moderation_history(submission_id: uuid.UUID) -> list[EntryModerationEvent]:
    """Every disqualification and reinstatement of an entry, oldest first (the admin shows
    them)."""
    return list(db.session.scalars(
        select(EntryModerationEvent)
        .where(EntryModerationEvent.submission_id == submission_id)
        .order_by(EntryModerationEvent.id)
    ))


def _moderator(editor: User | None, operator: str | None) -> tuple[int | None, str]:
    """(user id, name) of who acts: an editor, else a named operator; anyone else is refused."""
    if operator is None or editor is not None:
        _require_editor(editor)
        assert editor is not None
        return editor.id, f"@{editor.username}"
    return None, operator


def _moderation_reason(reason: str | None, *, required: bool) -> str:
    return required_text(reason, "reason", 1000, _("Say why the entry is disqualified"),
                         required=required)


def _entry_to_moderate(submission_id: uuid.UUID) -> ChallengeSubmission:
    """Any entry but a withdrawn one (editors and operators see drafts' and disqualified
    entries too)."""
    entry = db.session.get(ChallengeSubmission, submission_id)
    if entry is None or entry.is_withdrawn:
        raise NotFound(_("No such entry."))
    return entry


def _set_disqualified(entry: ChallengeSubmission, disqualified: bool, reason: str) -> bool:
    """Compare-and-set under the board lock: True if this call changed the entry."""
    changed = db.session.execute(
        update(ChallengeSubmission)
        .where(ChallengeSubmission.id == entry.id,
               ChallengeSubmission.is_withdrawn.is_(False),
               ChallengeSubmission.is_disqualified.is_(not disqualified))
        .values(is_disqualified=disqualified, disqualification_reason=reason)
        .returning(ChallengeSubmission.id)
        .execution_options(synchronize_session=False)
    ).first()
    db.session.refresh(entry)
    return changed is not None


def _record(entry: ChallengeSubmission, action: ModerationAction, actor: tuple[int | None, str],
            reason: str, now: datetime) -> EntryModerationEvent:
    event = EntryModerationEvent(
        submission_id=entry.id, challenge_id=entry.challenge_id, action=action.value,
        actor_id=actor[0], actor=actor[1], reason=reason, effects={}, created_at=now)
    db.session.add(event)
    db.session.flush()  # its id keys the ledger rows this change writes
    return event


def _rerank_if_final(entry: ChallengeSubmission, event: EntryModerationEvent, now: datetime,
                     because: str) -> None:
    """After finalization, apply the results again as the next revision (under the row lock
    ``lock_challenge`` took, so revisions are numbered one at a time)."""
    finalized = db.session.scalar(
        select(WeeklyChallenge.finalized_at).where(WeeklyChallenge.id == entry.challenge_id))
    if finalized is None:
        return  # finalization will rank from the database as it stands then
    last = db.session.scalar(
        select(func.max(EntryModerationEvent.results_revision))
        .where(EntryModerationEvent.challenge_id == entry.challenge_id))
    event.results_revision = (last or 0) + 1
    db.session.flush()
    event.effects = rerank_results(entry.challenge_id, now, event.results_revision, because)
    db.session.flush()


def _require_editor(user: User | None) -> None:
    if not can_see_unpublished(user):
        raise EditorOnlyAction()


def _recount(challenge_id: uuid.UUID) -> None:
    """Entries and participants shown on the challenge: counting entries (not withdrawn, not
    disqualified) and their distinct authors, recounted under the row lock, so always exact.
    (The votes they hold, ``total_votes``, are derived on read: issue #14.)"""
    counting = (ChallengeSubmission.challenge_id == challenge_id, ChallengeSubmission.counts)
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
