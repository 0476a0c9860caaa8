"""A real HTTP server that receives webhooks in a thread and verifies each signature with the
Standard Webhooks library, answering what the test scripts (a status, a redirect, a hang)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook, WebhookVerificationError


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    verified: bool
    error: str = ""

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.body)

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]


@dataclass
class Answer:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False  # hold the request until the test ends (a receiver that never answers)


class Receiver:
    def __init__(self) -> None:
        self.secret: str | None = None
        self.requests: list[Received] = []
        self.script: list[Answer] = []  # answers in order; then 200
        self.released = threading.Event()
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver._record(self.path, dict(self.headers.items()), body)
                with receiver.lock:
                    answer = receiver.script.pop(0) if receiver.script else Answer()
                if answer.hang:
                    receiver.released.wait(30)
                    return
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def do_GET(self) -> None:  # noqa: N802
                receiver._record(self.path, dict(self.headers.items()), b"")
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _record(self, path: str, headers: dict[str, str], body: bytes) -> None:
        lowered = {k.lower(): v for k, v in headers.items()}
        verified, error = False, "no secret"
        if self.secret is not None:
            try:
                Webhook(self.secret).verify(body, lowered)
                verified, error = True, ""
            except WebhookVerificationError as exc:
                error = str(exc)
        with self.lock:
            self.requests.append(Received(path, lowered, body, verified, error))

    def answer(self, *answers: Answer | int) -> None:
        """Script the next answers (ints are statuses)."""
        with self.lock:
            self.script.extend(a if isinstance(a, Answer) else Answer(a) for a in answers)

    def start(self) -> Receiver:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)
