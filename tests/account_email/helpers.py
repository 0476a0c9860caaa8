"""What the account-email tests share: reading the emails the SMTP server received, following
their links with the test client, and the pages' text."""

from __future__ import annotations

import html
import re
from email.message import EmailMessage
from urllib.parse import urlsplit

from sqlalchemy import select

from challenges.extensions import db
from challenges.models import User

LINK_RE = re.compile(r"https?://[^\s\"<>]+")


def text_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, "no text/plain part"
    return part.get_content()


def html_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None, "no text/html part"
    return part.get_content()


def link_in(message: EmailMessage, path_prefix: str) -> str:
    """The path of the one link under ``path_prefix`` in the email; it must be the same link in
    the text and the HTML part."""
    in_text = {url for url in LINK_RE.findall(text_part(message))
               if urlsplit(url).path.startswith(path_prefix)}
    in_html = {html.unescape(url) for url in LINK_RE.findall(html_part(message))
               if urlsplit(html.unescape(url)).path.startswith(path_prefix)}
    assert len(in_text) == 1, f"links under {path_prefix} in the text part: {in_text}"
    assert in_html == in_text, f"the HTML part links {in_html}, the text part {in_text}"
    return urlsplit(in_text.pop()).path


def only_message_to(smtp_server, address: str) -> EmailMessage:
    messages = smtp_server.to(address)
    assert len(messages) == 1, f"{len(messages)} messages to {address}"
    return messages[0]


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def field_error(response, field_id: str) -> str:
    match = re.search(rf'<p class="error" id="{re.escape(field_id)}-error">(.*?)</p>',
                      response.get_data(as_text=True), re.S)
    return html.unescape(match.group(1)) if match else ""


def reload(user_id: int) -> User:
    db.session.rollback()
    user = db.session.scalar(select(User).where(User.id == user_id))
    assert user is not None
    return user
