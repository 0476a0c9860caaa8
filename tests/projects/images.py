"""Image files for upload tests, made in memory: real PNG/JPEG/WebP, a text file named .png,
and decompression bombs (tiny PNGs whose header declares a huge canvas)."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image
from werkzeug.datastructures import FileStorage

MIME = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
SUFFIX = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (1600, 1000), **save: object) -> bytes:
    image = Image.new("RGB", size, (120, 60, 200))
    image.paste((250, 200, 40), (0, 0, size[0] // 2, size[1] // 2))  # not a flat colour
    buffer = io.BytesIO()
    image.save(buffer, fmt, **save)
    return buffer.getvalue()


def jpeg_with_gps() -> bytes:
    """A JPEG carrying EXIF (camera, GPS position): what re-encoding must strip."""
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0)}  # GPSInfo
    return image_bytes("JPEG", (900, 600), exif=exif.tobytes())


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def bomb_png(width: int = 100_000, height: int = 100_000) -> bytes:
    """A few hundred bytes declaring ``width`` x ``height`` 1-bit pixels (10 gigapixels by
    default); its first rows compress to almost nothing. Decoding would take over a gigabyte."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * ((width + 7) // 8 + 1) * 8, 9)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", rows)
            + png_chunk(b"IEND", b""))


def upload(data: bytes, filename: str, mime: str = "image/png") -> FileStorage:
    """A file field value for the Flask test client (or ``encode_multipart``)."""
    return FileStorage(io.BytesIO(data), filename=filename, content_type=mime)
