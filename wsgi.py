"""WSGI entry point: ``gunicorn wsgi:app`` (and ``flask --app wsgi``). Reads ``.env`` first."""

from challenges import create_app
from challenges.config import load_env_file

load_env_file()  # before create_app reads the environment (nothing reads it at import); env wins
app = create_app()
