"""Public pages: home, challenge list, challenge landing page, leaderboards and profiles."""

from .views import bp

__all__ = ["bp"]
