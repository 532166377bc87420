"""The conversation: messages, the composer, and the header actions."""

import reflex as rx

from nomask_app.components.chat.markdown import chat_markdown
from nomask_app.states.chat.attachments import UPLOAD_ID, AttachmentState
from nomask_app.states.chat.conversation import COMPOSER_ID, ChatState
from nomask_app.states.chat.conversation_actions import ConversationState
from nomask_app.states.chat.views import FileView, MessageView


def _file(item: FileView) -> rx.Component:
    return rx.cond(
        item.is_image,
        rx.link(
            rx.image(src=item.url, alt=item.name, class_name="nm-thumb"),
            href=item.url,
            is_external=True,
        ),
        rx.link(rx.icon("paperclip", size=14, aria_hidden="true"), item.name, href=item.url),
    )


def _reply_body(message: MessageView) -> rx.Component:
    return rx.fragment(
        chat_markdown(
            content=message.content,
            stream_src=message.stream_src,
            on_done=ChatState.reply_finished,
        ),
        rx.cond(
            message.status == "failed",
            rx.callout(
                rx.cond(message.error != "", message.error, "The reply failed."),
                color_scheme="red",
                role="alert",
                size="1",
            ),
        ),
        rx.cond(
            message.status == "stopped",
            rx.text("Stopped.", size="1", color_scheme="gray"),
        ),
        rx.cond(message.note != "", rx.text(message.note, size="1", color_scheme="amber")),
        rx.cond(
            (message.id == ChatState.last_reply_id) & (ChatState.streaming_id == ""),
            rx.hstack(
                rx.cond(
                    message.status == "failed",
                    rx.button("Retry", size="1", on_click=ChatState.regenerate),
                    rx.button(
                        rx.icon("refresh-cw", size=14, aria_hidden="true"),
                        "Regenerate",
                        size="1",
                        variant="soft",
                        on_click=ChatState.regenerate,
                    ),
                ),
            ),
        ),
    )


def _edit_form(message: MessageView) -> rx.Component:
    return rx.form(
        rx.el.label("Edit message", html_for="edit-message", class_name="nm-sr-only"),
        rx.el.textarea(
            id="edit-message",
            name="edited",
            default_value=message.content,
            class_name="nm-textarea",
            rows=3,
        ),
        rx.hstack(
            rx.button("Save and send", type="submit", size="1"),
            rx.button(
                "Cancel", type="button", size="1", variant="soft", on_click=ChatState.cancel_editing
            ),
        ),
        on_submit=ChatState.save_edit,
        reset_on_submit=False,
    )


def _user_body(message: MessageView) -> rx.Component:
    editable = (message.id == ChatState.last_user_id) & (ChatState.streaming_id == "")
    return rx.cond(
        ChatState.editing & editable,
        _edit_form(message),
        rx.fragment(
            rx.text(message.content, class_name="nm-user-text"),
            rx.cond(
                editable,
                rx.button(
                    rx.icon("pencil", size=14, aria_hidden="true"),
                    "Edit",
                    size="1",
                    variant="ghost",
                    on_click=ChatState.start_editing,
                ),
            ),
        ),
    )


def message_item(message: MessageView) -> rx.Component:
    """One message, with `data-testid="message"` and its role."""
    is_user = message.role == "user"
    return rx.el.article(
        rx.hstack(
            rx.text(rx.cond(is_user, "You", "Assistant"), weight="bold", size="2"),
            rx.el.time(message.time, date_time=message.time_iso, class_name="nm-time"),
            rx.cond(message.model != "", rx.badge(message.model, variant="soft", size="1")),
            align="center",
            spacing="2",
        ),
        rx.cond(is_user, _user_body(message), _reply_body(message)),
        rx.cond(
            message.files.length() > 0,
            rx.hstack(rx.foreach(message.files, _file), wrap="wrap", spacing="2"),
        ),
        custom_attrs={
            "data-testid": "message",
            "data-role": message.role,
            "data-status": message.status,
        },
        class_name=rx.cond(is_user, "nm-message nm-message-user", "nm-message"),
    )


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


def model_picker() -> rx.Component:
    """The "Model" combobox."""
    return rx.select.root(
        rx.select.trigger(aria_label="Model", variant="soft"),
        rx.select.content(
            rx.foreach(ChatState.models, lambda m: rx.select.item(m.label, value=m.id))
        ),
        value=ChatState.model_id,
        on_change=ChatState.set_model,
        size="2",
    )


def composer() -> rx.Component:
    """Where messages are written: Enter sends, Shift+Enter starts a new line."""
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
        rx.el.label("Message", html_for=COMPOSER_ID, class_name="nm-sr-only"),
        rx.el.textarea(
            id=COMPOSER_ID,
            name="message",
            placeholder="Message NoMask (Enter to send, Shift+Enter for a new line)",
            enter_key_submit=True,
            auto_height=True,
            rows=2,
            class_name="nm-textarea",
        ),
        rx.hstack(
            rx.upload(
                rx.button(
                    rx.icon("paperclip", size=16, aria_hidden="true"),
                    "Attach file",
                    type="button",
                    variant="soft",
                ),
                id=UPLOAD_ID,
                on_drop=AttachmentState.attach(rx.upload_files(upload_id=UPLOAD_ID)),
                multiple=True,
                max_files=5,
                no_keyboard=True,
                border="none",
                padding="0",
            ),
            model_picker(),
            rx.spacer(),
            rx.cond(
                ChatState.streaming_id != "",
                rx.button(
                    rx.icon("square", size=14, aria_hidden="true"),
                    "Stop",
                    type="button",
                    color_scheme="red",
                    on_click=ChatState.stop,
                ),
                rx.button(rx.icon("send", size=16, aria_hidden="true"), "Send", type="submit"),
            ),
            align="center",
            spacing="2",
            width="100%",
        ),
        on_submit=ChatState.send,
        reset_on_submit=False,
        class_name="nm-composer",
    )


def _rename_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.trigger(rx.button("Rename", variant="soft", size="1")),
        rx.dialog.content(
            rx.dialog.title("Rename conversation"),
            rx.form(
                rx.flex(
                    rx.el.label("Title", html_for="rename-title", class_name="nm-label"),
                    rx.input(
                        id="rename-title",
                        name="title",
                        default_value=ChatState.title,
                        max_length=200,
                        custom_attrs={"aria-describedby": "rename-title-error"},
                    ),
                    rx.text(
                        ConversationState.rename_error,
                        id="rename-title-error",
                        color_scheme="red",
                        size="2",
                    ),
                    rx.hstack(
                        rx.dialog.close(rx.button("Cancel", variant="soft", type="button")),
                        rx.button("Save", type="submit"),
                        justify="end",
                    ),
                    direction="column",
                    spacing="2",
                ),
                on_submit=ConversationState.rename,
                reset_on_submit=False,
            ),
        ),
        open=ConversationState.rename_open,
        on_open_change=ConversationState.set_rename_open,
    )


def _delete_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(rx.button("Delete", variant="soft", color_scheme="red", size="1")),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Delete this conversation?"),
            rx.alert_dialog.description(
                "Its messages and files are deleted for good. This cannot be undone."
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft")),
                rx.alert_dialog.action(
                    rx.button(
                        "Delete conversation", color_scheme="red", on_click=ConversationState.delete
                    )
                ),
                justify="end",
                spacing="2",
            ),
        ),
        open=ConversationState.delete_open,
        on_open_change=ConversationState.set_delete_open,
    )


def conversation_header() -> rx.Component:
    """The title of the open conversation and its actions."""
    return rx.hstack(
        rx.heading(
            rx.cond(ChatState.title != "", ChatState.title, "New chat"),
            as_="h1",
            size="4",
            class_name="nm-ellipsis",
        ),
        rx.spacer(),
        rx.cond(ChatState.conversation_id != "", rx.hstack(_rename_dialog(), _delete_dialog())),
        align="center",
        width="100%",
        class_name="nm-chat-header",
    )
