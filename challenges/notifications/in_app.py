"""The in-app twin of every notification email: the same event, for the same member, under the
same key, so the bell says what the inbox got (issue #9, "the same events as the emails").

Stored as finished text, written in the recipient's language (``User.locale``, else English),
as their email is. Built from the emails themselves (``EmailToQueue``), right beside them in
``due.queue_page``: one audience query, one transaction for both, exactly-once by the shared
key.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from flask_babel import gettext as _
from flask_babel import ngettext

from .inbox import InboxItem
from .kinds import NotificationKind
from .mail import in_locale
from .outbox import EmailToQueue

K = NotificationKind


def _path(url: str) -> str:
    """The site path of an absolute link built for an email (the bell links within the site)."""
    parts = urlsplit(url)
    path = parts.path or "/"
    return path + (f"?{parts.query}" if parts.query else "") + (
        f"#{parts.fragment}" if parts.fragment else "")


def _describe(email: EmailToQueue) -> tuple[str, str]:
    """What the bell says for one email, and where it leads (in the active locale)."""
    context: dict[str, Any] = email.context
    challenge = context.get("challenge") or {}
    title = _("“%(title)s”", title=challenge.get("title", ""))  # quoted, as the bell's other news
    kind = K(email.kind)
    if kind == K.CHALLENGE_STARTED:
        return (_("%(title)s has started: submissions are open until %(deadline)s.",
                  title=title, deadline=challenge["submission_deadline"]),
                _path(challenge["url"]))
    if kind == K.SUBMISSIONS_CLOSING:
        return (_("Submissions to %(title)s close in 24 hours, and you have not entered yet.",
                  title=title), _path(challenge["submit_url"]))
    if kind == K.VOTING_OPEN:
        return (_("Voting is open in %(title)s: see every entry and vote.", title=title),
                _path(challenge["gallery_url"]))
    if kind == K.VOTING_CLOSING:
        needed = context.get("votes_needed", 0)
        text = _("Voting in %(title)s closes in 24 hours.", title=title)
        if needed and context.get("voting_reward"):
            text += " " + ngettext("%(num)d more vote earns your voting reward.",
                                   "%(num)d more votes earn your voting reward.", needed)
        return text, _path(challenge["gallery_url"])
    if kind == K.RESULTS:
        if context.get("rank"):
            text = ngettext(
                "Results of %(title)s: you placed %(place)s of %(ranked)s with %(votes)s vote.",
                "Results of %(title)s: you placed %(place)s of %(ranked)s with %(votes)s votes.",
                1 if context.get("votes_is_one") else 2,
                title=title, place=context["rank_label"], ranked=context["ranked"],
                votes=context["votes"])
        else:
            text = _("The results of %(title)s are in.", title=title)
        return text, _path(context["share_url"])
    return _("Your weekly digest for %(week)s is in your inbox.",
             week=context.get("week", "")), "/"


def in_app_items(emails: Sequence[EmailToQueue]) -> list[InboxItem]:
    """One in-app notification per member email of ``emails``, keyed like the email."""
    items = []
    for email in emails:
        if email.user_id is None:
            continue
        with in_locale(email.locale):  # stored as text: written in the recipient's language
            text, link = _describe(email)
        items.append(InboxItem(user_id=email.user_id, kind=email.kind, key=email.key, text=text,
                               link=link, challenge_id=email.challenge_id))
    return items
