"""The Pillow editor: a recipe of edits, a fast preview, and full-resolution copies.

An edit is a `Recipe`: geometric steps (rotate, flip, crop, resize) followed by
adjustments (brightness, contrast, saturation, sharpness) and one filter. The
preview applies it to a downscaled proxy of the image (cached per person and
image), so a slider change costs milliseconds even on a 12-megapixel photo;
"Save copy" applies the same recipe to the full image and stores a new version
linked to its source, which is never overwritten.
"""

import base64
import io
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace

from PIL import Image, ImageEnhance, ImageFilter, ImageOps
from sqlmodel import Session

from nomask_app.config import get_settings
from nomask_app.models import StoredFile
from nomask_app.services.common.errors import FieldErrors
from nomask_app.services.images import files, gallery
from nomask_app.services.images.uploads import PreparedUpload, make_thumbnail

PREVIEW_SIDE = 1024
ADJUSTMENTS = ("brightness", "contrast", "saturation", "sharpness")
ADJUSTMENT_RANGE = (0.0, 2.0)
FILTERS = ("none", "grayscale", "sepia", "blur", "sharpen")
MIN_SIDE = 8
_PROXY_CACHE_SIZE = 12
_FORMATS = {"image/jpeg": ("JPEG", "jpg"), "image/webp": ("WEBP", "webp")}


@dataclass(frozen=True)
class Recipe:
    """Edits to apply, in order: `steps`, then adjustments, then `filter`.

    Steps are ``("rotate", 90 | 180 | 270)`` (counter-clockwise degrees),
    ``("flip", "horizontal" | "vertical")``, ``("crop", left, top, right,
    bottom)`` in fractions of the image at that point, and ``("resize",
    width, height)`` in full-resolution pixels.
    """

    steps: tuple[tuple, ...] = ()
    brightness: float = 1.0
    contrast: float = 1.0
    saturation: float = 1.0
    sharpness: float = 1.0
    filter: str = "none"

    @property
    def is_empty(self) -> bool:
        """Whether the recipe changes nothing."""
        return self == Recipe()

    def to_dict(self) -> dict:
        """A JSON-friendly form (kept in the editor's state)."""
        return {
            "steps": [list(step) for step in self.steps],
            **{name: getattr(self, name) for name in ADJUSTMENTS},
            "filter": self.filter,
        }

    @classmethod
    def from_dict(cls, data: dict | None) -> "Recipe":
        """Rebuild a recipe, dropping anything malformed."""
        data = data or {}
        steps = tuple(tuple(step) for step in data.get("steps", []) if _valid_step(tuple(step)))
        values = {name: _clamp(data.get(name, 1.0)) for name in ADJUSTMENTS}
        chosen = data.get("filter", "none")
        return cls(steps=steps, filter=chosen if chosen in FILTERS else "none", **values)

    def with_step(self, step: tuple) -> "Recipe":
        """This recipe with one more geometric step."""
        if not _valid_step(step):
            raise FieldErrors({"edit": "That edit is not possible."})
        return replace(self, steps=(*self.steps, step))

    def with_adjustment(self, name: str, value: float) -> "Recipe":
        """This recipe with one adjustment changed (1.0 is neutral)."""
        if name not in ADJUSTMENTS:
            raise FieldErrors({"edit": "Unknown adjustment."})
        return replace(self, **{name: _clamp(value)})

    def with_filter(self, name: str) -> "Recipe":
        """This recipe with another filter."""
        if name not in FILTERS:
            raise FieldErrors({"edit": "Unknown filter."})
        return replace(self, filter=name)


def _clamp(value) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 1.0
    low, high = ADJUSTMENT_RANGE
    return round(min(max(number, low), high), 3) if number == number else 1.0


def _valid_step(step: tuple) -> bool:
    if not step:
        return False
    kind, args = step[0], step[1:]
    if kind == "rotate":
        return args in ((90,), (180,), (270,))
    if kind == "flip":
        return args in (("horizontal",), ("vertical",))
    numbers = all(isinstance(a, int | float) and not isinstance(a, bool) for a in args)
    if kind == "crop":
        return len(args) == 4 and numbers and 0 <= args[0] < args[2] <= 1 >= args[3] > args[1] >= 0
    if kind == "resize":
        return len(args) == 2 and numbers and all(MIN_SIDE <= a <= 100_000 for a in args)
    return False


def size_after(size: tuple[int, int], steps: tuple[tuple, ...]) -> tuple[int, int]:
    """The full-resolution size once the geometric `steps` are applied."""
    width, height = size
    for kind, *args in steps:
        if kind == "rotate" and args[0] in (90, 270):
            width, height = height, width
        elif kind == "crop":
            left, top, right, bottom = args
            width = max(1, round(width * right) - round(width * left))
            height = max(1, round(height * bottom) - round(height * top))
        elif kind == "resize":
            width, height = int(args[0]), int(args[1])
    return width, height


_ROTATIONS = {
    90: Image.Transpose.ROTATE_90,
    180: Image.Transpose.ROTATE_180,
    270: Image.Transpose.ROTATE_270,
}
_FLIPS = {
    "horizontal": Image.Transpose.FLIP_LEFT_RIGHT,
    "vertical": Image.Transpose.FLIP_TOP_BOTTOM,
}


def apply(image: Image.Image, recipe: Recipe, *, scale: float = 1.0) -> Image.Image:
    """Apply `recipe` to `image`, which is the full image scaled by `scale`."""
    fast = scale < 1.0  # the preview trades a little quality for speed
    for kind, *args in recipe.steps:
        if kind == "rotate":
            image = image.transpose(_ROTATIONS[args[0]])
        elif kind == "flip":
            image = image.transpose(_FLIPS[args[0]])
        elif kind == "crop":
            left, top, right, bottom = args
            box = (
                round(image.width * left),
                round(image.height * top),
                max(round(image.width * right), round(image.width * left) + 1),
                max(round(image.height * bottom), round(image.height * top) + 1),
            )
            image = image.crop(box)
        elif kind == "resize":
            target = (max(1, round(args[0] * scale)), max(1, round(args[1] * scale)))
            method = Image.Resampling.BILINEAR if fast else Image.Resampling.LANCZOS
            image = image.resize(target, method)
    alpha = image.getchannel("A") if image.mode == "RGBA" else None
    picture = image.convert("RGB") if image.mode != "RGB" else image
    for name, enhancer in (
        ("brightness", ImageEnhance.Brightness),
        ("contrast", ImageEnhance.Contrast),
        ("saturation", ImageEnhance.Color),
        ("sharpness", ImageEnhance.Sharpness),
    ):
        value = getattr(recipe, name)
        if value != 1.0:
            picture = enhancer(picture).enhance(value)
    picture = _filter(picture, recipe.filter)
    if alpha is not None:
        picture.putalpha(alpha)  # `picture` is a new image here (converted from RGBA)
    return picture


def _filter(picture: Image.Image, name: str) -> Image.Image:
    # Radii follow the image's size, so the preview looks like the saved copy.
    radius = max(picture.size) / 500
    if name == "grayscale":
        return ImageOps.grayscale(picture).convert("RGB")
    if name == "sepia":
        return ImageOps.colorize(ImageOps.grayscale(picture), (40, 26, 13), (255, 240, 200))
    if name == "blur":
        return picture.filter(ImageFilter.GaussianBlur(max(0.5, radius)))
    if name == "sharpen":
        return picture.filter(ImageFilter.UnsharpMask(max(1.0, radius), 160, 2))
    return picture


# --- The preview proxy ----------------------------------------------------------------


@dataclass(frozen=True)
class Proxy:
    """A downscaled copy of an image for previews, and the full size it stands for."""

    image: Image.Image
    full_size: tuple[int, int]

    @property
    def scale(self) -> float:
        """Proxy pixels per full-resolution pixel."""
        return self.image.width / self.full_size[0]


_proxies: OrderedDict[tuple[str, str], Proxy] = OrderedDict()
_proxies_lock = threading.Lock()


def _load_proxy(row: StoredFile) -> Proxy:
    with Image.open(files.open_stored(row.storage_key)) as source:
        full_size = source.size
        # JPEG decodes straight at a reduced scale: the big win on large photos.
        source.draft("RGB", (PREVIEW_SIDE, PREVIEW_SIDE))
        source.load()
        image = source.convert("RGBA" if "A" in source.getbands() else "RGB")
    image.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE), Image.Resampling.BILINEAR, reducing_gap=2.0)
    return Proxy(image, full_size)


def proxy_for(*, session: Session, user_id: str, file_id: str) -> Proxy:
    """The preview proxy of one of the person's images (built once, then cached).

    Raises:
        NotFound: not the person's image.
    """
    row = gallery.get_image(session=session, user_id=user_id, file_id=file_id)
    key = (user_id, row.id)
    with _proxies_lock:
        if key in _proxies:
            _proxies.move_to_end(key)
            return _proxies[key]
    proxy = _load_proxy(row)
    with _proxies_lock:
        _proxies[key] = proxy
        while len(_proxies) > _PROXY_CACHE_SIZE:
            _proxies.popitem(last=False)
    return proxy


def forget_proxy(file_id: str) -> None:
    """Drop cached proxies of an image (it was deleted)."""
    with _proxies_lock:
        for key in [k for k in _proxies if k[1] == file_id]:
            del _proxies[key]


def forget_user(user_id: str) -> None:
    """Drop every cached proxy of a person's images (their account is deleted)."""
    with _proxies_lock:
        for key in [k for k in _proxies if k[0] == user_id]:
            del _proxies[key]


@dataclass(frozen=True)
class Preview:
    """What the editor shows: a JPEG data URL and the size a saved copy would have."""

    data_url: str
    width: int
    height: int


def preview(*, session: Session, user_id: str, file_id: str, recipe: Recipe) -> Preview:
    """The image with `recipe` applied, on its proxy, as a private data URL."""
    proxy = proxy_for(session=session, user_id=user_id, file_id=file_id)
    result = apply(proxy.image, recipe, scale=proxy.scale)
    if result.mode == "RGBA":
        backdrop = Image.new("RGB", result.size, (255, 255, 255))
        backdrop.paste(result, mask=result.getchannel("A"))
        result = backdrop
    buffer = io.BytesIO()
    result.save(buffer, "JPEG", quality=85)
    width, height = size_after(proxy.full_size, recipe.steps)
    encoded = base64.b64encode(buffer.getvalue()).decode()
    return Preview(f"data:image/jpeg;base64,{encoded}", width, height)


# --- Full resolution ------------------------------------------------------------------


def render_full(row: StoredFile, recipe: Recipe) -> Image.Image:
    """The stored image with `recipe` applied at full resolution."""
    width, height = size_after((row.width or 1, row.height or 1), recipe.steps)
    if width * height > get_settings().max_image_pixels:
        raise FieldErrors({"edit": "The result would be too large; choose a smaller size."})
    with Image.open(files.open_stored(row.storage_key)) as source:
        source.load()
        image = source.convert("RGBA" if "A" in source.getbands() else "RGB")
    return apply(image, recipe)


def _encode(image: Image.Image, content_type: str) -> tuple[bytes, str, str]:
    image_format, extension = _FORMATS.get(content_type, ("PNG", "png"))
    buffer = io.BytesIO()
    if image_format == "JPEG":
        image.convert("RGB").save(buffer, "JPEG", quality=92)
    elif image_format == "WEBP":
        image.save(buffer, "WEBP", quality=92)
    else:
        image.save(buffer, "PNG", compress_level=6)
        content_type = "image/png"
    return buffer.getvalue(), content_type, extension


def save_copy(*, session: Session, user_id: str, file_id: str, recipe: Recipe) -> StoredFile:
    """Store ("Save copy") the edited image as a new version of its source.

    Raises:
        NotFound: not the person's image.
        FieldErrors: nothing to save, or a result larger than allowed (key "edit").
    """
    source = gallery.get_image(session=session, user_id=user_id, file_id=file_id)
    if recipe.is_empty:
        raise FieldErrors({"edit": "Make a change first; the original stays as it is."})
    result = render_full(source, recipe)
    data, content_type, extension = _encode(result, source.content_type)
    stem = source.filename.rsplit(".", 1)[0].removesuffix("-edited")
    prepared = PreparedUpload(
        "image",
        f"{stem}-edited.{extension}",
        content_type,
        data,
        result.width,
        result.height,
        make_thumbnail(result),
    )
    return gallery.store_prepared(
        session=session, user_id=user_id, prepared=prepared, kind="edited", source=source
    )
