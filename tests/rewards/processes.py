"""Real worker and scheduler processes for the tests, each in its own process group (so a kill
reaches the work horse and RQ's scheduler child too), logged to a file, always stopped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def process_env(app_config: dict[str, Any], **extra: str) -> dict[str, str]:
    """The environment a ``python -m jobs...`` process needs to use the test database and Redis."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "REDIS_URL", "RATELIMIT_STORAGE_URI", "WC_ENV"}}
    env.update({
        "DATABASE_URL": app_config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": app_config["REDIS_URL"],
        "SECRET_KEY": app_config["SECRET_KEY"],
        "INSTANCE_PATH": app_config["INSTANCE_PATH"],
        "PYTHONUNBUFFERED": "1",
    })
    env.update(extra)
    return env


class Spawned:
    def __init__(self, name: str, proc: subprocess.Popen, log: Path) -> None:
        self.name, self.proc, self.log = name, proc, log

    def alive(self) -> bool:
        return self.proc.poll() is None

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def kill_group(self, sig: int = signal.SIGKILL) -> None:
        """Signal the whole process group: the process and every child it forked."""
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=20)


@pytest.fixture
def spawn(app_config: dict[str, Any], tmp_path: Path) -> Iterator[Callable[..., Spawned]]:
    """``spawn(name, "jobs.worker", **env)`` starts ``python -m jobs.worker``; every process
    started here is stopped (its group SIGKILLed) when the test ends, pass or fail."""
    started: list[Spawned] = []

    def _spawn(name: str, module: str, **extra_env: str) -> Spawned:
        log = tmp_path / f"{name}.log"
        handle = log.open("w")
        proc = subprocess.Popen(
            [sys.executable, "-m", module], cwd=ROOT, env=process_env(app_config, **extra_env),
            stdout=handle, stderr=subprocess.STDOUT, start_new_session=True,
        )
        handle.close()
        spawned = Spawned(name, proc, log)
        started.append(spawned)
        return spawned

    yield _spawn
    for spawned in started:
        if spawned.alive():
            spawned.kill_group()
        # Leftover children (a horse whose parent died) share the group: reap them too.
        try:
            os.killpg(spawned.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def wait_for(condition: Callable[[], Any], timeout: float, what: str,
             processes: tuple[Spawned, ...] = ()) -> Any:
    """Poll ``condition`` until it returns something truthy; fail with the logs after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        for spawned in processes:
            if not spawned.alive():
                pytest.fail(f"{spawned.name} exited while waiting for {what}:\n{spawned.output()}")
        time.sleep(0.05)
    logs = "\n".join(f"--- {p.name}\n{p.output()}" for p in processes)
    pytest.fail(f"timed out after {timeout}s waiting for {what}\n{logs}")
