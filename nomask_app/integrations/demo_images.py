"""What the "Offline demo" image model draws, locally with Pillow.

With no image provider configured, the image studio still works end to end:
the demo model answers through the same litellm path as a real provider
(integrations/llm.py), and every picture says plainly that it is a demo.
"""

import hashlib
import io
import textwrap

from PIL import Image, ImageChops, ImageDraw, ImageFont, ImageOps

LABEL = "Offline demo image · drawn locally, no AI provider"
EDIT_LABEL = "AI edit · offline demo"


def _palette(seed: bytes) -> list[tuple[int, int, int]]:
    return [(seed[i], seed[i + 1], seed[i + 2]) for i in range(0, 27, 3)]


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=max(10, size))


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=3)
    return buffer.getvalue()


def render(prompt: str, width: int, height: int, variant: int = 0) -> bytes:
    """A PNG picture derived from the prompt: a gradient, shapes and a clear label."""
    seed = hashlib.sha256(f"{variant}:{prompt}".encode()).digest()
    colors = _palette(seed)
    gradient = Image.linear_gradient("L").resize((width, height))
    image = ImageOps.colorize(gradient, colors[0], colors[1]).convert("RGBA")
    shapes = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(shapes)
    for index in range(6):
        x = seed[index + 9] / 255 * width
        y = seed[index + 15] / 255 * height
        radius = (0.08 + seed[index + 21] / 255 * 0.22) * min(width, height)
        box = (x - radius, y - radius, x + radius, y + radius)
        fill = (*colors[2 + index % 7], 150)
        if index % 2:
            draw.ellipse(box, fill=fill)
        else:
            draw.rounded_rectangle(box, radius=radius / 4, fill=fill)
    image = Image.alpha_composite(image, shapes).convert("RGB")
    _caption(image, LABEL, prompt)
    return _png(image)


def _caption(image: Image.Image, label: str, text: str) -> None:
    width, height = image.size
    draw = ImageDraw.Draw(image)
    size = max(12, width // 36)
    lines = textwrap.wrap(" ".join(text.split()), width=max(20, width // (size // 2 + 1)))[:3]
    band = size * (len(lines) + 2)
    draw.rectangle((0, height - band, width, height), fill=(15, 15, 20))
    draw.text((size // 2, height - band + size // 3), label, fill=(255, 214, 102), font=_font(size))
    for number, line in enumerate(lines, start=1):
        y = height - band + size // 3 + number * size
        draw.text((size // 2, y), line, fill=(240, 240, 240), font=_font(size - 2))


def edit(image: bytes, mask: bytes | None, prompt: str) -> bytes:
    """Change the masked region (transparent in `mask`), or the whole image without one."""
    with Image.open(io.BytesIO(image)) as source:
        picture = source.convert("RGB")
    region = Image.new("L", picture.size, 255)
    if mask:
        with Image.open(io.BytesIO(mask)) as painted:
            alpha = painted.convert("RGBA").getchannel("A").resize(picture.size)
        # The OpenAI convention: fully transparent mask pixels are the ones to edit.
        region = ImageOps.invert(alpha.point(lambda value: 255 if value > 0 else 0))
    seed = hashlib.sha256(prompt.encode()).digest()
    tint = Image.new("RGB", picture.size, _palette(seed)[0])
    changed = ImageChops.blend(ImageOps.invert(picture), tint, 0.35)
    result = Image.composite(changed, picture, region)
    draw = ImageDraw.Draw(result)
    size = max(12, picture.width // 36)
    draw.rectangle((0, 0, picture.width, size * 2), fill=(15, 15, 20))
    draw.text((size // 2, size // 2), EDIT_LABEL, fill=(255, 214, 102), font=_font(size))
    return _png(result)
