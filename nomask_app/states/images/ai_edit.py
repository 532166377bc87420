"""AI edits ("Edit with AI"): the open image, the painted mask and a description, sent out."""

import reflex as rx

from nomask_app.integrations.llm import ProviderError
from nomask_app.services.billing.quotas import QuotaExceeded
from nomask_app.services.common.errors import FieldErrors, NotFound
from nomask_app.services.images import image_requests
from nomask_app.services.operations import ratelimit
from nomask_app.states.accounts.session import SessionState
from nomask_app.states.images.editor import EditorState
from nomask_app.states.images.gallery import GalleryState


class AIEditState(SessionState):
    """Progress and messages of an AI edit; the result opens as a new version."""

    model_id: str = ""
    running: bool = False
    error: str = ""
    error_link: str = ""
    prompt_error: str = ""

    @rx.event
    def set_model(self, model_id: str):
        """Pick the image model that edits."""
        self.model_id = str(model_id)

    @rx.event(background=True)
    async def run(self, form_data: dict):
        """Send the image as edited so far, the mask and the prompt; open the result."""
        async with self:
            user = await self.current_user()
            if user is None:
                return SessionState.require_user
            if self.running:
                return None
            editor = await self.get_state(EditorState)
            request = {
                "file_id": editor.file_id,
                "recipe": editor._current_recipe(),
                "mask_data_url": editor._painted_mask(),
                "model_id": self.model_id,
                "ip": self.router.session.client_ip,
            }
            self.running = True
            self.error = self.error_link = self.prompt_error = ""
        try:
            result = await image_requests.edit_with_ai(
                user_id=user.id, prompt=str(form_data.get("edit_prompt", "")), **request
            )
        except FieldErrors as problem:
            return await self._fail(
                prompt=problem.errors.get("edit_prompt", ""),
                other=next(iter(problem.errors.values())),
            )
        except QuotaExceeded as limit:
            return await self._fail(other=limit.message, link=limit.upgrade_url)
        except (ProviderError, ratelimit.RateLimited) as failure:
            return await self._fail(other=failure.message)
        except NotFound:
            return await self._fail(other="This image no longer exists.")
        async with self:
            self.running = False
        return [GalleryState.refresh, EditorState.open(result.id)]

    async def _fail(self, *, other: str, prompt: str = "", link: str = "") -> None:
        async with self:
            self.prompt_error = prompt
            self.error = "" if prompt else other
            self.error_link = link
            self.running = False
