"""WSGI entry point: ``gunicorn wsgi:app`` (and ``flask --app wsgi``). Reads ``.env`` first."""

from challenges import create_app
from challenges.config import load_env_file
from challenges.heap import freeze_startup_heap

load_env_file()  # before create_app reads the environment (nothing reads it at import); env wins
app = create_app()
# gunicorn imports this in each worker (no --preload): the app is built, freeze it there.
freeze_startup_heap()
