"""Decoding and re-encoding uploaded images (SPEC §3): PNG, JPEG or WebP in; two WebP files out.

Nothing the member sent is stored as sent: the image is decoded by Pillow (restricted to the
three formats), turned upright from its EXIF orientation, and re-encoded without any metadata
(EXIF, GPS, ICC, comments). A decompression bomb (a small file declaring a huge canvas) is
refused from its header, before any pixel is decoded.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import DomainError

FORMATS = ("PNG", "JPEG", "WEBP")
ACCEPT = "image/png,image/jpeg,image/webp"
DISPLAY_WIDTH = 1200
THUMBNAIL_WIDTH = 480
# Outputs keep the aspect ratio but are never taller than this many widths (a 1 x 10,000 strip
# would otherwise become a 1200 x 12,000,000 "display image").
MAX_ASPECT = 4
# 40 megapixels: any camera photo, yet the largest decode (RGBA) stays near 160 MB. Pillow warns
# above this and raises at twice it; the warning is an error here, and the header is checked too.
MAX_PIXELS = 40_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
WEBP_QUALITY = 82
KEY_RE = re.compile(r"[0-9a-f]{64}")


class UploadRefused(DomainError):
    """A file that is not an image we accept; ``message`` says why, for the form field."""

    code = "upload_refused"
    status = 422
    default_message = _l("That file could not be used as an image.")


@dataclass(frozen=True)
class ProcessedImage:
    """The re-encoded image: ``key`` is the SHA-256 of the uploaded bytes (its file name)."""

    key: str
    display: bytes
    thumbnail: bytes
    width: int
    height: int


def megabytes(n: int) -> str:
    """10485760 -> "10 MB" (binary megabytes, as upload limits are usually meant)."""
    return f"{n / (1024 * 1024):g} MB"


def too_large_message(max_bytes: int) -> str:
    """Why a file over ``max_bytes`` is refused, in the member's language: the server says it
    (a 413 or a file over the limit) and app.js says it as soon as one is chosen."""
    return _("That file is larger than %(size)s. Choose a smaller image.",
             size=megabytes(max_bytes))


def process_image(data: bytes, max_bytes: int) -> ProcessedImage:
    """Check and re-encode ``data``; raises UploadRefused with a message for the member."""
    if not data:
        raise UploadRefused(_("That file is empty."))
    if len(data) > max_bytes:
        raise UploadRefused(too_large_message(max_bytes))
    image = _decode(data)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info)
    try:
        image = image.convert("RGBA" if has_alpha else "RGB")
    except ValueError:  # an exotic mode (e.g. 16-bit grey) Pillow cannot map to RGB
        raise UploadRefused(_("That image uses a colour format we can't read.")) from None
    display = _fit(image, DISPLAY_WIDTH)
    return ProcessedImage(
        key=hashlib.sha256(data).hexdigest(),
        display=_webp(display),
        thumbnail=_webp(_fit(image, THUMBNAIL_WIDTH)),
        width=display.width,
        height=display.height,
    )


def _decode(data: bytes) -> Image.Image:
    """The first frame, fully decoded and upright; refuses non-images and bombs."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=FORMATS) as source:
                width, height = source.size
                if width * height > MAX_PIXELS:  # also when another thread reset the filter
                    raise Image.DecompressionBombError("too many pixels")
                if source.format == "JPEG":
                    # Decode at the smallest 1/2^n scale still at least the display size.
                    source.draft("RGB", (DISPLAY_WIDTH, DISPLAY_WIDTH))
                source.load()
                upright = ImageOps.exif_transpose(source)
                return upright if upright is not source else source.copy()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadRefused(_("That image is too large in pixels (at most %(n)s megapixels).",
                              n=MAX_PIXELS // 1_000_000)) from None
    except UnidentifiedImageError:
        raise UploadRefused(_("That file is not a PNG, JPEG or WebP image.")) from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise UploadRefused(_("That image could not be read; the file may be damaged.")) from None


def _fit(image: Image.Image, width: int) -> Image.Image:
    """A copy at most ``width`` wide and ``MAX_ASPECT`` widths tall; never enlarged."""
    fitted = image.copy()
    fitted.thumbnail((width, width * MAX_ASPECT), Image.Resampling.LANCZOS)
    return fitted


def _webp(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "WEBP", quality=WEBP_QUALITY, method=4)  # no exif/icc: none written
    return buffer.getvalue()
