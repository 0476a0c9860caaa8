"""The in-app twin of every notification email: the same event, for the same member, under the
same key, so the bell says what the inbox got (issue #9, "the same events as the emails").

Built from the emails themselves (``EmailToQueue``), right beside them in ``due.queue_page``:
one audience query, one transaction for both, exactly-once by the shared key.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from .inbox import InboxItem
from .kinds import NotificationKind
from .outbox import EmailToQueue

K = NotificationKind


def _path(url: str) -> str:
    """The site path of an absolute link built for an email (the bell links within the site)."""
    parts = urlsplit(url)
    path = parts.path or "/"
    return path + (f"?{parts.query}" if parts.query else "") + (
        f"#{parts.fragment}" if parts.fragment else "")


def _describe(email: EmailToQueue) -> tuple[str, str]:
    """What the bell says for one email, and where it leads."""
    context: dict[str, Any] = email.context
    challenge = context.get("challenge") or {}
    title = f"“{challenge.get('title', '')}”"  # quoted, as the bell's other news names it
    kind = K(email.kind)
    if kind == K.CHALLENGE_STARTED:
        return (f"{title} has started: submissions are open until "
                f"{challenge['submission_deadline']}.", _path(challenge["url"]))
    if kind == K.SUBMISSIONS_CLOSING:
        return (f"Submissions to {title} close in 24 hours, and you have not entered yet.",
                _path(challenge["submit_url"]))
    if kind == K.VOTING_OPEN:
        return f"Voting is open in {title}: see every entry and vote.", _path(
            challenge["gallery_url"])
    if kind == K.VOTING_CLOSING:
        needed = context.get("votes_needed", 0)
        more = f" {needed} more vote{'s' if needed != 1 else ''} earn your voting reward." \
            if needed and context.get("voting_reward") else ""
        return f"Voting in {title} closes in 24 hours.{more}", _path(challenge["gallery_url"])
    if kind == K.RESULTS:
        if context.get("rank"):
            text = (f"Results of {title}: you placed {context['rank_label']} of "
                    f"{context['ranked']} with {context['votes']} "
                    f"vote{'' if context.get('votes_is_one') else 's'}.")
        else:
            text = f"The results of {title} are in."
        return text, _path(context["share_url"])
    return f"Your weekly digest for {context.get('week', 'this week')} is in your inbox.", "/"


def in_app_items(emails: Sequence[EmailToQueue]) -> list[InboxItem]:
    """One in-app notification per member email of ``emails``, keyed like the email."""
    items = []
    for email in emails:
        if email.user_id is None:
            continue
        text, link = _describe(email)
        items.append(InboxItem(user_id=email.user_id, kind=email.kind, key=email.key, text=text,
                               link=link, challenge_id=email.challenge_id))
    return items
