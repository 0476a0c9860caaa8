"""``make run`` on a fresh clone: serves the home page within 60 s, the scheduler's job shows in
the log, Ctrl-C leaves no process behind, and a second run finds the same data.

Runs ``python -m challenges.runner`` (what ``make run`` runs) on the embedded defaults: no
DATABASE_URL or REDIS_URL, so a SQLite file and an embedded Valkey under a fresh instance folder.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis

from challenges.config import PROJECT_ROOT, embedded_redis_socket

pytestmark = [pytest.mark.slow, pytest.mark.sqlite_only]

# What the runner must find on its own: none of the test session's settings leak in.
CONFIG_VARIABLES = {
    "DATABASE_URL", "REDIS_URL", "RATELIMIT_STORAGE_URI", "SECRET_KEY", "WC_ENV", "RQ_QUEUE",
    "SCHEDULER_INTERVAL_SECONDS", "PHASE_JOB_INTERVAL_SECONDS", "WEB_CONCURRENCY",
    "LOGIN_RATE_LIMIT", "REGISTER_RATE_LIMIT", "SESSION_COOKIE_SECURE",
}
# Logged by the job itself, in the worker (RQ's own line per job is hidden in make run).
JOB_RAN = re.compile(r"INFO:jobs\.phases:advance_phases: \d+ transition\(s\)")
CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')
USERNAME, PASSWORD = "runner_check", "a runner check password"
MARKER_KEY = "wc-test:runner:marker"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Run:
    """One ``make run``: a runner process in its own process group, as a terminal starts it."""

    def __init__(self, instance: Path, port: int, log_path: Path) -> None:
        self.instance, self.port, self.log_path = instance, port, log_path
        self.url = f"http://127.0.0.1:{port}"
        env = {k: v for k, v in os.environ.items()
               if k not in CONFIG_VARIABLES and not k.startswith("TEST_")}
        env.update(INSTANCE_PATH=str(instance), PORT=str(port), PYTHONUNBUFFERED="1",
                   ENV_FILE=str(instance.parent / "no.env"))  # a fresh clone has no .env
        self.started = time.monotonic()
        with open(log_path, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "challenges.runner"], cwd=PROJECT_ROOT, env=env,
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,  # the foreground process group a terminal would own
            )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for(self, what: str, done: Callable[[], bool], timeout: float) -> float:
        """Poll an external process until ``done()``; returns the seconds since the start."""
        deadline = time.monotonic() + timeout
        while not done():
            if self.process.poll() is not None:
                pytest.fail(f"the runner exited ({self.process.returncode}) before {what}:\n"
                            + self.log())
            if time.monotonic() > deadline:
                pytest.fail(f"no {what} within {timeout:.0f} s:\n" + self.log())
            time.sleep(0.2)
        return time.monotonic() - self.started

    def home_page_ok(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/", timeout=5) as response:
                return response.status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    def ctrl_c(self, timeout: float = 30) -> int:
        """SIGINT to the whole foreground process group, as Ctrl-C in a terminal sends it."""
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the runner did not stop within {timeout} s of Ctrl-C:\n" + self.log())

    def kill(self) -> None:
        """Last-resort cleanup after a failed test: only the processes this run started."""
        for pid in leftover_processes(self.instance, self.port):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)


def leftover_processes(instance: Path, port: int) -> dict[int, str]:
    """Live processes started for this instance: the runner passes INSTANCE_PATH to every child
    (gunicorn and its workers, the RQ worker and its work horses, the scheduler, Valkey), and
    the command lines name the socket, the port or the instance folder."""
    marks = [str(instance), f"127.0.0.1:{port}", str(embedded_redis_socket(instance))]
    env_mark = f"INSTANCE_PATH={instance}".encode()
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            environ = (entry / "environ").read_bytes().split(b"\0")
        except (FileNotFoundError, ProcessLookupError, PermissionError, IndexError):
            continue
        if state == "Z":
            continue  # exited; only its parent's wait() is pending
        if any(mark in cmdline for mark in marks) or env_mark in environ:
            found[int(entry.name)] = cmdline
    return found


def port_is_closed(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


class Browser:
    """A cookie-keeping HTTP client that posts forms with their CSRF token."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> str:
        with self.opener.open(self.url + path, timeout=10) as response:
            return response.read().decode()

    def post_form(self, path: str, data: dict[str, str]) -> tuple[int, str]:
        match = CSRF_INPUT.search(self.get(path))
        assert match, f"no csrf_token input on {path}"
        body = urllib.parse.urlencode({"csrf_token": match.group(1), **data}).encode()
        try:
            with self.opener.open(self.url + path, data=body, timeout=10) as response:
                return response.status, response.read().decode()  # after the redirect
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.read().decode()


def job_ran(log: str) -> bool:
    """The worker picked the scheduler's job off the queue, and the job finished."""
    return JOB_RAN.search(log) is not None


def nav_username(page: str) -> str | None:
    match = re.search(r'data-testid="nav-username">([^<]*)<', page)
    return match.group(1) if match else None


def count_users(instance: Path) -> int:
    connection = sqlite3.connect(instance / "challenges.db")
    try:
        return connection.execute("SELECT count(*) FROM users").fetchone()[0]
    finally:
        connection.close()


def embedded_valkey(instance: Path) -> redis.Redis:
    return redis.Redis(unix_socket_path=str(embedded_redis_socket(instance)), decode_responses=True)


@pytest.fixture
def start_run(tmp_path: Path) -> Iterator[Callable[[str], Run]]:
    instance = tmp_path / "instance"
    port = free_port()
    runs: list[Run] = []

    def start(name: str) -> Run:
        runs.append(Run(instance, port, tmp_path / f"{name}.log"))
        return runs[-1]

    yield start
    for run in runs:
        if run.process.poll() is None or leftover_processes(instance, port):
            run.kill()


def test_make_run_serves_schedules_stops_cleanly_and_keeps_its_data(start_run):
    # First run, on a fresh instance folder.
    first = start_run("first")
    up_after = first.wait_for("home page", first.home_page_ok, timeout=60)
    assert up_after < 60
    # Behind the jobs the demo's votes queued (one per vote, for the bell): minutes on a busy box.
    first.wait_for("scheduled job in the log", lambda: job_ran(first.log()), 180)
    assert "demo data loaded" in first.log()
    assert_logins_box_after_startup(first)

    browser = Browser(first.url)
    status, page = browser.post_form("/register", {
        "username": USERNAME, "email": f"{USERNAME}@example.com",
        "password": PASSWORD, "confirm": PASSWORD,
    })
    assert status == 200 and "We sent a link to" in page, page[:2000]  # signs nobody in
    status, page = browser.post_form("/login", {"login": USERNAME, "password": PASSWORD})
    assert status == 200 and nav_username(page) == f"@{USERNAME}", page[:2000]
    with embedded_valkey(first.instance) as valkey:
        valkey.set(MARKER_KEY, "written in the first run")
    users = count_users(first.instance)

    assert_ctrl_c_stops_everything(first)

    # Second run, same instance folder: same data, nothing loaded twice.
    second = start_run("second")
    second.wait_for("home page", second.home_page_ok, timeout=60)
    second.wait_for("scheduled job in the log", lambda: job_ran(second.log()), 30)
    assert "demo data loaded" not in second.log()
    assert_logins_box_after_startup(second)  # every run shows them, not only the first
    assert count_users(second.instance) == users

    status, page = Browser(second.url).post_form("/login", {
        "login": USERNAME, "password": PASSWORD,
    })
    assert status == 200 and nav_username(page) == f"@{USERNAME}", page[:2000]
    with embedded_valkey(second.instance) as valkey:
        assert valkey.get(MARKER_KEY) == "written in the first run"

    assert_ctrl_c_stops_everything(second)


def assert_logins_box_after_startup(run: Run) -> None:
    """The demo logins, every account with the password, framed, printed once the web server
    answers: after gunicorn's start-up lines, and not buried under an access log."""
    from challenges.demo import DEMO_ACCOUNTS, DEMO_PASSWORD

    run.wait_for("logins box", lambda: "Demo logins" in run.log(), 30)
    lines = run.log().splitlines()
    start = next(i for i, line in enumerate(lines) if "Demo logins" in line)
    box = "\n".join(lines[start - 3:start + 20])
    assert f"ready at {run.url}" in box and DEMO_PASSWORD in box, box
    for username, _, _ in DEMO_ACCOUNTS:
        assert username in box, box
    assert "flask --app wsgi demo logins" in box, box
    gunicorn_up = next(i for i, line in enumerate(lines) if "Listening at" in line)
    assert gunicorn_up < start, "\n".join(lines)
    assert not re.search(r'"GET /[^"]*" 200', run.log()), "access log lines in make run's output"
    assert "INFO:rq.worker:" not in run.log(), "RQ's line per job in make run's output"


def assert_ctrl_c_stops_everything(run: Run) -> None:
    returncode = run.ctrl_c()
    log = run.log()
    assert returncode == 0, log
    assert "all processes stopped" in log, log
    assert "Traceback" not in log, log
    assert not re.search(r"^\s*run \| \w+ exited with", log, re.MULTILINE), log
    assert leftover_processes(run.instance, run.port) == {}, log
    assert port_is_closed(run.port)
    assert not embedded_redis_socket(run.instance).exists()
