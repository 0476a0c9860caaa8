"""The sponsor side: click-throughs on the sponsor link and the sponsor dashboard (SPEC §8)."""

from .views import bp

__all__ = ["bp"]
