"""A real SMTP server for the tests (aiosmtpd), wired into the app as ``MAIL_URL``.

``smtp_server`` (a pytest fixture, registered for every test folder in tests/conftest.py) runs
one server per test on a free port. It keeps what it received as parsed
``email.message.EmailMessage`` objects (``smtp_server.messages``), can refuse the next N
messages with a 4xx/5xx reply (``fail_next``), and can hold one message mid-conversation until
the test releases it (``hold_next``: a sender killed while it waits). ``run_outbox()`` sends what
the outbox has due now, as the every-minute sweep would.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask

from .ports import free_port


def run_outbox() -> int:
    """Send every outbox row that is due now (the sweep); returns how many were sent."""
    from challenges.notifications.sending import send_due

    return send_due()


class SMTPServer:
    """The aiosmtpd handler, and what the tests ask of the server."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []  # (MAIL FROM, RCPT TO) per message
        self.raw: list[bytes] = []  # each message as it came over the wire
        self.url = ""
        self._lock = threading.Lock()
        self._failures: deque[str] = deque()
        self._hold: int | None = None  # messages still to accept before holding one
        self.holding = threading.Event()  # set while a held message waits
        self._release = threading.Event()

    def fail_next(self, count: int, reply: str = "451 4.3.0 Try again later") -> None:
        """Refuse the next ``count`` messages with ``reply`` (a 4xx or 5xx line)."""
        with self._lock:
            self._failures.extend([reply] * count)

    def hold_next(self, after: int = 0) -> None:
        """Accept ``after`` more messages, then keep the next one waiting at the end of DATA
        (``holding`` is set) until ``release()``; then refuse it, as a server whose client
        vanished never delivers it."""
        with self._lock:
            self._hold = after
        self.holding.clear()
        self._release.clear()

    def release(self) -> None:
        self._release.set()

    def wait_for(self, count: int, timeout: float = 30) -> list[EmailMessage]:
        """Wait until ``count`` messages arrived (from another process); return them all."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.messages)} of {count} messages arrived")
            time.sleep(0.02)
        return list(self.messages)

    def to(self, address: str) -> list[EmailMessage]:
        """The messages received for ``address``."""
        return [m for m in self.messages if address in str(m["To"])]

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self._lock:
            failure = self._failures.popleft() if self._failures else None
            hold = failure is None and self._hold == 0
            if failure is None and self._hold is not None:
                self._hold = None if hold else self._hold - 1
        if failure is not None:
            return failure
        if hold:
            self.holding.set()
            await asyncio.get_running_loop().run_in_executor(None, self._release.wait, 60)
            return "451 4.4.2 Held message not accepted"
        message = message_from_bytes(envelope.original_content or envelope.content,
                                     policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self.messages.append(message)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self.raw.append(envelope.original_content or envelope.content)
        return "250 2.0.0 OK"


@pytest.fixture
def smtp_server(app: Flask) -> Iterator[SMTPServer]:
    """A real SMTP server on a free port, configured into the app (``MAIL_URL``)."""
    handler = SMTPServer()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    handler.url = f"smtp://127.0.0.1:{port}"
    previous = app.config.get("MAIL_URL", "")
    app.config["MAIL_URL"] = handler.url
    try:
        yield handler
    finally:
        app.config["MAIL_URL"] = previous
        handler.release()
        controller.stop()
