"""The browser fixtures of tests/e2e, for the webhook pages."""

from tests.e2e.conftest import (  # noqa: F401  (fixtures and the clean-console hook)
    browser,
    console,
    live_server,
    page,
    playwright,
    pytest_runtest_call,
)
