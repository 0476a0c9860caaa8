"""Fixtures for projects and uploads: an empty uploads folder per test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from challenges.uploads.storage import upload_dir


@pytest.fixture
def uploads(app: Flask) -> Iterator[Path]:
    """The app's uploads folder, empty at the start and the end of the test."""
    folder = upload_dir(app.config)
    shutil.rmtree(folder, ignore_errors=True)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def stored_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []
