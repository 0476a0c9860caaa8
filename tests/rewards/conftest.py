"""Fixtures of the rewards tests (the shared ones live in tests/conftest.py)."""

from .processes import spawn  # noqa: F401  (a fixture)
