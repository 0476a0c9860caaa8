"""Load generation against 127.0.0.1 only: wrk when it is installed (or installable), otherwise a
small multi-process Python client with keep-alive connections. Always a fixed duration and a fixed
number of connections."""

from __future__ import annotations

import http.client
import math
import multiprocessing
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Result:
    requests: int
    seconds: float
    rps: float
    bad: int  # non-2xx/3xx responses and socket errors
    p50_ms: float | None = None
    p99_ms: float | None = None
    output: str = ""  # wrk's report (a script's done() adds lines of its own)


def ensure_wrk(log) -> str | None:
    """The wrk binary, installing the Debian package if it is missing and apt is there."""
    found = shutil.which("wrk")
    if found:
        return found
    if shutil.which("apt-get"):
        log("wrk missing: apt-get install -y wrk")
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        found = shutil.which("wrk")
    return found


_DURATION_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()  # type: ignore[union-attr]
    return float(number) * _DURATION_UNITS[unit]


def run_wrk(wrk: str, url: str, seconds: float, connections: int, threads: int,
            headers: dict[str, str] | None = None, script: Path | None = None,
            script_args: list[str] | None = None) -> Result:
    assert url.startswith("http://127.0.0.1:"), "load goes to the loopback interface only"
    seconds = max(1, math.ceil(seconds))  # wrk takes whole seconds
    command = [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
               "--timeout", "10s"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    if script is not None:
        command += ["-s", str(script)]
    command.append(url)
    if script_args:
        command += ["--", *script_args]
    out = subprocess.run(command, check=True, capture_output=True, text=True,
                         timeout=seconds + 60).stdout
    total = re.search(r"(\d+) requests in ([\d.]+)(ms|s|m)", out)
    assert total, out
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    bad = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if socket:
        # A read error is how wrk reports a server closing a non-keep-alive connection on
        # some kernels; connect/write/timeout errors are real failures.
        bad += int(socket.group(1)) + int(socket.group(3)) + int(socket.group(4))
    p50 = re.search(r"50%\s+([\d.]+\w+)", out)
    p99 = re.search(r"99%\s+([\d.]+\w+)", out)
    span = float(total.group(2)) * {"ms": 1e-3, "s": 1.0, "m": 60.0}[total.group(3)]
    return Result(int(total.group(1)), span, rps, bad,
                  _ms(p50.group(1)) if p50 else None, _ms(p99.group(1)) if p99 else None, out)


def conditional_counts(result: Result) -> tuple[int, int, int, int, int] | None:
    """(304s, 200s, others, repeat views, repeat views answered 304) from ``conditional.lua``'s
    line in a wrk report, if it has one. A repeat view sent back the ETag it was given."""
    found = re.search(r"conditional: 304=(\d+) 200=(\d+) other=(\d+) repeats=(\d+) "
                      r"repeat304=(\d+)", result.output)
    if found is None:
        return None
    n304, n200, other, repeats, repeat304 = (int(g) for g in found.groups())
    return n304, n200, other, repeats, repeat304


# --- The fallback: one process per connection, each a keep-alive loop. -----------------------

@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: str | None = None


def _client(port: int, requests: list[Request], stop_at: float, queue) -> None:  # type: ignore[no-untyped-def]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    done = bad = 0
    i = 0
    while time.monotonic() < stop_at:
        r = requests[i % len(requests)]
        i += 1
        try:
            conn.request(r.method, r.path, body=r.body, headers=r.headers)
            response = conn.getresponse()
            response.read()
            if response.status >= 400:
                bad += 1
            if response.will_close:
                conn.close()
        except (OSError, http.client.HTTPException):
            bad += 1
            conn.close()
            continue
        done += 1
    queue.put((done, bad))


def run_python(port: int, seconds: float, connections: int,
               requests: list[list[Request]]) -> Result:
    """``requests[k]`` is what connection k sends, in a loop, for ``seconds``."""
    queue: multiprocessing.Queue = multiprocessing.Queue()
    start = time.monotonic()
    stop_at = start + seconds
    procs = [multiprocessing.Process(target=_client,
                                     args=(port, requests[k % len(requests)], stop_at, queue))
             for k in range(connections)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=seconds + 60) for _ in procs]
    for p in procs:
        p.join()
    span = time.monotonic() - start
    done = sum(r[0] for r in results)
    return Result(done, span, done / span, sum(r[1] for r in results))


if __name__ == "__main__":
    sys.exit("run the benchmark with: python -m tests.bench.core")
