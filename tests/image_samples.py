"""Images for tests: good ones, one with GPS, and the corpus of bad files."""

import io

from PIL import Image, ImageDraw


def image_bytes(fmt: str = "PNG", size=(64, 48), color=(200, 30, 30), **save) -> bytes:
    """A small real image with a mark in its top-left corner (to check rotations)."""
    image = Image.new("RGB", size, color)
    ImageDraw.Draw(image).rectangle((0, 0, size[0] // 4, size[1] // 4), fill=(0, 0, 255))
    buffer = io.BytesIO()
    image.save(buffer, fmt, **save)
    return buffer.getvalue()


def jpeg_with_gps(size=(80, 40)) -> bytes:
    """A JPEG carrying GPS coordinates and an orientation tag (rotate 90° to display)."""
    exif = Image.Exif()
    exif[0x0112] = 6
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (48.0, 51.0, 24.0)
    gps[3], gps[4] = "E", (2.0, 21.0, 3.0)
    buffer = io.BytesIO()
    Image.new("RGB", size, (0, 90, 200)).save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def has_gps(data: bytes) -> bool:
    """Whether an image file carries GPS metadata (or any EXIF at all)."""
    with Image.open(io.BytesIO(data)) as image:
        return bool(image.getexif().get_ifd(0x8825)) or b"Exif" in data


def bad_files() -> dict[str, bytes]:
    """File name -> content of every kind of file the studio must refuse."""
    noisy = io.BytesIO()
    Image.effect_noise((300, 300), 80).convert("RGB").save(noisy, "JPEG")
    bomb = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(bomb, "PNG")  # 100 megapixels in a few KB
    return {
        "page.png": b"<!doctype html><html><script>alert(1)</script></html>",
        "logo.svg": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "half.jpg": noisy.getvalue()[: len(noisy.getvalue()) // 2],
        "empty.png": b"",
        "bomb.png": bomb.getvalue(),
        "polyglot.png": image_bytes() + b"<script>alert(document.cookie)</script>",
    }
