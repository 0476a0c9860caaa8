"""Entries: gallery, submission pages, the submit form (page and modal), votes."""

from .views import bp

__all__ = ["bp"]
