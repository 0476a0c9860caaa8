"""Where processed uploads live: two files per image in one folder, named by content hash.

``<key>.webp`` is the display image (at most 1200 px wide), ``<key>-480.webp`` the thumbnail.
No part of a stored name comes from the member, so names cannot collide, traverse or mislead.
The folder is ``instance/uploads`` unless ``UPLOAD_DIR`` names another (a shared volume when
several web hosts run).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..files import write_atomically
from .images import KEY_RE, THUMBNAIL_WIDTH, ProcessedImage

NAME_RE = re.compile(rf"([0-9a-f]{{64}})(-{THUMBNAIL_WIDTH})?\.webp")


def upload_dir(config: Mapping[str, Any]) -> Path:
    """The uploads folder of an app config (created on first use)."""
    return Path(config.get("UPLOAD_DIR") or Path(config["INSTANCE_PATH"]) / "uploads")


def display_name(key: str) -> str:
    return f"{key}.webp"


def thumbnail_name(key: str) -> str:
    return f"{key}-{THUMBNAIL_WIDTH}.webp"


def store_image(image: ProcessedImage, folder: Path) -> str:
    """Write both files (atomically; an identical upload is already there) and return the key."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in ((display_name(image.key), image.display),
                          (thumbnail_name(image.key), image.thumbnail)):
        target = folder / name
        if target.exists():
            continue
        # Two hosts storing the same image at once both end with the same complete file.
        write_atomically(target, content, prefix=".upload-")
    return image.key


def is_stored(key: str, folder: Path) -> bool:
    """Whether ``key`` names an image stored in ``folder`` (and is a well-formed key at all)."""
    return bool(KEY_RE.fullmatch(key)) and (folder / display_name(key)).is_file() and (
        folder / thumbnail_name(key)).is_file()
