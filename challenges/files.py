"""Files the app writes for others to read (uploaded images, rendered previews)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomically(target: Path, content: bytes, prefix: str = ".partial-") -> None:
    """Write ``content`` to ``target`` so that no reader ever sees half a file: write beside
    it and rename. Two writers of the same content at once both end with one complete file."""
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=prefix)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
