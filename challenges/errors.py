"""Domain errors. Services raise them; the HTML views flash their message, the API returns it.

Each error has a stable ``code`` (for the API), an HTTP ``status`` and a human ``message``.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "invalid"
    status = 400
    default_message = "That request could not be completed."

    def __init__(self, message: str | None = None, *, code: str | None = None,
                 **details: Any) -> None:
        self.message = message or self.default_message
        self.details = details
        if code is not None:
            self.code = code
        super().__init__(self.message)


class ValidationFailed(DomainError):
    """Input that breaks a rule; ``details`` maps field names to messages."""

    code = "validation_failed"
    status = 422
    default_message = "Some fields need attention."

    def __init__(self, errors: dict[str, str], message: str | None = None) -> None:
        super().__init__(message or " ".join(errors.values()) or None, fields=errors)
        self.errors = errors


class NotFound(DomainError):
    code = "not_found"
    status = 404
    default_message = "Not found."


class Forbidden(DomainError):
    code = "forbidden"
    status = 403
    default_message = "You are not allowed to do that."


class Conflict(DomainError):
    code = "conflict"
    status = 409
    default_message = "That conflicts with the current state."


class UsernameTaken(Conflict):
    code = "username_taken"
    default_message = "That username is taken."


class EmailTaken(Conflict):
    code = "email_taken"
    default_message = "An account with that email already exists."


class InvalidCredentials(DomainError):
    code = "invalid_credentials"
    status = 401
    default_message = "Wrong username/email or password."


class LoginRequired(DomainError):
    code = "login_required"
    status = 401
    default_message = "Log in to do that."


class SubmissionsClosed(DomainError):
    code = "submissions_closed"
    status = 409
    default_message = "This challenge is not accepting entries right now."


class SubmissionLimitReached(DomainError):
    code = "submission_limit_reached"
    status = 409
    default_message = "You have reached the maximum number of entries for this challenge."


class DuplicateProjectEntry(DomainError):
    code = "duplicate_project"
    status = 409
    default_message = "You have already entered this project in this challenge."


class NotYourEntry(Forbidden):
    code = "not_your_entry"
    default_message = "Only the author can change this entry."


class EditingClosed(DomainError):
    code = "editing_closed"
    status = 409
    default_message = "Entries can only be changed until the submission deadline."


class VotingClosed(DomainError):
    code = "voting_closed"
    status = 409
    default_message = "Voting is not open for this challenge."


class SelfVote(DomainError):
    code = "self_vote"
    status = 403
    default_message = "You can't vote for your own entry."


class EntryNotVotable(DomainError):
    code = "entry_not_votable"
    status = 409
    default_message = "This entry can no longer receive votes."


class EditorOnlyAction(Forbidden):
    code = "editors_only"
    default_message = "Only editors can do that."


# A rule's "no": the refused action's code, HTTP status and a message a person can read. The
# ``*_refusal`` functions (``services.votes``, ``services.entries``) return one, or None when the
# action is allowed; the services raise it, pages show its message beside a disabled control.
Refusal = DomainError
