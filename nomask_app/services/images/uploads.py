"""Checking and cleaning what people upload, before anything is stored.

The type is decided by content, never by name. Images must be PNG, JPEG,
WebP or GIF (first frame); they are decoded under a pixel cap (decompression
bombs are refused), turned upright, stripped of EXIF/GPS and re-encoded.
Files that are two things at once (an image with a web page or script
appended or embedded) are refused. Anything else must be UTF-8 text.
Every image also gets its thumbnail here, from the pixels already decoded.
"""

import io
import re
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from nomask_app.services.common.errors import FieldErrors
from nomask_app.services.common.text import strip_unsafe
from nomask_app.services.common.units import file_size

IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}
# Markers of web content that no honest image or text attachment needs to smuggle.
_WEB_CONTENT = re.compile(rb"<\s*(script|html|svg|iframe|body|\?php)\b", re.IGNORECASE)
_IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".bmp", ".tif", ".tiff")
THUMBNAIL_SIDE = 320
_FAST_PNG_PIXELS = 4_000_000
THUMBNAIL_TYPE = "image/webp"
# The only decoded `info` a re-encode may carry over: the rest is the file's metadata.
_PIXEL_INFO = ("transparency",)
# `_image_format`'s answer for a file too large to open at all.
_BOMB = "too many pixels"


@dataclass(frozen=True)
class PreparedUpload:
    """An upload that passed every check, ready to store."""

    kind: str  # "image" or "text"
    filename: str
    content_type: str
    data: bytes
    width: int | None = None
    height: int | None = None
    thumbnail: bytes | None = None


def make_thumbnail(image: Image.Image) -> bytes:
    """A small WebP preview (at most `THUMBNAIL_SIDE` pixels a side) of an image."""
    scale = min(1.0, THUMBNAIL_SIDE / max(image.size))
    target = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    # reducing_gap: a fast box reduction first, then a good resample of the rest.
    small = image.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
    if small.mode not in ("RGB", "RGBA"):
        small = small.convert("RGBA" if "A" in small.getbands() or small.mode == "P" else "RGB")
    buffer = io.BytesIO()
    small.save(buffer, "WEBP", quality=80)
    return buffer.getvalue()


def _refuse(message: str) -> FieldErrors:
    return FieldErrors({"file": message})


def prepare_upload(
    data: bytes,
    filename: str,
    *,
    max_bytes: int,
    max_pixels: int,
    max_text_bytes: int,
    images_only: bool = False,
) -> PreparedUpload:
    """Validate and clean one upload (an image, or UTF-8 text unless `images_only`).

    Raises:
        FieldErrors: under the key "file", with a message naming the file.
    """
    name = strip_unsafe(filename) or "file"  # shown in the messages below
    if not data:
        raise _refuse(f"“{name}” is empty.")
    if len(data) > max_bytes:
        raise _refuse(
            f"“{name}” is {file_size(len(data))}: files can be at most "
            f"{file_size(max_bytes)} on this server."
        )
    image_format = _image_format(data)
    if image_format == _BOMB:
        raise _refuse(_too_many_pixels(name))
    if image_format is not None:
        return _prepare_image(data, name, image_format, max_pixels)
    if images_only or name.lower().endswith(_IMAGE_EXTENSIONS):
        raise _refuse(f"“{name}” is not a valid image (PNG, JPEG, WebP or GIF).")
    return _prepare_text(data, name, max_text_bytes)


def _too_many_pixels(name: str) -> str:
    return f"“{name}” has too many pixels to open safely."


def _image_format(data: bytes) -> str | None:
    """The image format of `data`, `_BOMB` for one Pillow will not even open, else None."""
    try:
        with warnings.catch_warnings():
            # Only the format is read here; the pixel cap is enforced when decoding.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                return image.format
    except Image.DecompressionBombError:
        return _BOMB
    except (UnidentifiedImageError, OSError, ValueError):
        return None


def _prepare_image(data: bytes, name: str, image_format: str, max_pixels: int) -> PreparedUpload:
    if image_format not in IMAGE_TYPES:
        raise _refuse(f"“{name}” is a {image_format} image; use PNG, JPEG, WebP or GIF.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.width * image.height > max_pixels:
                    raise _refuse(
                        f"“{name}” is too large ({image.width}×{image.height} pixels; "
                        f"at most {max_pixels // 1_000_000} megapixels)."
                    )
                image.seek(0)  # GIF: the first frame only
                image.load()
                # In place: no copy of a large photo when it is already upright.
                ImageOps.exif_transpose(image, in_place=True)
                cleaned, content_type, extension = _reencode(image, image_format)
                width, height = image.size
                thumbnail = make_thumbnail(image)
    except FieldErrors:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise _refuse(_too_many_pixels(name)) from None
    except (OSError, ValueError, SyntaxError):
        raise _refuse(f"“{name}” is damaged or incomplete.") from None
    if _WEB_CONTENT.search(data) or _has_trailing_data(data, image_format):
        raise _refuse(f"“{name}” is not a plain image (it carries other content).")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return PreparedUpload(
        "image", f"{stem}.{extension}", content_type, cleaned, width, height, thumbnail
    )


def _reencode(image: Image.Image, image_format: str) -> tuple[bytes, str, str]:
    """A fresh encode: nothing of the original file (EXIF, GPS, comments) survives.

    Large PNGs are compressed at zlib's fastest level: on a 20 MB photo the
    default level takes seconds (bench/image_studio.py) for a few percent.
    Pillow's writers fall back on the decoded file's `info` for some metadata
    (JPEG writes `info["comment"]` again): only what the pixels need is kept.
    """
    image.info = {key: value for key, value in image.info.items() if key in _PIXEL_INFO}
    buffer = io.BytesIO()
    if image_format == "JPEG":
        image.convert("RGB").save(buffer, "JPEG", quality=92)
        return buffer.getvalue(), "image/jpeg", "jpg"
    if image_format == "WEBP":
        image.save(buffer, "WEBP", quality=92)
        return buffer.getvalue(), "image/webp", "webp"
    mode = "RGBA" if image.mode in ("RGBA", "LA", "P", "PA") else "RGB"
    level = 1 if image.width * image.height > _FAST_PNG_PIXELS else 6
    # `convert` to the same mode would copy every pixel (tens of MB) for nothing.
    (image if image.mode == mode else image.convert(mode)).save(buffer, "PNG", compress_level=level)
    return buffer.getvalue(), "image/png", "png"


def _has_trailing_data(data: bytes, image_format: str) -> bool:
    """True when bytes follow the image's own end marker (a classic polyglot)."""
    tail = data.rstrip(b"\x00")
    if image_format == "PNG":
        end = data.rfind(b"IEND")
        return end == -1 or len(tail) > end + 8
    if image_format == "JPEG":
        return not tail.endswith(b"\xff\xd9")
    if image_format == "GIF":
        return not tail.endswith(b"\x3b")
    if image_format == "WEBP":
        declared = int.from_bytes(data[4:8], "little") + 8
        return len(data) > declared + (declared % 2)
    return False


def _prepare_text(data: bytes, name: str, max_text_bytes: int) -> PreparedUpload:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise _refuse(f"“{name}” is neither a supported image nor UTF-8 text.") from None
    if "\x00" in text:
        raise _refuse(f"“{name}” is a binary file; attach text or images.")
    if len(data) > max_text_bytes:
        raise _refuse(f"“{name}” is longer than {max_text_bytes // 1000} KB of text.")
    return PreparedUpload("text", name, "text/plain; charset=utf-8", data)
