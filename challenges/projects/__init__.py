"""Members' own projects: /me/projects, the submit form's project picker, and their rules
(the JSON API's /api/projects/ lives with the API, in challenges/api/projects.py)."""

from .views import bp

__all__ = ["bp"]
