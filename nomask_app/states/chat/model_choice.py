"""The composer's "Model" picker: the models on offer and the one picked for the next message.

A state of its own, apart from ChatState: every update of a state renders
again each part of the page that reads it, and ChatState changes at every
message sent and every reply's end, while the models change only when the
page opens or someone picks one.
"""

import asyncio

import reflex as rx

from nomask_app.integrations.llm import get_gateway
from nomask_app.integrations.llm_images import get_image_gateway
from nomask_app.services.chat import replies
from nomask_app.states.accounts.session import SessionState
from nomask_app.states.chat import loaders as load
from nomask_app.states.chat.views import ModelOption, model_option

# Picker values of image models: chat and image model ids are separate namespaces.
IMAGE_PREFIX = "image:"


class ModelChoiceState(SessionState):
    """The chat and image models on offer, and the one picked in this tab."""

    models: list[ModelOption] = []
    image_models: list[ModelOption] = []
    model_id: str = ""

    @rx.var
    def image_model_picked(self) -> bool:
        """Whether the next message asks for a picture (an image model is picked)."""
        return self.model_id.startswith(IMAGE_PREFIX)

    @rx.var
    def is_demo(self) -> bool:
        """Whether the only model is the offline demo."""
        return [m.id for m in self.models] == ["offline-demo"]

    def picked_image_model(self) -> str:
        """The image model's own id when one is picked, else ""."""
        return self.model_id.removeprefix(IMAGE_PREFIX) if self.image_model_picked else ""

    async def offer(self, default: str, preferred: str = "") -> None:
        """List the models; pick `preferred`, else the person's `default`, else the first.

        An image model this tab picked stays picked. The caller has checked the
        user and passes their default model (no second lookup of the session).
        """
        gateway = await asyncio.to_thread(get_gateway)
        self.models = [model_option(m) for m in gateway.models()]
        images = await asyncio.to_thread(get_image_gateway)
        self.image_models = [
            ModelOption(id=IMAGE_PREFIX + m.id, label=m.label) for m in images.models()
        ]
        if any(option.id == self.model_id for option in self.image_models):
            return
        chosen = replies.pick_model(preferred, default)
        self.model_id = chosen.id

    @rx.event
    async def set_model(self, model_id: str):
        """Pick the model for the next message; a chat model becomes the default for new chats.

        An image model stays picked in this tab (across its conversations) and is
        not remembered: the next visit starts with the person's chat model.
        """
        user = await self.current_user()
        model_id = str(model_id)
        if model_id.startswith(IMAGE_PREFIX):
            image = get_image_gateway().model(model_id.removeprefix(IMAGE_PREFIX))
            if user is not None and image is not None:
                self.model_id = model_id
            return
        model = get_gateway().model(model_id)
        if user is None or model is None:
            return
        self.model_id = model.id
        await asyncio.to_thread(load.remember_model, user.id, model.id)
