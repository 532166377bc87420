"""Uploads are judged by content, cleaned, and refused with a clear message when bad."""

import io
import struct
import zlib

import pytest
from PIL import Image

from nomask_app.services.common.errors import FieldErrors
from nomask_app.services.images.uploads import prepare_upload

LIMITS = {"max_bytes": 20 * 1024 * 1024, "max_pixels": 40_000_000, "max_text_bytes": 100_000}


def _image(fmt="PNG", size=(64, 48), color=(200, 30, 30), **save):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt, **save)
    return buffer.getvalue()


def _jpeg_with_gps_and_rotation() -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (48.0, 51.0, 24.0)
    gps[3], gps[4] = "E", (2.0, 21.0, 3.0)
    buffer = io.BytesIO()
    Image.new("RGB", (80, 40), (0, 90, 200)).save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def _refusal(data, name, **kwargs):
    with pytest.raises(FieldErrors) as caught:
        prepare_upload(data, name, **{**LIMITS, **kwargs})
    return caught.value.errors["file"]


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "GIF"])
def test_supported_images_are_accepted_by_content_not_name(fmt):
    prepared = prepare_upload(_image(fmt), "whatever.bin", **LIMITS)
    assert prepared.kind == "image"
    assert (prepared.width, prepared.height) == (64, 48)
    with Image.open(io.BytesIO(prepared.data)) as image:
        assert image.format in ("PNG", "JPEG", "WEBP")


def test_gps_and_exif_are_removed_and_orientation_applied():
    original = _jpeg_with_gps_and_rotation()
    with Image.open(io.BytesIO(original)) as image:
        assert image.getexif().get_ifd(0x8825)  # the fixture really has GPS
    prepared = prepare_upload(original, "holiday.jpg", **LIMITS)
    with Image.open(io.BytesIO(prepared.data)) as image:
        assert not image.getexif()
        assert image.size == (40, 80)  # turned upright
    assert b"Exif" not in prepared.data


def _comment_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), (10, 20, 30)).save(buffer, "JPEG", comment=b"secret-location 48.85N")
    return buffer.getvalue()


def _comment_gif() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), (10, 20, 30)).save(buffer, "GIF", comment=b"secret-location 48.85N")
    return buffer.getvalue()


@pytest.mark.parametrize(("make", "name"), [(_comment_jpeg, "c.jpg"), (_comment_gif, "c.gif")])
def test_image_comments_are_removed(make, name):
    original = make()
    assert b"secret-location" in original  # the fixture really carries a comment
    prepared = prepare_upload(original, name, **LIMITS)
    assert b"secret-location" not in prepared.data
    with Image.open(io.BytesIO(prepared.data)) as image:
        assert "comment" not in image.info


def test_gif_keeps_the_first_frame():
    frames = [Image.new("RGB", (10, 10), c) for c in ((255, 0, 0), (0, 255, 0))]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:])
    prepared = prepare_upload(buffer.getvalue(), "anim.gif", **LIMITS)
    with Image.open(io.BytesIO(prepared.data)) as image:
        assert image.format == "PNG"
        assert image.convert("RGB").getpixel((5, 5)) == (255, 0, 0)
    assert prepared.filename == "anim.png"


def test_utf8_text_is_accepted():
    prepared = prepare_upload("Grüße\nline two".encode(), "notes.md", **LIMITS)
    assert (prepared.kind, prepared.content_type) == ("text", "text/plain; charset=utf-8")


def test_bad_file_corpus_gets_clear_errors():
    html = b"<!doctype html><html><script>alert(1)</script></html>"
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    noisy = io.BytesIO()
    Image.effect_noise((400, 400), 80).convert("RGB").save(noisy, "JPEG")
    truncated = noisy.getvalue()[: len(noisy.getvalue()) // 2]
    polyglot = _image("PNG") + b"<script>alert(document.cookie)</script>"
    gif_polyglot = _image("GIF") + b"/*<html><body>*/"
    assert "not a valid image" in _refusal(html, "cat.png")
    assert "not a valid image" in _refusal(svg, "logo.svg")
    assert "damaged or incomplete" in _refusal(truncated, "photo.jpg")
    assert "is empty" in _refusal(b"", "empty.png")
    assert "not a plain image" in _refusal(polyglot, "poly.png")
    assert "not a plain image" in _refusal(gif_polyglot, "poly.gif")
    assert "neither a supported image nor UTF-8 text" in _refusal(b"\xff\xfe\x00\x01", "x.bin")
    assert "binary file" in _refusal(b"abc\x00def", "x.dat")


def test_images_only_refuses_text():
    assert "not a valid image" in _refusal(b"hello", "hello.txt", images_only=True)


def test_decompression_bombs_are_refused():
    bomb = _image("PNG", size=(8000, 6000), color=(0, 0, 0))
    message = _refusal(bomb, "bomb.png", max_pixels=10_000_000)
    assert "too large" in message and "8000×6000" in message


def _png_header(width: int, height: int) -> bytes:
    """A PNG that only declares its size: no pixels need to exist to claim billions."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        return struct.pack(">I", len(body)) + kind + body + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("side", [10_000, 50_000])
@pytest.mark.parametrize(
    ("name", "images_only"), [("bomb.png", False), ("bomb.bin", False), ("bomb.png", True)]
)
def test_huge_declared_sizes_are_named_as_too_many_pixels(side, name, images_only):
    # 10000² only warns in Pillow; 50000² is refused by Image.open itself.
    message = _refusal(_png_header(side, side), name, images_only=images_only)
    assert message == f"“{name}” has too many pixels to open safely."


def test_byte_and_text_caps_are_enforced_server_side():
    assert _refusal(b"x" * 1_200_001, "big.txt", max_bytes=1_000_000) == (
        "“big.txt” is 1.2 MB: files can be at most 1 MB on this server."
    )
    assert "longer than 100 KB" in _refusal(b"x" * 100_001, "long.txt")
