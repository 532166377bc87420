"""Asking for an image in chat: a message "/image <prompt>" is answered with a picture.

A mixin of `ChatState` (states/chat/conversation.py), so that the image request
reads and writes the open conversation's own vars without importing it.
"""

import reflex as rx

from nomask_app.integrations.llm import ProviderError
from nomask_app.services.billing.quotas import QuotaExceeded
from nomask_app.services.common.errors import FieldErrors, NotFound
from nomask_app.services.images import image_requests
from nomask_app.services.operations import ratelimit
from nomask_app.states.accounts.session import SessionState
from nomask_app.states.chat.sidebar import SidebarState
from nomask_app.states.chat.views import COMPOSER_ID


class ChatImageMixin(rx.State, mixin=True):
    """An image being drawn for the open conversation (mixed into `ChatState`)."""

    drawing: bool = False

    @rx.event(background=True)
    async def draw(self, text: str, model_id: str = "", from_queue: bool = False):
        """Draw the image; on success both messages appear, on failure the text stays.

        Args:
            text: The message: "/image <prompt>", or the prompt itself with `model_id`.
            model_id: The image model picked in "Model" ("": the first one, for "/image").
            from_queue: The text was queued, so a failure puts it back into the composer.
        """
        async with self:
            user = await self.current_user()
            if user is None:
                return SessionState.require_user
            if self.drawing or self.streaming_id:
                self.notice = "Wait for the current answer to finish."
                return None
            conversation_id = self.conversation_id or None
            self.notice = self.notice_link = ""
            self.drawing = True
        notice, link = "", ""
        try:
            conversation_id = await image_requests.generate_in_chat(
                user_id=user.id,
                conversation_id=conversation_id,
                text=str(text),
                model_id=str(model_id),
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
                self.notice, self.notice_link = notice, link
                if from_queue is True:
                    self._give_back(str(text))
                return None
        return [
            rx.set_value(COMPOSER_ID, ""),
            SidebarState.load,
            rx.redirect(f"/chat/{conversation_id}"),
        ]
