"""Asking for an image in chat: a message "/image <prompt>" is answered with a picture."""

import reflex as rx

from nomask_app.integrations.llm import ProviderError
from nomask_app.services import image_requests, ratelimit
from nomask_app.services.errors import FieldErrors, NotFound
from nomask_app.services.quotas import QuotaExceeded
from nomask_app.states.chat import COMPOSER_ID, ChatState
from nomask_app.states.session import SessionState
from nomask_app.states.sidebar import SidebarState


class ChatImageState(SessionState):
    """An image being drawn for the open conversation."""

    drawing: bool = False

    @rx.event(background=True)
    async def draw(self, text: str):
        """Draw the image; on success both messages appear, on failure the text stays."""
        async with self:
            user = await self.current_user()
            if user is None:
                return SessionState.require_user
            conversation = await self.get_state(ChatState)
            if self.drawing or conversation.streaming_id:
                conversation.notice = "Wait for the current answer to finish."
                return None
            conversation_id = conversation.conversation_id or None
            conversation.notice = conversation.notice_link = ""
            self.drawing = True
        notice, link = "", ""
        try:
            conversation_id = await image_requests.generate_in_chat(
                user_id=user.id,
                conversation_id=conversation_id,
                text=str(text),
                ip=self.router.session.client_ip,
            )
        except FieldErrors as problem:
            notice = next(iter(problem.errors.values()))
        except QuotaExceeded as limit:
            notice, link = limit.message, limit.upgrade_url
        except (ProviderError, ratelimit.RateLimited) as failure:
            notice = failure.message
        except NotFound:
            notice = "This conversation no longer exists."
        async with self:
            self.drawing = False
            if notice:
                conversation = await self.get_state(ChatState)
                conversation.notice, conversation.notice_link = notice, link
                return None
        return [
            rx.set_value(COMPOSER_ID, ""),
            SidebarState.load,
            rx.redirect(f"/chat/{conversation_id}"),
        ]
