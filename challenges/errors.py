"""Domain errors. Services raise them; the HTML views flash their message, the API returns it.

Each error has a stable ``code`` (for the API, always English), an HTTP ``status`` and a human
``message`` in the language of the request. Default messages are lazy (``lazy_gettext``): a class
attribute is built once, at import, and translated each time it is read. Messages passed where
an error is raised are translated there (``gettext``), since that runs inside the request.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

# A message: a str, or a lazy string that becomes one in the current locale when read.
Message = Any


class DomainError(Exception):
    code = "invalid"
    status = 400
    default_message: Message = _l("That request could not be completed.")

    def __init__(self, message: Message | None = None, *, code: str | None = None,
                 **details: Any) -> None:
        self._message = message or self.default_message
        self.details = details
        if code is not None:
            self.code = code
        super().__init__(self._message)

    @property
    def message(self) -> str:
        """The message as a plain str in the current locale. Always a str: a lazy string in
        ``flash`` would be stored as Markup (it has ``__html__``) and come back unescaped."""
        return str(self._message)

    def __str__(self) -> str:
        return self.message


class ValidationFailed(DomainError):
    """Input that breaks a rule; ``details`` maps field names to messages."""

    code = "validation_failed"
    status = 422
    default_message = _l("Some fields need attention.")

    def __init__(self, errors: dict[str, Message], message: Message | None = None) -> None:
        # Plain strs in the current locale: the API serialises them, forms show them.
        texts = {field: str(text) for field, text in errors.items()}
        super().__init__(message or " ".join(texts.values()) or None, fields=texts)
        self.errors = texts


class NotFound(DomainError):
    code = "not_found"
    status = 404
    default_message = _l("Not found.")


class Forbidden(DomainError):
    code = "forbidden"
    status = 403
    default_message = _l("You are not allowed to do that.")


class Conflict(DomainError):
    code = "conflict"
    status = 409
    default_message = _l("That conflicts with the current state.")


class UsernameTaken(Conflict):
    code = "username_taken"
    default_message = _l("That username is taken.")


class EmailTaken(Conflict):
    code = "email_taken"
    default_message = _l("An account with that email already exists.")


class InvalidCredentials(DomainError):
    code = "invalid_credentials"
    status = 401
    default_message = _l("Wrong username/email or password.")


class LoginRequired(DomainError):
    code = "login_required"
    status = 401
    default_message = _l("Log in to do that.")


class SubmissionsClosed(DomainError):
    code = "submissions_closed"
    status = 409
    default_message = _l("This challenge is not accepting entries right now.")


class SubmissionLimitReached(DomainError):
    code = "submission_limit_reached"
    status = 409
    default_message = _l("You have reached the maximum number of entries for this challenge.")


class DuplicateProjectEntry(DomainError):
    code = "duplicate_project"
    status = 409
    default_message = _l("You have already entered this project in this challenge.")


class NotYourEntry(Forbidden):
    code = "not_your_entry"
    default_message = _l("Only the author can change this entry.")


class EditingClosed(DomainError):
    code = "editing_closed"
    status = 409
    default_message = _l("Entries can only be changed until the submission deadline.")


class VotingClosed(DomainError):
    code = "voting_closed"
    status = 409
    default_message = _l("Voting is not open for this challenge.")


class SelfVote(DomainError):
    code = "self_vote"
    status = 403
    default_message = _l("You can't vote for your own entry.")


class EntryNotVotable(DomainError):
    code = "entry_not_votable"
    status = 409
    default_message = _l("This entry can no longer receive votes.")


class EditorOnlyAction(Forbidden):
    code = "editors_only"
    default_message = _l("Only editors can do that.")


# A rule's "no": the refused action's code, HTTP status and a message a person can read. The
# ``*_refusal`` functions (``services.votes``, ``services.entries``) return one, or None when the
# action is allowed; the services raise it, pages show its message beside a disabled control.
Refusal = DomainError
