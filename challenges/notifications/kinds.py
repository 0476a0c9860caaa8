"""The notification kinds members can turn on and off (SPEC §11, issue #9): one place that says
what each kind is, whether it is on for someone who never chose, and how it reads on
``/account/notifications``. Who receives each kind and when is ``due.py``'s."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from flask_babel import lazy_gettext as _l


class NotificationKind(StrEnum):
    """Every kind of notification email. The value is stored in preferences, in outbox keys
    ("<kind>:<challenge_id>:<user_id>") and in unsubscribe links, so never rename one."""

    CHALLENGE_STARTED = "challenge_started"
    SUBMISSIONS_CLOSING = "submissions_closing"
    VOTING_OPEN = "voting_open"
    VOTING_CLOSING = "voting_closing"
    RESULTS = "results"
    WEEKLY_DIGEST = "weekly_digest"


@dataclass(frozen=True)
class KindInfo:
    """How a kind behaves by default and how it is described to members."""

    default_enabled: bool
    label: str  # lazy: str() it in the reader's locale
    description: str


KINDS: dict[NotificationKind, KindInfo] = {
    NotificationKind.CHALLENGE_STARTED: KindInfo(
        True, _l("A new challenge starts"),
        _l("An email when a new weekly challenge opens, with its prompt and deadlines.")),
    NotificationKind.SUBMISSIONS_CLOSING: KindInfo(
        True, _l("Submissions close in 24 hours"),
        _l("A reminder a day before the submission deadline, if you have not entered yet.")),
    NotificationKind.VOTING_OPEN: KindInfo(
        True, _l("Voting opens on a challenge you entered"),
        _l("An email when submissions close and voting starts on a challenge you entered.")),
    NotificationKind.VOTING_CLOSING: KindInfo(
        True, _l("Voting closes in 24 hours"),
        _l("A reminder a day before voting ends, if you have not yet voted on enough entries "
        "to earn the voting reward.")),
    NotificationKind.RESULTS: KindInfo(
        True, _l("Results of challenges you took part in"),
        _l("Your rank, votes and points when a challenge you entered or voted in is final "
        "(and your prize, if you won one).")),
    NotificationKind.WEEKLY_DIGEST: KindInfo(
        False, _l("Weekly digest"),
        _l("One email each Monday: this week's open challenges and last week's results.")),
}


def kind_info(kind: NotificationKind | str) -> KindInfo:
    """What ``kind`` is (raises ``ValueError`` for an unknown kind)."""
    return KINDS[NotificationKind(kind)]


def parse_kind(value: str) -> NotificationKind | None:
    """The kind spelled ``value``, or None when there is no such kind."""
    try:
        return NotificationKind(value)
    except ValueError:
        return None
