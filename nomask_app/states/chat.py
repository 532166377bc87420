"""The open conversation: its messages, the composer, and the reply being written.

Replies are written by server-side jobs (services.generation); this state only
starts and stops them and shows their result. The growing text reaches the
page through the reply's event stream, not through this state.
"""

import asyncio

import reflex as rx

from nomask_app.db import session_scope
from nomask_app.integrations.llm import get_gateway
from nomask_app.models import Message
from nomask_app.services import chat, files, replies
from nomask_app.services.errors import FieldErrors, NotFound
from nomask_app.services.generation import jobs
from nomask_app.services.image_requests import parse_command
from nomask_app.services.quotas import QuotaExceeded
from nomask_app.states.chat_views import (
    FileView,
    MessageView,
    ModelOption,
    message_view,
    model_option,
)
from nomask_app.states.session import SessionState
from nomask_app.states.sidebar import SidebarState

COMPOSER_ID = "composer"


def _labels() -> dict[str, str]:
    return {m.id: m.label for m in get_gateway().models()}


def _views(session, user_id: str, rows: list[Message]) -> list[MessageView]:
    labels = _labels()
    return [
        message_view(
            row, files.files_of_message(session=session, user_id=user_id, message_id=row.id), labels
        )
        for row in rows
    ]


def _load(user_id: str, conversation_id: str, before_seq: int | None = None):
    with session_scope() as session:
        conversation = chat.get_conversation(
            session=session, user_id=user_id, conversation_id=conversation_id
        )
        rows, has_more = chat.list_messages(
            session=session, user_id=user_id, conversation_id=conversation_id, before_seq=before_seq
        )
        return conversation.title, _views(session, user_id, rows), has_more, conversation.model


def _prepare(action, **kwargs) -> replies.PreparedReply:
    with session_scope() as session:
        prepared = action(session=session, **kwargs)
        session.flush()
        return prepared


def _one_view(user_id: str, message_id: str) -> MessageView | None:
    with session_scope() as session:
        try:
            row = chat.get_message(session=session, user_id=user_id, message_id=message_id)
        except NotFound:
            return None
        return _views(session, user_id, [row])[0]


class ChatState(SessionState):
    """The conversation on screen and everything the composer needs."""

    conversation_id: str = ""
    title: str = ""
    messages: list[MessageView] = []
    has_earlier: bool = False
    not_found: bool = False
    models: list[ModelOption] = []
    model_id: str = ""
    streaming_id: str = ""
    notice: str = ""
    notice_link: str = ""
    attachments: list[FileView] = []
    editing: bool = False

    @rx.var
    def last_user_id(self) -> str:
        """The last message the person sent (the one "Edit" changes)."""
        return next((m.id for m in reversed(self.messages) if m.role == "user"), "")

    @rx.var
    def last_reply_id(self) -> str:
        """The last reply, if the conversation ends with one ("Regenerate" / "Retry")."""
        if self.messages and self.messages[-1].role == "assistant":
            return self.messages[-1].id
        return ""

    @rx.var
    def is_demo(self) -> bool:
        """Whether the only model is the offline demo."""
        return [m.id for m in self.models] == ["offline-demo"]

    async def _user_id(self) -> str | None:
        user = await self.current_user()
        return user.id if user else None

    async def _pick_models(self, preferred: str = "") -> None:
        user = await self.current_user()
        gateway = await asyncio.to_thread(get_gateway)
        self.models = [model_option(m) for m in gateway.models()]
        chosen = replies.pick_model(preferred, user.default_model if user else "")
        self.model_id = chosen.id

    @rx.event
    async def open_new(self):
        """`/`: an empty conversation, ready for the first message."""
        if await self.current_user() is None:
            return SessionState.require_user
        self.conversation_id, self.title, self.messages = "", "", []
        self.has_earlier = self.not_found = self.editing = False
        self.streaming_id = self.notice = ""
        await self._pick_models()
        return SidebarState.load

    @rx.event
    async def open_conversation(self):
        """`/chat/<id>`: the latest messages of one of the person's conversations."""
        user_id = await self._user_id()
        if user_id is None:
            return SessionState.require_user
        conversation_id = self.router.url.path.rstrip("/").rsplit("/", 1)[-1]
        self.notice, self.editing = "", False
        try:
            title, views, has_more, model = await asyncio.to_thread(_load, user_id, conversation_id)
        except NotFound:
            self.conversation_id, self.title, self.messages = "", "", []
            self.not_found = True
            return SidebarState.load
        self.not_found = False
        self.conversation_id, self.title, self.messages = conversation_id, title, views
        self.has_earlier = has_more
        self.streaming_id = next((v.id for v in views if v.stream_src), "")
        await self._pick_models(model)
        return SidebarState.load

    @rx.event
    async def load_earlier(self):
        """Prepend the previous page of messages."""
        user_id = await self._user_id()
        if user_id is None or not self.conversation_id or not self.messages:
            return
        first = await asyncio.to_thread(_first_seq, user_id, self.messages[0].id)
        try:
            _, views, has_more, _ = await asyncio.to_thread(
                _load, user_id, self.conversation_id, first
            )
        except NotFound:
            self.not_found = True
            return
        self.messages = views + self.messages
        self.has_earlier = has_more

    async def _begin(self, action, **kwargs):
        """Store the turn, start its reply job, and show both."""
        user_id = await self._user_id()
        if user_id is None:
            return SessionState.require_user
        if self.streaming_id:
            self.notice = "Wait for the reply to finish, or stop it first."
            return None
        self.notice, self.notice_link = "", ""
        try:
            prepared = await asyncio.to_thread(
                _prepare, action, user_id=user_id, model_id=self.model_id, **kwargs
            )
        except FieldErrors as problem:
            self.notice = next(iter(problem.errors.values()))
            return None
        except QuotaExceeded as limit:
            self.notice, self.notice_link = limit.message, limit.upgrade_url
            return None
        except NotFound:
            self.not_found = True
            return None
        jobs.start(
            message_id=prepared.turn.reply.id,
            user_id=user_id,
            model_id=prepared.model_id,
            messages=prepared.messages,
            context_dropped=prepared.context_dropped,
            stall_timeout=get_gateway().settings.llm_timeout_seconds,
        )
        return prepared

    @rx.event
    async def send(self, form_data: dict):
        """Send the composer's text (and attachments) and start the reply.

        "/image <prompt>" asks for a picture instead (states/chat_images.py).
        """
        text = str(form_data.get("message", ""))
        if parse_command(text) is not None:
            # Imported here: that state builds on this one.
            from nomask_app.states.chat_images import ChatImageState

            return ChatImageState.draw(text)
        attachment_ids = tuple(item.id for item in self.attachments)
        prepared = await self._begin(
            replies.start_turn,
            conversation_id=self.conversation_id or None,
            text=text,
            attachment_ids=attachment_ids,
        )
        if not isinstance(prepared, replies.PreparedReply):
            return prepared  # nothing sent: the text stays in the composer
        new_conversation = not self.conversation_id
        turn = prepared.turn
        self.conversation_id, self.title = turn.conversation.id, turn.conversation.title
        user_view = message_view(turn.user_message)
        user_view.files = list(self.attachments)
        self.messages = [*self.messages, user_view, message_view(turn.reply, (), _labels())]
        self.streaming_id = turn.reply.id
        self.attachments = []
        events = [rx.set_value(COMPOSER_ID, ""), SidebarState.load]
        if new_conversation:
            events.append(rx.redirect(f"/chat/{turn.conversation.id}"))
        return events

    async def _show_new_reply(self, prepared: replies.PreparedReply):
        user_id = await self._user_id()
        reloaded = await asyncio.to_thread(_load, user_id, self.conversation_id)
        self.title, self.messages, self.has_earlier = reloaded[0], reloaded[1], reloaded[2]
        self.streaming_id = prepared.turn.reply.id

    @rx.event
    async def regenerate(self):
        """Write the last reply again (also "Retry" after a failure)."""
        if not self.conversation_id:
            return None
        prepared = await self._begin(replies.regenerate, conversation_id=self.conversation_id)
        if isinstance(prepared, replies.PreparedReply):
            await self._show_new_reply(prepared)
            return None
        return prepared

    @rx.event
    def start_editing(self):
        """Show the editor for the last user message."""
        self.editing = not self.streaming_id

    @rx.event
    def cancel_editing(self):
        """Close the editor without changes."""
        self.editing = False

    @rx.event
    async def save_edit(self, form_data: dict):
        """Save the edited last message and answer it again."""
        if not self.conversation_id:
            return None
        prepared = await self._begin(
            replies.edit_and_resend,
            conversation_id=self.conversation_id,
            text=str(form_data.get("edited", "")),
        )
        if isinstance(prepared, replies.PreparedReply):
            self.editing = False
            await self._show_new_reply(prepared)
            return None
        return prepared

    @rx.event
    async def stop(self):
        """Stop the reply being written; what was written so far stays."""
        user_id = await self._user_id()
        if user_id is None or not self.streaming_id:
            return
        await jobs.stop(message_id=self.streaming_id, user_id=user_id)

    @rx.event
    async def reply_finished(self, _status: str = ""):
        """The page saw the end of the stream: show the stored final reply."""
        user_id = await self._user_id()
        if user_id is None or not self.streaming_id:
            return
        view = await asyncio.to_thread(_one_view, user_id, self.streaming_id)
        if view is not None and view.status != "streaming":
            self.messages = [view if m.id == view.id else m for m in self.messages]
            self.streaming_id = ""

    @rx.event
    async def set_model(self, model_id: str):
        """Pick the model for the next message; it becomes the default for new chats."""
        user_id = await self._user_id()
        model = get_gateway().model(str(model_id))
        if user_id is None or model is None:
            return
        self.model_id = model.id
        await asyncio.to_thread(_remember_model, user_id, model.id)


def _first_seq(user_id: str, message_id: str) -> int | None:
    with session_scope() as session:
        try:
            return chat.get_message(session=session, user_id=user_id, message_id=message_id).seq
        except NotFound:
            return None


def _remember_model(user_id: str, model_id: str) -> None:
    with session_scope() as session:
        chat.remember_model(session=session, user_id=user_id, model_id=model_id)
