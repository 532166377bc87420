"""The Pillow editor: recipes, the proxy preview, and copies that never touch the original."""

import base64
import hashlib
import io

import pytest
from PIL import Image

from nomask_app.services.common.errors import FieldErrors, NotFound
from nomask_app.services.images import files, gallery, image_editing
from nomask_app.services.images.image_editing import Recipe, apply, size_after
from tests.factories import make_user
from tests.image_samples import image_bytes


def _marked(size=(40, 20)) -> Image.Image:
    """Red, with a blue top-left corner (so rotations and flips are visible)."""
    with Image.open(io.BytesIO(image_bytes(size=size))) as image:
        return image.convert("RGB")


BLUE, RED = (0, 0, 255), (200, 30, 30)


def test_rotations_and_flips_move_the_corner_mark():
    image = _marked()
    left = apply(image, Recipe().with_step(("rotate", 90)))
    assert left.size == (20, 40)
    assert left.getpixel((0, 39)) == BLUE  # top-left went to bottom-left
    right = apply(image, Recipe().with_step(("rotate", 270)))
    assert right.getpixel((19, 0)) == BLUE
    flipped = apply(image, Recipe().with_step(("flip", "horizontal")))
    assert flipped.getpixel((39, 0)) == BLUE and flipped.getpixel((0, 0)) == RED
    flipped = apply(image, Recipe().with_step(("flip", "vertical")))
    assert flipped.getpixel((0, 19)) == BLUE


def test_crop_uses_fractions_and_resize_full_pixels():
    image = _marked((400, 200))
    recipe = Recipe().with_step(("crop", 0.0, 0.0, 0.25, 0.25))
    cropped = apply(image, recipe)
    assert cropped.size == (100, 50)
    assert cropped.getpixel((50, 25)) == BLUE
    recipe = recipe.with_step(("resize", 50, 20))
    assert apply(image, recipe).size == (50, 20)
    assert size_after((400, 200), recipe.steps) == (50, 20)
    # On a proxy at half scale, the same recipe gives half the pixels.
    proxy = image.resize((200, 100))
    assert apply(proxy, recipe, scale=0.5).size == (25, 10)


def test_adjustments_and_filters():
    image = _marked()
    assert apply(image, Recipe()) is image  # nothing to do, nothing done
    darker = apply(image, Recipe().with_adjustment("brightness", 0.5))
    assert darker.getpixel((30, 10)) == (100, 15, 15)
    gray = apply(image, Recipe().with_filter("grayscale")).getpixel((30, 10))
    assert gray[0] == gray[1] == gray[2]
    sepia = apply(image, Recipe().with_filter("sepia")).getpixel((30, 10))
    assert sepia[0] > sepia[1] > sepia[2]
    muted = apply(image, Recipe().with_adjustment("saturation", 0.0)).getpixel((30, 10))
    assert max(muted) - min(muted) <= 2
    blurred = apply(image, Recipe().with_filter("blur"))
    assert blurred.getpixel((10, 5)) != image.getpixel((10, 5))  # the mark's edge softens


def test_recipes_refuse_nonsense_and_survive_the_state_round_trip():
    with pytest.raises(FieldErrors):
        Recipe().with_step(("rotate", 45))
    with pytest.raises(FieldErrors):
        Recipe().with_step(("crop", 0.5, 0.5, 0.2, 0.9))
    with pytest.raises(FieldErrors):
        Recipe().with_filter("posterize")
    assert Recipe().with_adjustment("contrast", 9).contrast == 2.0
    recipe = Recipe().with_step(("rotate", 90)).with_adjustment("brightness", 1.2)
    assert Recipe.from_dict(recipe.to_dict()) == recipe
    tampered = {"steps": [["rotate", 90], ["explode"]], "brightness": "nan", "filter": "x"}
    assert Recipe.from_dict(tampered) == Recipe().with_step(("rotate", 90))


def _photo(session, user, size=(1600, 1200)):
    row = gallery.upload_image(
        session=session, user_id=user.id, data=image_bytes("JPEG", size=size), filename="p.jpg"
    )
    session.commit()
    return row


def test_the_preview_is_a_private_data_url_of_the_proxy(session):
    user, other = make_user(session), make_user(session)
    row = _photo(session, user)
    recipe = Recipe().with_step(("rotate", 90))
    shown = image_editing.preview(session=session, user_id=user.id, file_id=row.id, recipe=recipe)
    assert (shown.width, shown.height) == (1200, 1600)  # what a saved copy would be
    prefix = "data:image/jpeg;base64,"
    assert shown.data_url.startswith(prefix)
    with Image.open(io.BytesIO(base64.b64decode(shown.data_url[len(prefix) :]))) as image:
        assert max(image.size) <= image_editing.PREVIEW_SIDE
        assert image.size[0] < image.size[1]
    with pytest.raises(NotFound):
        image_editing.preview(session=session, user_id=other.id, file_id=row.id, recipe=recipe)


def test_save_copy_makes_a_linked_version_and_keeps_the_original(session):
    user, other = make_user(session), make_user(session)
    row = _photo(session, user)
    before = hashlib.sha256(files.read_bytes(row)).hexdigest()
    recipe = (
        Recipe()
        .with_step(("rotate", 270))
        .with_step(("crop", 0.0, 0.0, 0.5, 0.5))
        .with_adjustment("contrast", 1.3)
    )
    copy = image_editing.save_copy(session=session, user_id=user.id, file_id=row.id, recipe=recipe)
    session.commit()
    assert (copy.kind, copy.source_file_id, copy.user_id) == ("edited", row.id, user.id)
    assert (copy.width, copy.height) == (600, 800)
    assert copy.filename == "p-edited.jpg" and copy.content_type == "image/jpeg"
    assert copy.thumbnail_key
    assert hashlib.sha256(files.read_bytes(row)).hexdigest() == before == row.sha256
    with Image.open(io.BytesIO(files.read_bytes(copy))) as saved:
        assert saved.size == (600, 800)
    with pytest.raises(FieldErrors):  # nothing changed: nothing to save
        image_editing.save_copy(session=session, user_id=user.id, file_id=row.id, recipe=Recipe())
    with pytest.raises(NotFound):
        image_editing.save_copy(session=session, user_id=other.id, file_id=row.id, recipe=recipe)


def test_a_copy_larger_than_the_pixel_cap_is_refused(session):
    user = make_user(session)
    row = _photo(session, user, size=(64, 48))
    huge = Recipe().with_step(("resize", 10_000, 9_000))
    with pytest.raises(FieldErrors) as caught:
        image_editing.save_copy(session=session, user_id=user.id, file_id=row.id, recipe=huge)
    assert "too large" in caught.value.errors["edit"]


def test_transparent_images_keep_their_alpha(session):
    user = make_user(session)
    buffer = io.BytesIO()
    Image.new("RGBA", (30, 20), (10, 200, 10, 0)).save(buffer, "PNG")
    row = gallery.upload_image(
        session=session, user_id=user.id, data=buffer.getvalue(), filename="clear.png"
    )
    session.commit()
    recipe = Recipe().with_adjustment("brightness", 1.5).with_filter("sepia")
    copy = image_editing.save_copy(session=session, user_id=user.id, file_id=row.id, recipe=recipe)
    with Image.open(io.BytesIO(files.read_bytes(copy))) as saved:
        assert saved.mode == "RGBA" and saved.getpixel((5, 5))[3] == 0


def test_cached_proxies_go_with_their_image_and_their_owner(session):
    from nomask_app.services.images.image_editing import _proxies

    user = make_user(session)
    first, second = _photo(session, user, (80, 60)), _photo(session, user, (60, 80))
    for row in (first, second):
        image_editing.preview(session=session, user_id=user.id, file_id=row.id, recipe=Recipe())
    assert {(user.id, first.id), (user.id, second.id)} <= set(_proxies)
    image_editing.forget_proxy(first.id)
    assert (user.id, first.id) not in _proxies and (user.id, second.id) in _proxies
    image_editing.forget_user(user.id)
    assert not any(key[0] == user.id for key in _proxies)
