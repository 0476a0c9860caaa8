"""WSGI entry point: ``gunicorn wsgi:app``."""

from challenges import create_app

app = create_app()
