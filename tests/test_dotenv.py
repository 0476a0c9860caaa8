"""``.env`` at the project root (or ``ENV_FILE``) feeds the configuration of ``make run``, the
``flask`` CLI, gunicorn, the worker and the scheduler; a real environment variable wins."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from unittest.mock import patch

import pytest
from dotenv import dotenv_values

from challenges.config import PROJECT_ROOT, load_config, load_env_file

pytestmark = pytest.mark.sqlite_only  # no database involved


@pytest.fixture
def env_file(tmp_path: Path) -> Iterator[Path]:
    """A .env file named by ENV_FILE, in an environment restored after the test (the file's
    values land in os.environ) and without the variables the test writes there."""
    path = tmp_path / ".env"
    path.write_text("# a comment\nLOGIN_RATE_LIMIT=3 per hour\nSITE_URL=https://from-dotenv.example\n")
    with patch.dict(os.environ, {"ENV_FILE": str(path)}):
        for name in ("LOGIN_RATE_LIMIT", "SITE_URL"):
            os.environ.pop(name, None)
        yield path


def test_a_value_in_the_env_file_reaches_the_config(env_file):
    assert load_env_file() == env_file
    config = load_config({"SECRET_KEY": "x"})
    assert config["LOGIN_RATE_LIMIT"] == "3 per hour"
    assert config["SITE_URL"] == "https://from-dotenv.example"


def test_a_real_environment_variable_overrides_the_env_file(env_file):
    os.environ["LOGIN_RATE_LIMIT"] = "7 per minute"
    load_env_file()
    config = load_config({"SECRET_KEY": "x"})
    assert config["LOGIN_RATE_LIMIT"] == "7 per minute"
    assert config["SITE_URL"] == "https://from-dotenv.example"  # the rest still comes from .env


def test_a_missing_env_file_reads_nothing(tmp_path):
    with patch.dict(os.environ, {"ENV_FILE": str(tmp_path / "none")}):
        assert load_env_file() is None


def test_the_wsgi_entry_point_reads_the_env_file(env_file, tmp_path):
    """What gunicorn and ``flask --app wsgi`` import: the app it builds sees the .env values."""
    env = {key: value for key, value in os.environ.items()
           if key not in {"DATABASE_URL", "REDIS_URL", "RATELIMIT_STORAGE_URI", "SECRET_KEY"}}
    env["INSTANCE_PATH"] = str(tmp_path / "instance")
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi; print(wsgi.app.config['SITE_URL'])"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "https://from-dotenv.example"


def test_the_example_file_sets_nothing_when_copied_to_dotenv():
    """.env.example is documentation: copied as it is, it changes no setting (nothing is required
    for ``make run``; every line is commented out until someone chooses it)."""
    example = PROJECT_ROOT / ".env.example"
    assert example.read_text().startswith("# AN EXAMPLE")
    assert dotenv_values(example) == {}
