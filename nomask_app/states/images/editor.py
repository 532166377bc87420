"""The image editor: steps, sliders, filters, undo/redo and "Save copy".

The recipe of edits lives in a backend-only var; every change re-renders the
preview on the server from a downscaled proxy (services.images.image_editing) and
sends it as a data URL, so previews never pass through a public URL. The
file id is only a pointer: every handler re-derives the person from the
session cookie and the services check that the image is theirs.
"""

import asyncio

import reflex as rx

from nomask_app.config import get_settings
from nomask_app.db import session_scope
from nomask_app.integrations.llm_images import get_image_gateway
from nomask_app.services.common.errors import FieldErrors, NotFound
from nomask_app.services.images import gallery, image_editing
from nomask_app.services.images.image_editing import ADJUSTMENTS, FILTERS, MIN_SIDE, Recipe
from nomask_app.states.accounts.session import SessionState
from nomask_app.states.images.gallery import GalleryState
from nomask_app.states.images.views import ImageView, image_view

HISTORY = 50
MODES = ("view", "crop", "mask")


def _details(user_id: str, file_id: str) -> ImageView:
    with session_scope() as session:
        view = image_view(gallery.get_image(session=session, user_id=user_id, file_id=file_id))
    # The model's name as the picker shows it (a model no longer configured keeps its id).
    model = get_image_gateway().model(view.model) if view.model else None
    view.model = model.label if model else view.model
    return view


def _preview(user_id: str, file_id: str, recipe: Recipe) -> image_editing.Preview:
    with session_scope() as session:
        return image_editing.preview(
            session=session, user_id=user_id, file_id=file_id, recipe=recipe
        )


def _save(user_id: str, file_id: str, recipe: Recipe) -> tuple[str, str]:
    with session_scope() as session:
        row = image_editing.save_copy(
            session=session, user_id=user_id, file_id=file_id, recipe=recipe
        )
        session.flush()
        return row.id, row.filename


def _fraction(percent) -> float:
    """A slider's percent as a factor (1.0 is neutral); nonsense counts as neutral."""
    try:
        return float(percent) / 100
    except (TypeError, ValueError):
        return 1.0


def _number(form_data: dict, name: str) -> int | None:
    raw = str(form_data.get(name, "")).strip()
    try:
        return int(float(raw)) if raw else None
    except ValueError:
        return None


class EditorState(SessionState):
    """The image being edited and its recipe."""

    file_id: str = ""
    name: str = ""
    kind_label: str = ""
    url: str = ""
    # What an AI model was asked for this image (empty for uploads); `model` is its label.
    prompt: str = ""
    model: str = ""
    image_size: str = ""
    preview: str = ""
    width: int = 0
    height: int = 0
    brightness: int = 100
    contrast: int = 100
    saturation: int = 100
    sharpness: int = 100
    filter: str = "none"
    mode: str = "view"
    fields_revision: int = 0
    mask_key: int = 0
    has_mask: bool = False
    brush: int = 40
    crop_left: int = 0
    crop_top: int = 0
    crop_width: int = 0
    crop_height: int = 0
    crop_error: str = ""
    resize_error: str = ""
    can_undo: bool = False
    can_redo: bool = False
    notice: str = ""
    saving: bool = False
    _recipe: dict = {}
    _undo: list[dict] = []
    _redo: list[dict] = []
    _drag_base: dict = {}
    _mask: str = ""

    def _current_recipe(self) -> Recipe:
        """The recipe of edits made so far."""
        return Recipe.from_dict(self._recipe)

    def _painted_mask(self) -> str:
        """The painted mask (a PNG data URL), or "" when nothing is painted."""
        return self._mask

    def _show_recipe(self, recipe: Recipe) -> None:
        self._recipe = recipe.to_dict()
        for name in ADJUSTMENTS:
            setattr(self, name, round(getattr(recipe, name) * 100))
        self.filter = recipe.filter
        self.can_undo, self.can_redo = bool(self._undo), bool(self._redo)

    def _forget_mask(self) -> None:
        self._mask, self.has_mask = "", False
        self.mask_key += 1

    async def _render(self, user_id: str) -> None:
        try:
            shown = await asyncio.to_thread(_preview, user_id, self.file_id, self._current_recipe())
        except NotFound:
            self._close()
            self.notice = "This image no longer exists."
            return
        reshaped = (shown.width, shown.height) != (self.width, self.height)
        self.preview, self.width, self.height = shown.data_url, shown.width, shown.height
        if reshaped:  # the crop and size fields start from the whole picture again
            self.crop_left, self.crop_top = 0, 0
            self.crop_width, self.crop_height = shown.width, shown.height
            self.fields_revision += 1

    def _close(self) -> None:
        self.file_id = self.name = self.preview = self.url = ""
        self.prompt = self.model = self.image_size = ""
        self.width = self.height = 0
        self._undo, self._redo, self._drag_base = [], [], {}
        self._forget_mask()
        self._show_recipe(Recipe())

    async def _me(self) -> str | None:
        user = await self.current_user()
        return user.id if user else None

    async def _change(self, recipe: Recipe, *, before: Recipe | None = None):
        """Apply a new recipe as one undoable step and show it."""
        user_id = await self._me()
        if user_id is None or not self.file_id:
            return SessionState.require_user if user_id is None else None
        previous = before or self._current_recipe()
        if recipe != previous:
            self._undo = [*self._undo, previous.to_dict()][-HISTORY:]
            self._redo = []
        if recipe.steps != previous.steps:
            self._forget_mask()  # painted on a picture of another shape
        self.notice = self.crop_error = self.resize_error = ""
        self._show_recipe(recipe)
        await self._render(user_id)
        return None

    async def _open(self, user_id: str, file_id: str) -> bool:
        try:
            view = await asyncio.to_thread(_details, user_id, file_id)
        except NotFound:
            self.notice = "This image no longer exists."
            return False
        self._close()
        self.file_id, self.name, self.kind_label, self.url = (
            view.id,
            view.name,
            view.kind_label,
            view.url,
        )
        self.prompt, self.model, self.image_size = view.prompt, view.model, view.image_size
        self.mode, self.notice = "view", ""
        await self._render(user_id)
        return True

    @rx.event
    async def open(self, file_id: str):
        """Open one of the person's images, with a fresh recipe."""
        user_id = await self._me()
        if user_id is None:
            return SessionState.require_user
        if not await self._open(user_id, str(file_id)):
            return GalleryState.refresh
        return None

    @rx.event
    async def reload(self):
        """On page load: show the open image again, if it still exists."""
        user_id = await self._me()
        if user_id is not None and self.file_id:
            await self._render(user_id)

    @rx.event
    def close(self):
        """Close the editor (the image itself stays in the gallery)."""
        self._close()

    @rx.event
    async def rotate_left(self):
        """Turn the picture 90° counter-clockwise."""
        return await self._change(self._current_recipe().with_step(("rotate", 90)))

    @rx.event
    async def rotate_right(self):
        """Turn the picture 90° clockwise."""
        return await self._change(self._current_recipe().with_step(("rotate", 270)))

    @rx.event
    async def flip(self, direction: str):
        """Mirror the picture ("horizontal" or "vertical")."""
        if direction in ("horizontal", "vertical"):
            return await self._change(self._current_recipe().with_step(("flip", direction)))
        return None

    @rx.event
    async def set_filter(self, name: str):
        """Pick a filter (none, grayscale, sepia, blur, sharpen)."""
        if name in FILTERS:
            return await self._change(self._current_recipe().with_filter(name))
        return None

    @rx.event
    async def preview_adjustment(self, name: str, percent: int):
        """A slider moves: show the result at once, without an undo step yet."""
        user_id = await self._me()
        if user_id is None or name not in ADJUSTMENTS or not self.file_id:
            return
        if not self._drag_base:
            self._drag_base = self._recipe
        recipe = self._current_recipe().with_adjustment(name, _fraction(percent))
        self._recipe = recipe.to_dict()
        setattr(self, name, round(getattr(recipe, name) * 100))
        await self._render(user_id)

    @rx.event
    async def commit_adjustment(self, name: str, percent: int):
        """A slider is released: the change becomes one undoable step."""
        if name not in ADJUSTMENTS:
            return None
        before = Recipe.from_dict(self._drag_base) if self._drag_base else self._current_recipe()
        self._drag_base = {}
        return await self._change(
            self._current_recipe().with_adjustment(name, _fraction(percent)), before=before
        )

    @rx.event
    async def undo(self):
        """Go back one step."""
        if not self._undo:
            return None
        self._redo = [*self._redo, self._recipe]
        previous, self._undo = self._undo[-1], self._undo[:-1]
        return await self._jump(Recipe.from_dict(previous))

    @rx.event
    async def redo(self):
        """Redo the step that was undone."""
        if not self._redo:
            return None
        self._undo = [*self._undo, self._recipe]
        following, self._redo = self._redo[-1], self._redo[:-1]
        return await self._jump(Recipe.from_dict(following))

    async def _jump(self, recipe: Recipe):
        user_id = await self._me()
        if user_id is None:
            return SessionState.require_user
        if recipe.steps != self._current_recipe().steps:
            self._forget_mask()
        self._show_recipe(recipe)
        await self._render(user_id)
        return None

    @rx.event
    async def start_over(self):
        """Back to the original (an undoable step)."""
        return await self._change(Recipe())

    @rx.event
    def set_mode(self, mode: str):
        """Switch between viewing, dragging a crop box and painting a mask."""
        self.mode = mode if mode in MODES else "view"

    @rx.event
    def crop_drawn(self, left: float, top: float, width: float, height: float):
        """A crop box was dragged: fill in its numbers (applied with "Crop")."""
        try:
            numbers = [min(max(float(v), 0.0), 1.0) for v in (left, top, width, height)]
        except (TypeError, ValueError):
            return
        self.crop_left = round(numbers[0] * self.width)
        self.crop_top = round(numbers[1] * self.height)
        self.crop_width = max(1, round(numbers[2] * self.width))
        self.crop_height = max(1, round(numbers[3] * self.height))
        self.crop_error = ""
        self.fields_revision += 1

    @rx.event
    async def crop(self, form_data: dict):
        """Crop to the box in the number fields (pixels of the picture as it is now)."""
        left, top = _number(form_data, "crop_left"), _number(form_data, "crop_top")
        width, height = _number(form_data, "crop_width"), _number(form_data, "crop_height")
        if None in (left, top, width, height):
            self.crop_error = "Enter whole numbers for left, top, width and height."
            return None
        if left < 0 or top < 0 or width < MIN_SIDE or height < MIN_SIDE:
            self.crop_error = (
                f"The box must start inside the picture and be at least {MIN_SIDE} pixels."
            )
            return None
        if left + width > self.width or top + height > self.height:
            self.crop_error = f"The box must fit inside the picture ({self.width}×{self.height})."
            return None
        box = (
            left / self.width,
            top / self.height,
            (left + width) / self.width,
            (top + height) / self.height,
        )
        self.mode = "view"
        return await self._change(self._current_recipe().with_step(("crop", *box)))

    @rx.event
    async def resize(self, form_data: dict):
        """Scale the picture; with one number given, the other keeps the proportions."""
        width, height = _number(form_data, "resize_width"), _number(form_data, "resize_height")
        if width is None and height is None:
            self.resize_error = "Enter a new width or height in pixels."
            return None
        if width is None:
            width = round(self.width * height / self.height)
        if height is None:
            height = round(self.height * width / self.width)
        limit = get_settings().max_image_pixels
        if width < MIN_SIDE or height < MIN_SIDE or width * height > limit:
            self.resize_error = (
                f"Use at least {MIN_SIDE} pixels a side and at most "
                f"{limit // 1_000_000} megapixels in all."
            )
            return None
        return await self._change(self._current_recipe().with_step(("resize", width, height)))

    @rx.event
    def set_mask(self, data_url: str):
        """The painted mask, as the browser drew it (checked when it is used)."""
        self._mask = str(data_url)[:6_000_000]
        self.has_mask = bool(self._mask)

    @rx.event
    def clear_mask(self):
        """Wipe the painted mask."""
        self._forget_mask()

    @rx.event
    def set_brush(self, value: float):
        """The width of the mask brush, in screen pixels."""
        try:
            self.brush = min(max(int(float(value)), 4), 200)
        except (TypeError, ValueError):  # any client can send anything
            return

    @rx.event
    async def save_copy(self):
        """Store the edited picture at full resolution as a new version."""
        user_id = await self._me()
        if user_id is None or not self.file_id:
            yield SessionState.require_user if user_id is None else None
            return
        self.saving = True
        yield
        try:
            new_id, new_name = await asyncio.to_thread(
                _save, user_id, self.file_id, self._current_recipe()
            )
        except FieldErrors as problem:
            self.notice = next(iter(problem.errors.values()))
            return
        except NotFound:
            self._close()
            self.notice = "This image no longer exists."
            return
        finally:
            self.saving = False
        await self._open(user_id, new_id)
        self.notice = f"Saved a copy: {new_name}. The original is unchanged."
        yield GalleryState.refresh
