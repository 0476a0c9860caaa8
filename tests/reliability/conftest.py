"""Fixtures the reliability tests share with other folders (imported, not copied)."""

from tests.core.test_leaderboard import own_redis  # noqa: F401  (a fixture)
from tests.rewards.processes import spawn  # noqa: F401  (a fixture)
from tests.rewards.test_finalization import cast, twins  # noqa: F401  (fixtures)
