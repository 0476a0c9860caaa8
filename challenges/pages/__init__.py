"""Public pages: home, challenge list, challenge landing page."""

from .views import bp

__all__ = ["bp"]
