"""The composer: message box, attachments, "Model" picker, Send / Stop, queued message.

Desktop: Enter sends, Shift+Enter starts a new line. Phones (a coarse pointer or
a narrow window): Enter starts a new line and "Send" sends. The box's sizing,
the restoring of a cancelled queued message and following the conversation live
in `composer.jsx` next to this file.
"""

import reflex as rx
from reflex.vars import Var

from nomask_app.components.chat.address import conversation_in_address
from nomask_app.components.chat.attach import attach_button
from nomask_app.states.chat.attachments import AttachmentState
from nomask_app.states.chat.conversation import COMPOSER_ID, ChatState
from nomask_app.states.chat.model_choice import ModelChoiceState
from nomask_app.states.chat.views import CONVERSATION_FIELD, FileView, ModelOption

_SOURCE = rx.asset("composer.jsx", shared=True)

# Read at each key press, so turning a tablet or resizing a window counts at once.
_ENTER_SENDS = Var(_js_expr="!window.matchMedia('(pointer: coarse), (max-width: 767px)').matches")


class ComposerHelper(rx.Component):
    """Fits the box to its text, restores cancelled text, offers "Jump to latest"."""

    library = _SOURCE.importable_path
    tag = "ComposerHelper"

    target_id: Var[str]
    restore_text: Var[str]
    on_restored: rx.EventHandler[lambda: []]


def _pending(item: FileView) -> rx.Component:
    return rx.badge(
        rx.cond(
            item.is_image,
            rx.icon("image", size=14, aria_hidden="true"),
            rx.icon("file-text", size=14, aria_hidden="true"),
        ),
        item.name,
        rx.icon_button(
            rx.icon("x", size=12, aria_hidden="true"),
            size="1",
            variant="ghost",
            type="button",
            aria_label="Remove " + item.name,
            on_click=AttachmentState.remove(item.id),
        ),
        variant="surface",
        size="2",
    )


def _option(model: ModelOption) -> rx.Component:
    return rx.select.item(model.label, value=model.id)


def model_picker() -> rx.Component:
    """The "Model" combobox: chat models, then image models under their own heading."""
    return rx.select.root(
        rx.select.trigger(aria_label="Model", variant="soft"),
        rx.select.content(
            rx.select.group(
                rx.select.label("Chat models"),
                rx.foreach(ModelChoiceState.models, _option),
            ),
            rx.cond(
                ModelChoiceState.image_models.length() > 0,
                rx.fragment(
                    rx.select.separator(),
                    rx.select.group(
                        rx.select.label("Image models"),
                        rx.foreach(ModelChoiceState.image_models, _option),
                    ),
                ),
            ),
        ),
        value=ModelChoiceState.model_id,
        on_change=ModelChoiceState.set_model,
        size="2",
    )


def _queued() -> rx.Component:
    return rx.cond(
        ChatState.queued != "",
        rx.flex(
            rx.icon("clock", size=14, aria_hidden="true"),
            rx.box(
                rx.text("Queued", weight="medium", size="2"),
                rx.text(
                    ChatState.queued, size="1", color_scheme="gray", class_name="nm-queued-text"
                ),
                role="status",
                class_name="nm-queued-status",
            ),
            rx.button(
                "Cancel queued message",
                type="button",
                size="1",
                variant="soft",
                color_scheme="gray",
                on_click=ChatState.cancel_queued,
            ),
            align="center",
            gap="2",
            wrap="wrap",
            class_name="nm-queued",
        ),
    )


def composer() -> rx.Component:
    """Where messages are written; text written while a reply streams waits its turn."""
    return rx.form(
        rx.cond(
            ChatState.attachments.length() > 0,
            rx.hstack(rx.foreach(ChatState.attachments, _pending), wrap="wrap", spacing="2"),
        ),
        rx.cond(
            ChatState.drawing,
            rx.hstack(
                rx.spinner(size="1"),
                rx.text("Drawing your image…", size="2"),
                role="status",
                align="center",
            ),
        ),
        _queued(),
        rx.el.input(type="hidden", name=CONVERSATION_FIELD, value=conversation_in_address()),
        rx.el.label("Message", html_for=COMPOSER_ID, class_name="nm-sr-only"),
        rx.el.textarea(
            id=COMPOSER_ID,
            # Named as its id: the form sends the text once (Reflex adds fields by id too).
            name=COMPOSER_ID,
            placeholder=rx.cond(
                ModelChoiceState.image_model_picked,
                "Describe the picture to create",
                "Message, or /image to create a picture",
            ),
            enter_key_submit=_ENTER_SENDS,
            rows=1,
            class_name="nm-textarea nm-composer-box",
        ),
        ComposerHelper.create(
            target_id=COMPOSER_ID,
            restore_text=ChatState.restore_text,
            on_restored=ChatState.restored,
        ),
        rx.hstack(
            attach_button(),
            model_picker(),
            rx.spacer(),
            rx.cond(
                ChatState.streaming_id != "",
                rx.button(
                    rx.icon("square", size=14, aria_hidden="true"),
                    "Stop",
                    type="button",
                    color_scheme="red",
                    variant="soft",
                    on_click=ChatState.stop,
                ),
            ),
            # While a reply streams, "Send" queues the text (phones have no Enter to send).
            rx.button(rx.icon("send", size=16, aria_hidden="true"), "Send", type="submit"),
            align="center",
            spacing="2",
            wrap="wrap",  # narrow windows: "Send" moves to a new row, never off-screen
            width="100%",
        ),
        on_submit=ChatState.send,
        reset_on_submit=False,
        class_name="nm-composer",
    )
