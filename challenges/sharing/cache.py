"""The disk cache of preview images: one PNG per key, rendered once, served for ever.

The key is a hash of the renderer's version and of the ``CardSpec`` (every word, colour and
picture the image shows), so a change to any of them is a new key and a new file, and an
unchanged image is never drawn again. Files are written beside their final name and renamed
(``os.replace``), so a reader never sees half a file; a per-key lock file makes a second,
concurrent first request wait for the first one's file instead of drawing it again.
"""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..files import write_atomically
from .images import RENDER_VERSION, CardSpec, render_png

KEY_RE = re.compile(r"[0-9a-f]{20}")


def image_dir(config: Mapping[str, Any]) -> Path:
    """The folder of rendered images (``SHARE_IMAGE_DIR``, else ``INSTANCE_PATH/share-images``)."""
    return Path(config.get("SHARE_IMAGE_DIR") or Path(config["INSTANCE_PATH"]) / "share-images")


def image_key(spec: CardSpec) -> str:
    """The name of the image ``spec`` draws: a hash of exactly what it shows."""
    payload = json.dumps({"v": RENDER_VERSION, "spec": dataclasses.asdict(spec)},
                         sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()[:20]


def image_path(folder: Path, key: str) -> Path:
    """Where the image of ``key`` lives (two-letter subfolders keep folders small)."""
    return folder / key[:2] / f"{key}.png"


def cached_image(spec: CardSpec, folder: Path, picture_path: Path | None = None) -> Path:
    """The file of ``spec``'s image, drawing it first if it is not on disk yet."""
    key = image_key(spec)
    target = image_path(folder, key)
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    lock_path = target.parent / f".{key}.lock"
    with open(lock_path, "a+b") as lock:
        # Two first requests at once: the second waits here, then finds the file.
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not target.is_file():
                write_atomically(target, render_png(spec, picture_path), prefix=".render-")
                # The image exists from here on, and everyone checks for it before locking, so
                # the lock file is no longer needed (a waiter still holds its open copy).
                lock_path.unlink(missing_ok=True)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return target
