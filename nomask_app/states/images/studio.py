"""The image studio page: "Generate image", "Upload image", "Send to chat" and deletion."""

import asyncio
import contextlib

import reflex as rx

from nomask_app.config import get_settings
from nomask_app.db import session_scope
from nomask_app.integrations.llm import ProviderError
from nomask_app.integrations.llm_images import get_image_gateway
from nomask_app.services.billing.quotas import QuotaExceeded, allowance
from nomask_app.services.chat import conversations
from nomask_app.services.common.errors import FieldErrors, NotFound
from nomask_app.services.images import files, gallery, image_editing, image_requests
from nomask_app.services.operations import ratelimit
from nomask_app.states.accounts.session import SessionState
from nomask_app.states.common.uploads import UploadLimitMixin
from nomask_app.states.images.editor import EditorState
from nomask_app.states.images.gallery import GalleryState
from nomask_app.states.images.views import (
    ConversationOption,
    ImageModelOption,
    conversation_option,
    model_option,
)

UPLOAD_ID = "studio-upload"  # dropped files go straight to the handler: no selection to clear
PROMPT_ID = "prompt"
MAX_FILES = 5  # the request size cap (middleware.py) leaves room for five of the largest
SHARE_CHOICES = 20
NEW_CONVERSATION = "new"


def _upload(user_id: str, data: bytes, filename: str, size: int) -> str:
    with session_scope() as session:
        row = gallery.upload_image(
            session=session, user_id=user_id, data=data, filename=filename, size=size
        )
        session.flush()
        return row.id


def _recent_conversations(user_id: str) -> list[ConversationOption]:
    with session_scope() as session:
        rows = conversations.list_conversations(
            session=session, user_id=user_id, limit=SHARE_CHOICES
        )
        return [conversation_option(row) for row in rows]


def _share(user_id: str, file_id: str, conversation_id: str | None, note: str) -> str:
    with session_scope() as session:
        conversation = gallery.share_to_conversation(
            session=session,
            user_id=user_id,
            file_id=file_id,
            conversation_id=conversation_id,
            note=note,
        )
        return conversation.id


def _images_left(user_id: str) -> str:
    with session_scope() as session:
        images = allowance(session=session, user_id=user_id, kind="image")
    if images.left is None:
        return "No monthly image limit."
    period = "this billing period" if images.paid_period else "this month"
    resets = f"{images.resets_at:%B} {images.resets_at.day}"
    return f"{images.left} of {images.limit} images left {period} (resets {resets})."


def _asked_for(user_id: str, file_id: str) -> tuple[str, str, str]:
    """The prompt, model and size an image of this person was made from."""
    with session_scope() as session:
        row = gallery.get_image(session=session, user_id=user_id, file_id=file_id)
        return row.prompt, row.model, row.image_size


def _delete(user_id: str, file_id: str) -> None:
    with session_scope() as session:
        keys = gallery.delete_image(session=session, user_id=user_id, file_id=file_id)
    files.remove_stored(keys)
    image_editing.forget_proxy(file_id)


class StudioState(UploadLimitMixin, SessionState):
    """Generation options, progress and the messages of the studio's actions."""

    models: list[ImageModelOption] = []
    model_id: str = ""
    size: str = ""
    count: int = 1
    is_demo: bool = False
    generating: bool = False
    generate_error: str = ""
    generate_link: str = ""
    prompt_error: str = ""
    upload_notice: str = ""
    share_open: bool = False
    share_choices: list[ConversationOption] = []
    share_error: str = ""
    delete_open: bool = False
    images_left: str = ""
    # The largest upload, checked in the browser before anything is sent.

    @rx.var
    def sizes(self) -> list[str]:
        """Sizes the chosen model draws."""
        chosen = next((m for m in self.models if m.id == self.model_id), None)
        return chosen.sizes if chosen else []

    @rx.var
    def counts(self) -> list[str]:
        """How many images the chosen model may draw at once."""
        chosen = next((m for m in self.models if m.id == self.model_id), None)
        return [str(n) for n in range(1, (chosen.max_images if chosen else 1) + 1)]

    @rx.event
    async def load(self):
        """`/images`: the models, the gallery, and the image left open in the editor."""
        user = await self.current_user()
        if user is None:
            return SessionState.require_user
        gateway = await asyncio.to_thread(get_image_gateway)
        self.models = [model_option(m) for m in gateway.models()]
        self.is_demo = gateway.is_demo
        if not any(m.id == self.model_id for m in self.models):
            self._choose(self.models[0].id)
        self.generate_error = self.generate_link = self.prompt_error = self.upload_notice = ""
        self.images_left = await asyncio.to_thread(_images_left, user.id)
        await self._read_limit(user.id)
        return [GalleryState.refresh, EditorState.reload]

    def _choose(self, model_id: str) -> None:
        chosen = next((m for m in self.models if m.id == model_id), None)
        if chosen is None:
            return
        self.model_id = chosen.id
        if self.size not in chosen.sizes:
            self.size = chosen.sizes[0]
        self.count = min(self.count, chosen.max_images)

    @rx.event
    def set_model(self, model_id: str):
        """Pick the image model (sizes and counts follow it)."""
        self._choose(str(model_id))

    @rx.event
    def set_size(self, size: str):
        """Pick a size among the model's."""
        if size in self.sizes:
            self.size = size

    @rx.event
    def set_count(self, count: str):
        """Pick how many images to draw."""
        if count in self.counts:
            self.count = int(count)

    @rx.event(background=True)
    async def generate(self, form_data: dict):
        """Draw images from the prompt; the prompt stays in its field whatever happens."""
        async with self:
            user = await self.current_user()
            if user is None:
                return SessionState.require_user
            if self.generating:
                return None
            self.generating = True
            self.generate_error = self.generate_link = self.prompt_error = ""
            request = {
                "model_id": self.model_id,
                "size": self.size,
                "count": self.count,
                "ip": self.router.session.client_ip,
            }
        try:
            rows = await image_requests.generate(
                user_id=user.id, prompt=str(form_data.get("prompt", "")), **request
            )
        except FieldErrors as problem:
            async with self:
                self.prompt_error = problem.errors.get("prompt", "")
                first = next(iter(problem.errors.values()))
                self.generate_error = "" if self.prompt_error else first
                self.generating = False
            return None
        except QuotaExceeded as limit:
            async with self:
                self.generate_error, self.generate_link = limit.message, limit.upgrade_url
                self.generating = False
            return None
        except (ProviderError, ratelimit.RateLimited) as failure:
            async with self:
                self.generate_error, self.generating = failure.message, False
            return None
        left = await asyncio.to_thread(_images_left, user.id)
        async with self:
            self.generating, self.images_left = False, left
        return [GalleryState.refresh, EditorState.open(rows[0].id)]

    @rx.event
    async def generate_again(self, file_id: str):
        """Ask for new images from the prompt, model and size an image was made from."""
        user = await self.current_user()
        if user is None:
            return SessionState.require_user
        try:
            prompt, model_id, size = await asyncio.to_thread(_asked_for, user.id, str(file_id))
        except NotFound:
            self.generate_error = "This image no longer exists."
            return None
        if not prompt:
            return None
        self.generate_error = self.generate_link = self.prompt_error = ""
        fill = rx.set_value(PROMPT_ID, prompt)
        if not any(m.id == model_id for m in self.models):
            self.generate_error = (
                "The model that made this image is no longer available: "
                "choose another model, then generate again."
            )
            return fill
        self._choose(model_id)
        chosen = next(m for m in self.models if m.id == model_id)
        if size in chosen.sizes:
            self.size = size
        return [fill, StudioState.generate({"prompt": prompt})]

    @rx.event
    async def upload(self, uploads: list[rx.UploadFile]):
        """Check, clean and store each image; explain the ones that are refused."""
        user = await self.current_user()
        if user is None:
            return SessionState.require_user
        if not uploads:  # every file was kept back by the browser: `refused` explains
            return None
        problems: list[str] = []
        stored: list[str] = []
        self.upload_progress = 0
        limit = get_settings().max_upload_bytes
        for upload in uploads[:MAX_FILES]:
            data = await upload.read(limit + 1)
            name = upload.name or "image"
            size = max(upload.size or 0, len(data))
            try:
                stored.append(await asyncio.to_thread(_upload, user.id, data, name, size))
            except FieldErrors as problem:
                problems.append(problem.errors["file"])
            except QuotaExceeded as too_big:
                problems.append(too_big.message)
        if len(uploads) > MAX_FILES:
            problems.append(f"At most {MAX_FILES} images at a time.")
        self.upload_notice = " ".join(problems)
        events = [GalleryState.refresh]
        if stored:
            events.append(EditorState.open(stored[-1]))
        return events

    async def _say_refused(self, message: str) -> None:
        self.upload_notice = message

    @rx.event
    async def set_share_open(self, value: bool):
        """Open "Send to chat" with the person's recent conversations."""
        self.share_open, self.share_error = bool(value), ""
        user = await self.current_user()
        if user is not None and self.share_open:
            self.share_choices = await asyncio.to_thread(_recent_conversations, user.id)

    @rx.event
    async def share(self, form_data: dict):
        """Send the open image into the chosen conversation (or a new one) and go there."""
        user = await self.current_user()
        if user is None:
            return SessionState.require_user
        editor = await self.get_state(EditorState)
        target = str(form_data.get("conversation", NEW_CONVERSATION))
        try:
            conversation_id = await asyncio.to_thread(
                _share,
                user.id,
                editor.file_id,
                None if target == NEW_CONVERSATION else target,
                str(form_data.get("note", "")),
            )
        except FieldErrors as problem:
            self.share_error = next(iter(problem.errors.values()))
            return None
        except NotFound:
            self.share_error = "That image or conversation no longer exists."
            return None
        self.share_open = False
        return rx.redirect(f"/chat/{conversation_id}")

    @rx.event
    def set_delete_open(self, value: bool):
        """Open or close the deletion confirmation."""
        self.delete_open = bool(value)

    @rx.event
    async def delete(self):
        """Delete the open image for good (its edited versions stay)."""
        user = await self.current_user()
        if user is None:
            return SessionState.require_user
        editor = await self.get_state(EditorState)
        with contextlib.suppress(NotFound):  # already gone
            await asyncio.to_thread(_delete, user.id, editor.file_id)
        self.delete_open = False
        return [EditorState.close, GalleryState.refresh]
