"""`make test`: the whole suite on SQLite and on PostgreSQL, both passes at once.

Each pass is its own pytest process with its own database and Valkey; the browser tests
(tests/e2e) are shared out between them, each running once. Their output is streamed
with a [sqlite]/[postgres] prefix, and the run ends with each pass's summary and one combined
line. Exit status is non-zero if either pass failed.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading

SUMMARY = re.compile(r"^=* ?(\d+ (?:passed|failed|skipped|errors?|deselected).*?) in [\d.]+s\b")
COUNT = re.compile(r"(\d+) (passed|failed|skipped|errors?|xfailed|xpassed|deselected)")


PASSES = ("sqlite", "postgres")
# Each browser test runs in one of the passes (tests/conftest.py, BROWSER_TESTS_SHARD): two in
# three on SQLite, whose pass is otherwise about a minute and a half shorter (the postgres pass
# has its own tests and a server to talk to), so that both passes end near the same time.
BROWSER_SHARDS = {"sqlite": "0,1/3", "postgres": "2/3"}


def run_pass(database: str, args: list[str], results: dict[str, tuple[int, str]]) -> None:
    env = {**os.environ, "TEST_DATABASE": database,
           "BROWSER_TESTS_SHARD": BROWSER_SHARDS[database]}
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
    )
    summary = ""
    assert process.stdout is not None
    for line in process.stdout:
        sys.stdout.write(f"[{database}] {line}")
        sys.stdout.flush()
        if match := SUMMARY.search(line.strip()):
            summary = match.group(1)
    results[database] = (process.wait(), summary)


def main() -> int:
    args = sys.argv[1:]
    results: dict[str, tuple[int, str]] = {}
    threads = [threading.Thread(target=run_pass, args=(db, args, results))
               for db in PASSES]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    totals: dict[str, int] = {}
    print()
    for database, (code, summary) in results.items():
        print(f"{database}: {summary or 'no summary'} (exit {code})")
        for number, word in COUNT.findall(summary):
            key = "errors" if word.startswith("error") else word
            totals[key] = totals.get(key, 0) + int(number)
    failed = totals.get("failed", 0) + totals.get("errors", 0)
    print(f"{totals.get('passed', 0)} passed, {failed} failed, {totals.get('skipped', 0)} skipped")
    return 0 if all(code == 0 for code, _ in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
