"""Files attached in the composer before a message is sent ("Attach file")."""

import asyncio
import contextlib

import reflex as rx

from nomask_app.config import get_settings
from nomask_app.db import session_scope
from nomask_app.models import StoredFile
from nomask_app.services.billing.quotas import QuotaExceeded, check_quota
from nomask_app.services.common.errors import FieldErrors, NotFound
from nomask_app.services.images import files
from nomask_app.services.images.uploads import prepare_upload
from nomask_app.states.accounts.session import SessionState
from nomask_app.states.chat.conversation import ChatState
from nomask_app.states.chat.views import FileView, file_view
from nomask_app.states.common.uploads import UploadLimitMixin

UPLOAD_ID = "chat-attach"  # dropped files go straight to the handler: no selection to clear
MAX_FILES = 5


def _store(user_id: str, data: bytes, filename: str, size: int) -> FileView:
    settings = get_settings()
    with session_scope() as session:
        # The plan's limit first: its message names the file, its size and the plan.
        check_quota(
            session=session, user_id=user_id, kind="upload", upload_bytes=size, filename=filename
        )
        prepared = prepare_upload(
            data,
            filename,
            max_bytes=settings.max_upload_bytes,
            max_pixels=settings.max_image_pixels,
            max_text_bytes=settings.max_text_attachment_bytes,
        )
        row = files.store_bytes(
            session=session,
            user_id=user_id,
            data=prepared.data,
            filename=prepared.filename,
            content_type=prepared.content_type,
            width=prepared.width,
            height=prepared.height,
            thumbnail=prepared.thumbnail,
        )
        session.flush()
        return file_view(row)


def _discard(user_id: str, file_id: str) -> None:
    with session_scope() as session:
        row = files.get_file(session=session, user_id=user_id, file_id=file_id)
        if row.message_id is not None:  # already sent: it belongs to the conversation now
            return
        keys = files.stored_keys(session=session, conditions=[StoredFile.id == row.id])
        session.delete(session.get(StoredFile, row.id))
    files.remove_stored(keys)


class AttachmentState(UploadLimitMixin, SessionState):
    """Checks, cleans and stores attachments; they join the next message sent.

    The plan's limit is shown next to "Attach file" and checked in the browser
    first, so a file over it is never sent; the server checks again.
    """

    @rx.event
    async def load_limit(self):
        """Read the person's upload limit (when the composer appears)."""
        user = await self.current_user()
        if user is not None:
            await self._read_limit(user.id)

    async def _say_refused(self, message: str) -> None:
        conversation = await self.get_state(ChatState)
        conversation.notice = message

    @rx.event
    async def attach(self, uploads: list[rx.UploadFile]):
        """Store each file that passes the checks; explain the ones that do not."""
        user = await self.current_user()
        if user is None:
            return SessionState.require_user
        if not uploads:
            # The browser kept every file back (`refused` explains why): an empty
            # drop must not clear that explanation.
            return None
        conversation = await self.get_state(ChatState)
        problems: list[str] = []
        limit = get_settings().max_upload_bytes
        for upload in uploads:
            if len(conversation.attachments) >= MAX_FILES:
                problems.append(f"At most {MAX_FILES} files per message.")
                break
            data = await upload.read(limit + 1)
            name = upload.name or "file"
            try:
                view = await asyncio.to_thread(
                    _store, user.id, data, name, max(upload.size or 0, len(data))
                )
            except FieldErrors as problem:
                problems.append(problem.errors["file"])
                continue
            except QuotaExceeded as limit:
                problems.append(limit.message)
                continue
            conversation.attachments = [*conversation.attachments, view]
        conversation.notice = " ".join(problems)
        self.upload_progress = 0
        return None

    @rx.event
    async def remove(self, file_id: str):
        """Take a file back out of the message being written."""
        user = await self.current_user()
        if user is None:
            return
        conversation = await self.get_state(ChatState)
        with contextlib.suppress(NotFound):  # already gone
            await asyncio.to_thread(_discard, user.id, str(file_id))
        conversation.attachments = [a for a in conversation.attachments if a.id != file_id]
