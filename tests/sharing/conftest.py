"""Each sharing test renders into its own image folder, so "drawn once" means in this test."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _own_image_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SHARE_IMAGE_DIR", str(tmp_path / "share-images"))
