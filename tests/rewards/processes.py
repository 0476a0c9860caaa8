"""Real worker and scheduler processes for the tests, each started in its own process group,
logged to a file, always stopped. RQ puts each work horse in a process group of its own
(``os.setpgrp()`` after the fork), so killing a worker's group alone would leave the horse
running; ``kill_group`` kills the groups of the process and of every descendant (Linux /proc)."""

from __future__ import annotations

import contextlib
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
        """Signal the process group of the process and of each of its descendants (the work
        horse, RQ's scheduler child), all at once, as a machine losing power would."""
        groups = {self.proc.pid}
        for pid in descendants(self.proc.pid):
            with contextlib.suppress(ProcessLookupError):
                groups.add(os.getpgid(pid))
        for group in groups:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, sig)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=20)


def descendants(pid: int) -> list[int]:
    """Every live descendant of ``pid`` (from /proc: the parent id is field 4 of stat)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


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
        spawned.kill_group()


def wait_for(condition: Callable[[], Any], timeout: float, what: str,
             processes: tuple[Spawned, ...] = ()) -> Any:
    """Poll ``condition`` until it returns something truthy; fail with the logs on timeout."""
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
