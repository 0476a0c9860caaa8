"""The test app served on loopback by a threaded Werkzeug server, for browsers and fuzzers."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, got_request_exception
from werkzeug.serving import make_server


@dataclass
class LiveServer:
    url: str
    errors: list[BaseException] = field(default_factory=list)  # exceptions views raised

    def __str__(self) -> str:
        return self.url


@contextmanager
def serve(app: Flask, name: str = "live-server") -> Iterator[LiveServer]:
    """Serve ``app`` on 127.0.0.1 at a free port: same database and Redis as the tests, so data
    arranged with the factories is what the server sees."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    live = LiveServer(url=f"http://127.0.0.1:{server.server_port}")

    def record(sender: Flask, exception: BaseException, **extra: Any) -> None:
        live.errors.append(exception)

    got_request_exception.connect(record, app)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log in test output
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield live
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        got_request_exception.disconnect(record, app)
