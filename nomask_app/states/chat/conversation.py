"""The open conversation: its messages, the composer, and the reply being written.

Replies are written by server-side jobs (services.chat.generation); this state only
starts and stops them and shows their result. The growing text reaches the
page through the reply's event stream, not through this state.

The page keeps the list of shown messages and gets only changes to it
(states/chat/shown.py), so what a send costs on the websocket does not grow
with the conversation.
"""

import asyncio

import reflex as rx

from nomask_app.integrations.llm import get_gateway
from nomask_app.services.billing.quotas import QuotaExceeded
from nomask_app.services.chat import replies
from nomask_app.services.chat.generation import jobs
from nomask_app.services.common.errors import FieldErrors, NotFound
from nomask_app.services.images.image_requests import parse_command
from nomask_app.states.accounts.session import SessionState
from nomask_app.states.chat import loaders as load
from nomask_app.states.chat.images import ChatImageMixin
from nomask_app.states.chat.model_choice import ModelChoiceState
from nomask_app.states.chat.queue import FROM_QUEUE, ChatQueueMixin
from nomask_app.states.chat.shown import ShownMessagesMixin
from nomask_app.states.chat.sidebar import SidebarState
from nomask_app.states.chat.temporary import TemporaryChatMixin
from nomask_app.states.chat.titles import ChatTitleMixin
from nomask_app.states.chat.versions import WAIT_NOTICE, ChatVersionsMixin
from nomask_app.states.chat.views import (
    COMPOSER_ID,
    CONVERSATION_FIELD,
    FileView,
    MessageView,
    message_view,
)
from nomask_app.states.common.changes import assign


class ChatState(
    ChatQueueMixin,
    ChatTitleMixin,
    ChatImageMixin,
    ChatVersionsMixin,
    TemporaryChatMixin,
    ShownMessagesMixin,
    SessionState,
):
    """The conversation on screen and everything the composer needs."""

    conversation_id: str = ""
    title: str = ""
    has_earlier: bool = False
    not_found: bool = False
    streaming_id: str = ""
    notice: str = ""
    notice_link: str = ""
    attachments: list[FileView] = []

    async def _user_id(self) -> str | None:
        user = await self.current_user()
        return user.id if user else None

    @rx.event
    async def open_new(self):
        """`/`: an empty conversation, ready for the first message."""
        user = await self.current_user()
        if user is None:
            return SessionState.require_user
        await self._leave_temporary(user.id)
        # Sent even when unchanged: a page of `/` that started a conversation
        # shows it at its address (components/chat/address.js); when its websocket
        # reconnects, or Reflex reloads a lost tab state, for the router's `/`,
        # this tells it to open the conversation that the address names.
        self.conversation_id, self.title = "", ""
        self._show_only([])
        self.has_earlier = self.not_found = False
        self.editing_id = ""
        self.streaming_id = self.notice = self.notice_link = ""
        self._give_back(self._take_queued())
        await (await self.get_state(ModelChoiceState)).offer(user.default_model)
        return SidebarState.open

    @rx.event
    async def open_conversation(self):
        """`/chat/<id>`: the latest messages of one of the person's conversations."""
        conversation_id = self._conversation_in_url()
        user, loaded = await asyncio.to_thread(
            load.opened_conversation, self._session_token(), conversation_id
        )
        if await self.remember_identity(user) is None:
            return SessionState.require_user
        self.notice, self.notice_link, self.editing_id = "", "", ""
        self._give_back(self._take_queued())  # it was written for the other conversation
        await self._leave_temporary(user.id, conversation_id)
        if loaded is None:
            self.conversation_id, self.title = "", ""
            self._show_only([])
            self.not_found = True
            return SidebarState.open
        self.not_found = False
        # The switch follows what is shown: on for a temporary chat (a reload),
        # off for a saved one, so no saved chat is ever labelled "not saved".
        self.temporary = loaded.temporary
        self._temporary_id = conversation_id if loaded.temporary else ""
        self.conversation_id, self.title = conversation_id, loaded.title
        self._show_only(loaded.views)
        self.has_earlier = loaded.has_more
        self.streaming_id = next((v.id for v in loaded.views if v.stream_src), "")
        await (await self.get_state(ModelChoiceState)).offer(user.default_model, loaded.model)
        return SidebarState.open

    def _page_path(self) -> str:
        """The page to return to after signing in again, as the address shows it.

        A first message sent from `/` changes the address to /chat/<id> while
        the router still says `/` (a temporary chat is gone by then).
        """
        path = self.router.url.path
        if path.rstrip("/") == "" and self.conversation_id and not self._temporary_id:
            return f"/chat/{self.conversation_id}"
        return path

    def _conversation_in_url(self) -> str:
        """The id in a `/chat/<id>` address ("" elsewhere)."""
        parent, _, last = self.router.url.path.rstrip("/").rpartition("/")
        return last if parent.endswith("/chat") else ""

    @rx.event
    async def load_earlier(self):
        """Prepend the previous page of messages."""
        user_id = await self._user_id()
        if user_id is None or not self.conversation_id or not self._first_shown():
            return
        first = await asyncio.to_thread(load.first_seq, user_id, self._first_shown())
        try:
            earlier = await asyncio.to_thread(
                load.load_conversation, user_id, self.conversation_id, first
            )
        except NotFound:
            self.not_found = True
            return
        self._show_earlier(earlier.views)
        self.has_earlier = earlier.has_more

    async def _begin(self, action, **kwargs):
        """Check who asks, store the turn, start its reply job; return what was prepared."""
        if self.streaming_id:
            self.notice = WAIT_NOTICE
            return None
        choice = await self.get_state(ModelChoiceState)
        user, outcome = await asyncio.to_thread(
            load.begin_turn,
            self._session_token(),
            self.router.session.client_ip,
            action,
            model_id=choice.model_id,
            **kwargs,
        )
        if await self.remember_identity(user, self._page_path()) is None:
            return SessionState.require_user
        assign(self, notice="", notice_link="")
        if not isinstance(outcome, replies.PreparedReply):
            self._refused(outcome)
            return None
        job = jobs.start(
            message_id=outcome.turn.reply.id,
            user_id=user.id,
            model_id=outcome.model_id,
            messages=outcome.messages,
            context_dropped=outcome.context_dropped,
            stall_timeout=get_gateway().settings.llm_timeout_seconds,
        )
        self.streaming_id = outcome.turn.reply.id
        await job.head_start()
        return outcome

    def _refused(self, refusal: Exception) -> None:
        """Say why nothing was sent (the text stays in the composer)."""
        if isinstance(refusal, NotFound):
            self.not_found = True
        elif isinstance(refusal, FieldErrors):
            self.notice = next(iter(refusal.errors.values()))
        elif isinstance(refusal, QuotaExceeded):
            self.notice, self.notice_link = refusal.message, refusal.upgrade_url
        else:
            self.notice = refusal.message

    def _reply_view(self, prepared: replies.PreparedReply) -> MessageView:
        return message_view(prepared.turn.reply, (), load.model_labels())

    @rx.event
    async def send(self, form_data: dict):
        """Send the composer's text (and attachments) and start the reply.

        "/image <prompt>", or any text while an image model is picked, asks for a
        picture instead (states/chat/images.py). While a reply is being
        written, the text is queued and sent when it ends (states/chat/queue.py).
        """
        text = str(form_data.get(COMPOSER_ID, ""))
        from_queue = form_data.get(FROM_QUEUE) is True
        image_model = (await self.get_state(ModelChoiceState)).picked_image_model()
        if self.streaming_id or image_model or parse_command(text) is not None:
            # Not a turn: check the sender here. A turn is checked by `_begin`,
            # in the transaction that stores it (one lookup per send, not two).
            if await self.current_user() is None:
                return SessionState.require_user
            if self.streaming_id:
                return self._queue(text)
            return ChatState.draw(text, image_model, from_queue)
        # The page's address names its conversation even when this tab's state
        # was lost (Redis restarted without persistence): never start a new one then.
        conversation_id = self.conversation_id or str(form_data.get(CONVERSATION_FIELD, ""))
        prepared = await self._begin(
            replies.start_turn,
            conversation_id=conversation_id or None,
            text=text,
            attachment_ids=tuple(item.id for item in self.attachments),
            temporary=self.temporary and not conversation_id,
        )
        if not isinstance(prepared, replies.PreparedReply):
            if from_queue:
                self._give_back(text)
            return prepared  # nothing sent: the text stays in the composer
        turn = prepared.turn
        # A new conversation: the page's address changes, the page stays
        # (components/chat/address.js), so no page load follows.
        assign(self, conversation_id=turn.conversation.id, title=turn.conversation.title)
        if turn.conversation.temporary_session_id:
            self._temporary_id = turn.conversation.id
        user_view = message_view(turn.user_message)
        user_view.files = list(self.attachments)
        self._show_added([user_view, self._reply_view(prepared)])
        assign(self, attachments=[])
        # The conversation moves to the top of the sidebar in this same update:
        # one state update for the page to render, one event fewer for the server
        # (and the user the turn was checked for, not looked up again).
        sidebar = await self.get_state(SidebarState)
        await sidebar._refresh(turn.conversation.user_id)
        events = []
        if not from_queue:  # a queued text left the box already; it may hold a new draft
            events.append(rx.set_value(COMPOSER_ID, ""))
        return events

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
        if not self.streaming_id:
            return
        user, view = await asyncio.to_thread(
            load.finished_view, self._session_token(), self.streaming_id
        )
        if await self.remember_identity(user, self._page_path()) is None:
            return
        if view is None or view.status == "streaming":
            return
        if self._is_shown(view.id):
            self._show_finished(view)
        self.streaming_id = ""
        if self.notice == WAIT_NOTICE:
            self.notice = ""  # its cause has ended
        events = [ChatState.name_conversation(view.id)]
        if self.queued:
            events.append(ChatState.send({COMPOSER_ID: self._take_queued(), FROM_QUEUE: True}))
        return events

    @rx.event
    def dismiss_notice(self):
        """Hide the notice about the last message (it comes back if the cause repeats)."""
        self.notice, self.notice_link = "", ""
