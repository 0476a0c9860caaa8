"""Issue #14: a web worker freezes the heap it built at start-up (``challenges.heap``), so the
garbage collector's full collections stop walking the app (85-180 ms each under load)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import gc
import wsgi
frozen = gc.get_freeze_count()
print(frozen, len(gc.get_objects()))
"""


def test_the_wsgi_entry_point_leaves_the_built_app_frozen(tmp_path):
    """What gunicorn imports in each worker: afterwards the objects the collector still walks
    are a small fraction of those it froze (the app, its mappers, templates, catalogues)."""
    env = {key: value for key, value in os.environ.items()
           if key not in {"DATABASE_URL", "REDIS_URL", "RATELIMIT_STORAGE_URI"}}
    env.update(INSTANCE_PATH=str(tmp_path / "instance"), ENV_FILE=str(tmp_path / "none"),
               SECRET_KEY="x" * 64)
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=PROJECT_ROOT, env=env,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    frozen, still_walked = map(int, result.stdout.split()[-2:])
    assert frozen > 50_000
    assert still_walked < frozen / 10
